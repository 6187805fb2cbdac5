import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../core/types';
import { analyzeModel } from '../graph/analyze';
import { modelFromSpec } from '../io/modelSpec';
import { randomInput } from '../testing/tensors';
import { concatModel, depthwiseModel, flattenModel, residualModel, twoConvModel } from '../testing/tinyModels';
import { applyPlan } from './applyPlan';
import { changedBatchNorms } from './changedLayers';
import { keptIndices } from './plan';
import type { PrunePlan } from '../../contract/plan';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Keeps every channel of `group` but the first one. */
const cutFirst = (spec: ModelSpec, group: string): PrunePlan => {
  const size = analyzeModel(spec).groups.find((g) => g.key === group)!.size;
  return { kept: { [group]: Array.from({ length: size - 1 }, (_, i) => i + 1) } };
};

/**
 * The largest difference, over the kept channels, between what each BN sees
 * in the original and in the pruned model (no compensation).
 */
async function inputChangeByBn(spec: ModelSpec, plan: PrunePlan): Promise<Record<string, number>> {
  const analysis = analyzeModel(spec);
  const pruned = applyPlan(spec, analysis, plan, { compensate: false });
  const [original, cut] = [await modelFromSpec(spec), await modelFromSpec(pruned)];
  const input = randomInput([3, 6, 6, 2]);
  const changes: Record<string, number> = {};
  for (const layer of analysis.layers.filter((l) => l.className === 'BatchNormalization')) {
    const channels = keptIndices(layer.layout, plan, layer.outputShape!.at(-1)!);
    changes[layer.name] = tf.tidy(() => {
      const probe = (model: tf.LayersModel) =>
        tf.model({ inputs: model.inputs, outputs: model.getLayer(layer.name).input as tf.SymbolicTensor }).predict(input) as tf.Tensor;
      const before = tf.gather(probe(original), channels, 3);
      return tf.max(tf.abs(tf.sub(before, probe(cut)))).dataSync()[0];
    });
  }
  input.dispose();
  [original, cut].forEach((model) => model.dispose());
  return changes;
}

/** changedBatchNorms lists exactly the BNs whose input changes on their kept channels. */
async function expectExactly(spec: ModelSpec, plan: PrunePlan, expected: string[]): Promise<void> {
  const listed = changedBatchNorms(analyzeModel(spec), plan);
  expect([...listed].sort()).toEqual([...expected].sort());
  const changes = await inputChangeByBn(spec, plan);
  for (const [bn, change] of Object.entries(changes)) {
    if (listed.includes(bn)) expect(change, `${bn} should see other inputs`).toBeGreaterThan(1e-4);
    else expect(change, `${bn} should see the same inputs`).toBeLessThan(1e-5);
  }
}

describe('changedBatchNorms', () => {
  it('is empty when the plan removes nothing', async () => {
    const spec = await twoConvModel(3);
    const analysis = analyzeModel(spec);
    expect(changedBatchNorms(analysis, { kept: {} })).toEqual([]);
    // Listing every channel of a group removes nothing either.
    expect(changedBatchNorms(analysis, { kept: { conv1: [0, 1, 2, 3, 4, 5] } })).toEqual([]);
  });

  it('conv → bn → relu → conv → bn: cutting the first conv changes only the second BN', async () => {
    const spec = await twoConvModel(3);
    await expectExactly(spec, cutFirst(spec, 'conv1'), ['bn2']);
  });

  it('cutting the last conv changes no BN: its kept channels and the classifier\'s are the same', async () => {
    const spec = await twoConvModel(1);
    await expectExactly(spec, cutFirst(spec, 'conv2'), []);
    // Through Flatten into Dense: the Dense changes, but no BN follows it.
    const flat = await flattenModel();
    await expectExactly(flat, cutFirst(flat, 'conv1'), []);
  });

  it('residual: cutting the shared group changes the BN after the inner conv, not the first one', async () => {
    const spec = await residualModel();
    await expectExactly(spec, cutFirst(spec, 'conv_a'), ['bn_b']);
  });

  it('depthwise is per channel, pointwise mixes; a concatenation feeds the next conv', async () => {
    const depthwise = await depthwiseModel();
    await expectExactly(depthwise, cutFirst(depthwise, 'conv1'), ['bn_pw']);
    const concat = await concatModel();
    await expectExactly(concat, cutFirst(concat, 'conv_b'), ['bn_c']);
    await expectExactly(concat, { kept: { ...cutFirst(concat, 'conv_a').kept, ...cutFirst(concat, 'conv_c').kept } }, ['bn_c']);
  });
});
