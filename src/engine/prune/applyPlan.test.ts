import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../core/types';
import { analyzeModel } from '../graph/analyze';
import { artifactsFromSpec, layerByName } from '../io/modelSpec';
import { expectNoLeaks, maxAbsDifference, predictSpec, randomInput } from '../testing/tensors';
import { concatModel, depthwiseModel, flattenModel, residualModel, twoConvModel } from '../testing/tinyModels';
import { applyPlan } from './applyPlan';
import type { PrunePlan } from '../../contract/plan';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Sets γ of the given channels of a BN to exactly zero, with a β that survives ReLU. */
function zeroGamma(spec: ModelSpec, bn: string, channels: number[]): void {
  const weights = layerByName(spec, bn).weights;
  channels.forEach((channel, i) => {
    weights.gamma.values[channel] = 0;
    weights.beta.values[channel] = 0.4 + 0.1 * i;
  });
}

const keepAllBut = (size: number, removed: number[]): number[] =>
  Array.from({ length: size }, (_, i) => i).filter((i) => !removed.includes(i));

async function compareAfterPruning(spec: ModelSpec, plan: PrunePlan, compensate: boolean): Promise<number> {
  const input = randomInput([3, 6, 6, 2]);
  const before = await predictSpec(spec, input);
  const after = await predictSpec(applyPlan(spec, analyzeModel(spec), plan, { compensate }), input);
  input.dispose();
  return maxAbsDifference(before, after);
}

describe('applyPlan', () => {
  it('removes zero-γ channels before Flatten→Dense without changing outputs (compensated)', async () => {
    const spec = await flattenModel();
    zeroGamma(spec, 'bn1', [1, 3]);
    const plan = { kept: { conv1: [0, 2] } };
    const pruned = applyPlan(spec, analyzeModel(spec), plan);
    expect(layerByName(pruned, 'fc').weights.kernel.shape).toEqual([18, 5]);
    expect(layerByName(pruned, 'conv1').weights.kernel.shape).toEqual([3, 3, 2, 2]);
    expect(await compareAfterPruning(spec, plan, true)).toBeLessThan(1e-4);
    expect(await compareAfterPruning(spec, plan, false)).toBeGreaterThan(1e-3);
  });

  it('removes zero-γ channels before a 1×1 convolution without changing outputs (compensated)', async () => {
    const spec = await twoConvModel(1);
    zeroGamma(spec, 'bn1', [0, 4]);
    const plan = { kept: { conv1: keepAllBut(6, [0, 4]) } };
    expect(await compareAfterPruning(spec, plan, true)).toBeLessThan(1e-4);
    expect(await compareAfterPruning(spec, plan, false)).toBeGreaterThan(1e-3);
  });

  it('with 3×3 same convolutions, compensation brings outputs closer than none', async () => {
    const spec = await twoConvModel(3);
    zeroGamma(spec, 'bn1', [1, 2, 5]);
    const plan = { kept: { conv1: [0, 3, 4] } };
    const withCompensation = await compareAfterPruning(spec, plan, true);
    const without = await compareAfterPruning(spec, plan, false);
    expect(withCompensation).toBeLessThan(without / 2);
  });

  it('prunes residual groups together and the result reloads with stock tfjs', async () => {
    const spec = await residualModel();
    zeroGamma(spec, 'bn_a', [2]);
    zeroGamma(spec, 'bn_b', [2]);
    const pruned = applyPlan(spec, analyzeModel(spec), { kept: { conv_a: [0, 1, 3] } });
    expect(layerByName(pruned, 'conv_a').weights.kernel.shape).toEqual([3, 3, 2, 3]);
    expect(layerByName(pruned, 'conv_b').weights.kernel.shape).toEqual([3, 3, 3, 3]);
    expect(layerByName(pruned, 'fc').weights.kernel.shape).toEqual([3, 3]);
    const model = await tf.loadLayersModel(tf.io.fromMemory(artifactsFromSpec(pruned)));
    expect(model.outputs[0].shape).toEqual([null, 3]);
    model.dispose();
  });

  it('prunes a depthwise convolution with the channels it reads', async () => {
    const spec = await depthwiseModel();
    const pruned = applyPlan(spec, analyzeModel(spec), { kept: { conv1: [1, 3], pw: [0, 2, 4] } });
    expect(layerByName(pruned, 'dw').weights.depthwise_kernel.shape).toEqual([3, 3, 2, 1]);
    expect(layerByName(pruned, 'bn_dw').weights.gamma.shape).toEqual([2]);
    expect(layerByName(pruned, 'pw').weights.kernel.shape).toEqual([1, 1, 2, 3]);
    expect(layerByName(pruned, 'fc').weights.kernel.shape).toEqual([3, 3]);
    await expectNoLeaks(async () => {
      const input = randomInput([2, 6, 6, 2]);
      expect((await predictSpec(pruned, input)).length).toBe(6);
      input.dispose();
    });
  });

  it('slices the reader of a concatenation at each branch offset', async () => {
    const spec = await concatModel();
    const pruned = applyPlan(spec, analyzeModel(spec), { kept: { conv_a: [0, 2], conv_b: [1] } });
    const original = layerByName(spec, 'conv_c').weights.kernel;
    const kernel = layerByName(pruned, 'conv_c').weights.kernel;
    expect(kernel.shape).toEqual([1, 1, 3, 4]);
    // Rows 0, 2 (branch a) and 4 (= offset 3 + channel 1 of branch b).
    for (const [row, from] of [[0, 0], [1, 2], [2, 4]]) {
      expect(Array.from(kernel.values.slice(row * 4, row * 4 + 4))).toEqual(Array.from(original.values.slice(from * 4, from * 4 + 4)));
    }
  });

  it('refuses plans that remove unprunable or all channels', async () => {
    const spec = await flattenModel();
    const analysis = analyzeModel(spec);
    expect(() => applyPlan(spec, analysis, { kept: { fc: [0] } })).toThrow(/cannot be pruned/);
    expect(() => applyPlan(spec, analysis, { kept: { conv1: [] } })).toThrow(/every channel/);
    expect(() => applyPlan(spec, analysis, { kept: { nope: [0] } })).toThrow(/does not have/);
  });
});
