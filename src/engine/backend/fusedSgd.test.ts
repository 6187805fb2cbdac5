import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../graph/analyze';
import { insertGfrLayers } from '../gfr/instrument';
import { modelFromSpec } from '../io/modelSpec';
import { expectNoLeaks } from '../testing/tensors';
import { residualModel } from '../testing/tinyModels';
import { cosineRate, decayedVariableNames, FusedSgd } from './fusedSgd';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('cosineRate', () => {
  it('goes from the rate to ~0 along half a cosine', () => {
    expect(cosineRate(0.01, 0, 8)).toBeCloseTo(0.01, 12);
    // (1 + cos(π/4)) / 2 = 0.853553…
    expect(cosineRate(0.01, 2, 8)).toBeCloseTo(0.00853553390593, 12);
    expect(cosineRate(0.01, 4, 8)).toBeCloseTo(0.005, 12);
    // The last step: (1 + cos(7π/8)) / 2 = 0.0380602…
    expect(cosineRate(0.01, 7, 8)).toBeCloseTo(0.000380602337443, 12);
    expect(cosineRate(0.01, 8, 8)).toBeCloseTo(0, 12);
  });
});

describe('FusedSgd', () => {
  it('takes momentum steps with weight decay on the decayed variables only, as computed by hand', async () => {
    const kernel = tf.variable(tf.tensor1d([1, -2]), true, 'sgdTest/kernel');
    const gamma = tf.variable(tf.tensor1d([1]), true, 'sgdTest/gamma');
    const values: number[][] = [];
    await expectNoLeaks(() => {
      const optimizer = new FusedSgd(0.1, new Set([kernel.name]), 0.01);
      for (let step = 0; step < 2; step++) {
        tf.tidy(() => optimizer.applyGradients({ [kernel.name]: tf.tensor1d([0.5, 0.5]), [gamma.name]: tf.tensor1d([0]) }));
        values.push(Array.from(kernel.dataSync()));
      }
      optimizer.dispose();
    });
    expect(values[0]).toEqual([expect.closeTo(0.949, 6), expect.closeTo(-2.048, 6)]);
    // v1 = g + wd·w0 = [0.51, 0.48], w1 = [0.949, −2.048];
    // v2 = 0.9·v1 + g + wd·w1 = [0.96849, 0.91152], w2 = w1 − 0.1·v2.
    expect(Array.from(kernel.dataSync())).toEqual([expect.closeTo(0.852151, 6), expect.closeTo(-2.139152, 6)]);
    // No gradient and no decay: γ stays where it was.
    expect(gamma.dataSync()[0]).toBe(1);
    tf.dispose([kernel, gamma]);
  });

  it('follows the rate it is given at each step', () => {
    const w = tf.variable(tf.tensor1d([0]), true, 'sgdRate/w');
    const optimizer = new FusedSgd(1, new Set(), 0, 0);
    optimizer.learningRate = 0.5;
    tf.tidy(() => optimizer.applyGradients({ [w.name]: tf.tensor1d([1]) }));
    optimizer.learningRate = 0.25;
    tf.tidy(() => optimizer.applyGradients({ [w.name]: tf.tensor1d([1]) }));
    expect(w.dataSync()[0]).toBeCloseTo(-0.75, 6);
    optimizer.dispose();
    w.dispose();
  });

  it('decays convolution and dense kernels, not BN γ/β, biases or the GFR gates', async () => {
    const spec = await residualModel();
    const model = await modelFromSpec(insertGfrLayers(spec, analyzeModel(spec), { seed: 2 }));
    const decayed = decayedVariableNames(model);
    const byName = new Map(model.trainableWeights.map((weight) => [(weight.read() as tf.Variable).name, weight.originalName]));
    const decayedNames = [...decayed].map((name) => byName.get(name)!);
    expect(decayedNames.length).toBeGreaterThan(0);
    expect(decayedNames.every((name) => /kernel$/.test(name))).toBe(true);
    const kernels = model.layers.filter((layer) => ['Conv2D', 'Dense'].includes(layer.getClassName())).flatMap((layer) => layer.trainableWeights.filter((w) => w.originalName.endsWith('/kernel')));
    expect(decayed.size).toBe(kernels.length);
    for (const weight of model.trainableWeights) {
      if (/gamma|beta|bias|kernel1|kernel2/.test(weight.originalName)) expect(decayed.has((weight.read() as tf.Variable).name)).toBe(false);
    }
    // A step with zero gradients moves the decayed kernels only.
    const optimizer = new FusedSgd(0.1, decayed, 0.5);
    const before = model.trainableWeights.map((weight) => Array.from(weight.read().dataSync()));
    tf.tidy(() => optimizer.applyGradients(Object.fromEntries(model.trainableWeights.map((weight) => [(weight.read() as tf.Variable).name, tf.zerosLike(weight.read())]))));
    model.trainableWeights.forEach((weight, i) => {
      const moved = Array.from(weight.read().dataSync()).some((value, k) => value !== before[i][k]);
      expect(moved, weight.originalName).toBe(decayed.has((weight.read() as tf.Variable).name) && before[i].some((value) => value !== 0));
    });
    optimizer.dispose();
    model.dispose();
  });
});
