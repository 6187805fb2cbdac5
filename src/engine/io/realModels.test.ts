/**
 * Models as users bring them: written by tfjs (several shards), read by the
 * engine, analysed, pruned, exported, and reloaded with stock tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../core/types';
import { analyzeModel } from '../graph/analyze';
import { applyPlan } from '../prune/applyPlan';
import type { PrunePlan } from '../../contract/plan';
import { savedArtifacts, shardedFiles, stockLoad } from '../testing/artifacts';
import { concatBranches, invertedResiduals, nestedSequential, resnetStages, scalelessBn } from '../testing/realModels';
import { maxAbsDifference, predictSpec, predictValues, randomInput } from '../testing/tensors';
import { loadModelFiles, modelFilesFromArtifacts } from './modelFiles';
import { artifactsFromSpec } from './modelSpec';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Drops the last channel of every prunable group of at least two channels. */
function dropLastChannels(spec: ModelSpec): PrunePlan {
  const kept: PrunePlan['kept'] = {};
  for (const group of analyzeModel(spec).groups) {
    if (group.prunable && group.size >= 2) kept[group.key] = Array.from({ length: group.size - 1 }, (_, i) => i);
  }
  return { kept };
}

/** Reads the model from shards, checks it predicts as tfjs did, prunes it, reloads it with stock tfjs. */
async function roundTrip(model: tf.LayersModel): Promise<{ spec: ModelSpec; pruned: ModelSpec }> {
  const input = randomInput([2, ...(model.inputs[0].shape.slice(1) as number[])]);
  const files = shardedFiles(await savedArtifacts(model));
  expect(files.filter((f) => f.name.endsWith('.bin'))).toHaveLength(3);
  const { spec, format } = await loadModelFiles(files);
  expect(format).toBe('tfjs');
  expect(maxAbsDifference(await predictSpec(spec, input), await predictValues(model, input))).toBeLessThan(1e-5);

  const pruned = applyPlan(spec, analyzeModel(spec), dropLastChannels(spec));
  const measured = await predictSpec(pruned, input);
  const reloaded = await stockLoad(modelFilesFromArtifacts(artifactsFromSpec(pruned)));
  expect(maxAbsDifference(await predictValues(reloaded, input), measured)).toBeLessThan(1e-6);
  expect(analyzeModel(pruned).params).toBeLessThan(analyzeModel(spec).params);
  reloaded.dispose();
  model.dispose();
  input.dispose();
  return { spec, pruned };
}

const groupOf = (spec: ModelSpec, layer: string) => analyzeModel(spec).groups.find((g) => g.members.some((m) => m.layer === layer))!;

describe('models as they come', () => {
  it('ResNet stages: residual Add across stages, ZeroPadding2D before a stride-2 conv, a fixed 1×1 shortcut', async () => {
    const { spec, pruned } = await roundTrip(resnetStages());
    expect(groupOf(spec, 'stem_conv').members.map((m) => m.layer).sort()).toEqual(['b1_conv2', 'stem_conv']);
    expect(groupOf(spec, 'b2_short').members.map((m) => m.layer).sort()).toEqual(['b2_conv2', 'b2_short']);
    expect(groupOf(spec, 'b2_short').prunable).toBe(true);
    const short = pruned.layers.find((l) => l.name === 'b2_short')!;
    expect(short.config.trainable).toBe(false);
    expect(short.weights.kernel.shape).toEqual([1, 1, 3, 5]);
    expect(analyzeModel(spec).layers.find((l) => l.name === 'b2_conv1')!.outputShape).toEqual([4, 4, 6]);
  });

  it('MobileNetV2 inverted residual: depthwise channels follow the expansion, the projection joins the stem', async () => {
    const { spec, pruned } = await roundTrip(invertedResiduals());
    expect(groupOf(spec, 'ir_project').members.map((m) => m.layer).sort()).toEqual(['ir_project', 'stem_conv']);
    expect(groupOf(spec, 'ir_expand').members.map((m) => m.layer).sort()).toEqual(['ir_dw', 'ir_expand']);
    expect(pruned.layers.find((l) => l.name === 'ir_dw')!.weights.depthwise_kernel.shape).toEqual([3, 3, 7, 1]);
  });

  it('Concatenate, with BatchNormalization center: false on one branch', async () => {
    const { spec, pruned } = await roundTrip(concatBranches());
    expect(spec.layers.find((l) => l.name === 'a_bn')!.weights.beta).toBeUndefined();
    expect(pruned.layers.find((l) => l.name === 'c_conv')!.weights.kernel.shape).toEqual([1, 1, 6, 3]);
  });

  it('BatchNormalization scale: false leaves its channels unprunable, and says why', async () => {
    const { spec } = await roundTrip(scalelessBn());
    const group = groupOf(spec, 'a_conv');
    expect(group.prunable).toBe(false);
    expect(group.reasons.join()).toMatch(/'a_bn' has scale: false \(no γ\)/);
  });

  it('a nested Sequential is flattened into the outer graph, keeping the names its weights use', async () => {
    const { spec } = await roundTrip(nestedSequential());
    expect(spec.layers.map((l) => l.name)).not.toContain('features');
    expect(spec.layers.find((l) => l.name === 'inner_conv')!.inbound).toEqual(['image']);
    expect(spec.layers.find((l) => l.name === 'outer_conv')!.inbound).toEqual(['inner_relu']);
    expect(groupOf(spec, 'inner_conv').prunable).toBe(true);
  });
});
