import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GfrLayer, INITIAL_SR } from '../gfr/gfrLayer';
import { expectNoLeaks } from '../testing/tensors';
import { gatePenalty, sparsityPenalties } from './regularizers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * A GFR layer on [N, H, W, C] inputs after one training-mode call, with its gates' batch means. Its last kernel
 * is set to seeded random values, as after some training: as built it is zero and every gate is INITIAL_SR.
 */
async function gatesAfterCall(temperature = 1): Promise<{ layer: GfrLayer; means: number[]; x: tf.Tensor4D }> {
  const layer = new GfrLayer({ seed: 4, temperature });
  const x = tf.randomNormal([5, 3, 3, 6], 0, 2, 'float32', 7) as tf.Tensor4D;
  tf.tidy(() => layer.apply(x, { training: true }) as tf.Tensor);
  const kernel2 = layer.trainableWeights.find((weight) => weight.originalName.endsWith('/kernel2'))!;
  tf.tidy(() => {
    kernel2.write(tf.randomUniform(kernel2.shape as number[], -0.7, 0.7, 'float32', 5));
  });
  tf.tidy(() => layer.apply(x, { training: true }) as tf.Tensor);
  const means = Array.from(await tf.tidy(() => tf.mean(layer.lastGates(), 0)).data());
  return { layer, means, x };
}

describe('gate penalties', () => {
  it('sum is Σ mean_N(s); polarization is Σ (t·m − |m − mean m|), and neither leaks', async () => {
    const { layer, means, x } = await gatesAfterCall();
    const t = 1.2;
    const mean = means.reduce((a, b) => a + b, 0) / means.length;
    const sum = means.reduce((a, b) => a + b, 0);
    const polarized = means.reduce((total, m) => total + t * m - Math.abs(m - mean), 0);
    expect(means.some((m) => Math.abs(m - mean) > 1e-3)).toBe(true);
    const value = async (penalty: 'sum' | 'polarization') => {
      const scalar = gatePenalty([layer], penalty, t);
      const [result] = await scalar.data();
      scalar.dispose();
      return result;
    };
    expect(await expectNoLeaks(() => value('sum'))).toBeCloseTo(sum, 5);
    expect(await expectNoLeaks(() => value('polarization'))).toBeCloseTo(polarized, 5);
    expect(polarized).toBeLessThan(t * sum);
    layer.releaseGates();
    layer.dispose();
    x.dispose();
  });

  it('polarization pulls gates below the layer mean down harder than those above it', async () => {
    const { layer, x } = await gatesAfterCall();
    const bias = layer.trainableWeights.find((weight) => weight.originalName.endsWith('/bias2'))!.read() as tf.Variable;
    const { grads, value } = tf.variableGrads(() => {
      layer.apply(x, { training: true });
      return gatePenalty([layer], 'polarization', 1.2);
    }, [bias]);
    // ∂R/∂b_c = mean_N(s(1 − s))·∂R/∂m_c: divide the sigmoid's slope out to get the pull on each gate's mean.
    const gates = layer.lastGates();
    const [means, slopes, pulls] = await Promise.all([
      tf.tidy(() => tf.mean(gates, 0)).data(),
      tf.tidy(() => tf.mean(tf.mul(gates, tf.sub(1, gates)), 0)).data(),
      grads[bias.name].data(),
    ]);
    const mean = Array.from(means).reduce((a, b) => a + b, 0) / means.length;
    const pull = Array.from(pulls, (g, c) => g / slopes[c]);
    const below = pull.filter((_, c) => means[c] < mean);
    const above = pull.filter((_, c) => means[c] > mean);
    expect(below.length).toBeGreaterThan(0);
    expect(above.length).toBeGreaterThan(0);
    expect(Math.min(...below)).toBeGreaterThan(5 * Math.max(...above));
    tf.dispose([value, ...Object.values(grads)]);
    layer.releaseGates();
    layer.dispose();
    x.dispose();
  });

  it('a temperature sharpens the gates but starts them where τ = 1 does', async () => {
    for (const temperature of [0.25, 1, 4]) {
      const layer = new GfrLayer({ seed: 4, temperature });
      const zeros = tf.zeros([2, 3, 3, 6]);
      tf.tidy(() => layer.apply(zeros) as tf.Tensor);
      const start = layer.computeGates(zeros);
      expect(Math.max(...Array.from(await start.data()).map((s) => Math.abs(s - INITIAL_SR)))).toBeLessThan(1e-6);
      expect(layer.getConfig().temperature).toBe(temperature);
      tf.dispose([zeros, start]);
      layer.dispose();
    }
  });
});

describe('the list of sparsity penalties', () => {
  it('holds λγ·Σ|γ| and λs·R(s) only where the weight is positive and the variables exist, γ first', async () => {
    const { layer, means, x } = await gatesAfterCall();
    const gamma = tf.variable(tf.tensor1d([1, -2, 0.5]));
    const settings = { lambdaGamma: 1e-3, lambdaS: 1e-2, gatePenalty: 'sum' as const };
    const read = async (term: { value: () => tf.Scalar }) => {
      const scalar = term.value();
      const [result] = await scalar.data();
      scalar.dispose();
      return result;
    };
    const both = sparsityPenalties(settings, [gamma], [layer], 1.2);
    expect(both.map((term) => term.weight)).toEqual([1e-3, 1e-2]);
    expect(await read(both[0])).toBeCloseTo(3.5, 6);
    expect(await read(both[1])).toBeCloseTo(means.reduce((a, b) => a + b, 0), 5);
    expect(sparsityPenalties({ ...settings, lambdaGamma: 0 }, [gamma], [layer], 1.2).map((term) => term.weight)).toEqual([1e-2]);
    expect(sparsityPenalties(settings, [], [], 1.2)).toEqual([]);
    gamma.dispose();
    layer.releaseGates();
    x.dispose();
  });
});
