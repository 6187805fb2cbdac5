/**
 * A MobileNetV2 in torchvision's layout, exported from PyTorch (make_fixtures.py; width 0.2, 32×32 input, BNs folded
 * by the exporter, ReLU6 as Clip): it imports, its depthwise convolutions couple their channels to the expansion
 * before them, and a plan cuts it into a smaller model whose ONNX file takes the original's NCHW input.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { planForRatio } from '../../../contract/plan';
import type { ModelSpec } from '../../core/types';
import { onnxFromSpec } from '../../export/onnx/toOnnx';
import type { ModelAnalysis } from '../../../contract/analysis';
import { analyzeModel } from '../../graph/analyze';
import { applyPlan } from '../../prune/applyPlan';
import { rankChannels, scoreChannels } from '../../score/importance';
import { compareWithOnnxRuntime, ONNX_TOLERANCE, onnxFixture, seededImages, specInputShape, toNchw } from '../../testing/onnxFixtures';
import { runOnnx } from '../../testing/onnxRuntime';
import { maxAbsDifference, predictSpec } from '../../testing/tensors';
import { measureRebuiltBatchNorms } from './batchNorm';
import { specFromOnnx, type OnnxImport } from './importOnnx';

const FILE = 'mobilenet_v2_w020_opset13.onnx';

let imported: OnnxImport;
let spec: ModelSpec;
let analysis: ModelAnalysis;

beforeAll(async () => {
  await tf.setBackend('cpu');
  imported = specFromOnnx(onnxFixture(FILE), FILE);
  const [h, w, c] = specInputShape(imported.spec);
  // γ of each rebuilt BN becomes its channel's spread on images, as the studio and the CLI measure it.
  spec = await measureRebuiltBatchNorms(imported.spec, imported.rebuiltBatchNorms, seededImages(16, h, w, c, 5), [16, h, w, c]);
  analysis = analyzeModel(spec);
});

const byClass = (className: string) => spec.layers.filter((layer) => layer.className === className);
const groupOf = (layer: string) => analysis.groups.find((group) => group.members.some((member) => member.layer === layer));

describe('MobileNetV2 (torchvision layout) from PyTorch', () => {
  it('imports as 17 inverted residuals: depthwise convolutions, ReLU6, 11 residual Adds, a BN rebuilt after every convolution', async () => {
    expect(byClass('DepthwiseConv2D')).toHaveLength(17);
    // torchvision's 10, and one more at width 0.2: the first block's 16 channels round to the stem's 8, so it adds too.
    expect(byClass('Add')).toHaveLength(11);
    expect(byClass('ReLU').every((layer) => layer.config.max_value === 6)).toBe(true);
    expect(byClass('ReLU')).toHaveLength(35);
    expect(imported.rebuiltBatchNorms).toHaveLength(byClass('Conv2D').length + byClass('DepthwiseConv2D').length);
    expect(imported.origin).toMatchObject({ inputName: 'image', inputLayout: 'NCHW', opset: 13 });
    // The measured BNs change nothing.
    const { difference, spread } = await compareWithOnnxRuntime(onnxFixture(FILE), spec, 'NCHW');
    expect(spread).toBeGreaterThan(0.05);
    expect(difference).toBeLessThan(ONNX_TOLERANCE);
  });

  it('analyses into channel groups: each depthwise convolution is coupled to the expansion before it, each residual stage is one group', () => {
    expect(analysis.unsupportedLayers).toEqual([]);
    for (const depthwise of byClass('DepthwiseConv2D')) {
      const group = groupOf(depthwise.name)!;
      expect(group.prunable).toBe(true);
      // The depthwise layer owns filters of its input's channels: the group is the 1×1 expansion's (or the stem's).
      expect(group.members.map((member) => member.layer)).toContain(group.key);
      expect(group.key).not.toBe(depthwise.name);
      expect(spec.layers.find((layer) => layer.name === group.key)!.className).toBe('Conv2D');
    }
    // Residual Adds tie the projections of a stage together: a stage of n blocks is one group of n projections.
    const stageSizes = analysis.groups.map((group) => group.members.filter((member) => byClass('Conv2D').some((conv) => conv.name === member.layer)).length);
    expect(stageSizes.filter((size) => size === 4)).toHaveLength(1);
    expect(stageSizes.filter((size) => size === 3).length).toBeGreaterThanOrEqual(3);
    expect(analysis.prunableChannels).toBeGreaterThan(0.8 * analysis.totalChannels);
  });

  it('prunes: a plan by γ at 30% gives a smaller model whose ONNX file takes the original NCHW input and computes what tfjs does', async () => {
    const ranking = rankChannels(scoreChannels(spec, analysis, { criterion: 'gamma' }), 'normalized');
    const plan = planForRatio(ranking, analysis, 0.3);
    const pruned = applyPlan(spec, analysis, plan);
    const after = analyzeModel(pruned);
    expect(after.params).toBeLessThan(0.85 * analysis.params);
    expect(after.flops).toBeLessThan(0.85 * analysis.flops);
    // Depthwise convolutions lost the same channels as their expansions.
    for (const depthwise of byClass('DepthwiseConv2D')) {
      const kept = plan.kept[groupOf(depthwise.name)!.key];
      const layer = pruned.layers.find((candidate) => candidate.name === depthwise.name)!;
      expect(layer.weights.depthwise_kernel.shape[2]).toBe(kept?.length ?? groupOf(depthwise.name)!.size);
    }
    const bytes = onnxFromSpec(pruned, { inputLayout: imported.origin.inputLayout, inputName: imported.origin.inputName });
    const again = specFromOnnx(bytes, 'pruned.onnx');
    expect(again.origin).toMatchObject({ inputName: 'image', inputLayout: 'NCHW' });
    const [h, w, c] = specInputShape(spec);
    const nhwc = seededImages(2, h, w, c, 9);
    const scores = await runOnnx(bytes, toNchw(nhwc, [2, h, w, c]), [2, c, h, w]);
    expect(scores).toHaveLength(2 * 10);
    const input = tf.tensor(nhwc, [2, h, w, c]);
    expect(maxAbsDifference(scores, await predictSpec(pruned, input))).toBeLessThan(ONNX_TOLERANCE);
    input.dispose();
  });
});
