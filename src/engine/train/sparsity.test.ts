import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../graph/analyze';
import { layerByName, modelFromSpec, specFromModel } from '../io/modelSpec';
import { syntheticDataset } from '../testing/syntheticData';
import { expectNoLeaks, maxAbsDifference, predictSpec, predictValues, randomInput } from '../testing/tensors';
import { applyPlan } from '../prune/applyPlan';
import { depthwiseModel, flattenModel, residualModel, twoConvModel } from '../testing/tinyModels';
import { keptFlops } from '../graph/flops';
import { rescaleGammaForOptimizer } from './rescale';
import { trainSparse } from './sparseTraining';
import { DEFAULT_TRAIN_SETTINGS } from '../../contract/settings';
import type { TrainStepEvent } from '../../contract/events';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('rescaleGammaForOptimizer', () => {
  it('scales γ and β by the factor and restores the function in the consumer', async () => {
    const spec = await flattenModel();
    const { spec: rescaled, rescaled: groups } = rescaleGammaForOptimizer(spec, analyzeModel(spec), 0.1);
    expect(groups).toEqual(['conv1']);
    expect(layerByName(rescaled, 'bn1').weights.gamma.values[0]).toBeCloseTo(layerByName(spec, 'bn1').weights.gamma.values[0] * 0.1, 6);
    const input = randomInput([2, 6, 6, 2]);
    const [before, after] = [await modelFromSpec(spec), await modelFromSpec(rescaled)];
    // Dense after Flatten has no BN: its kernel takes the scale back, exactly.
    expect(maxAbsDifference(await predictValues(before, input), await predictValues(after, input))).toBeLessThan(1e-5);
    [before, after].forEach((model) => model.dispose());
    input.dispose();
  });

  it('rescales residual groups as a whole and leaves groups behind ReLU6 alone', async () => {
    const residual = await residualModel();
    expect(rescaleGammaForOptimizer(residual, analyzeModel(residual)).rescaled).toEqual(['conv_a']);
    const depthwise = await depthwiseModel();
    const result = rescaleGammaForOptimizer(depthwise, analyzeModel(depthwise));
    expect(result.skipped.map((entry) => entry.group)).toContain('conv1');
    expect(result.skipped.find((entry) => entry.group === 'conv1')!.reason).toMatch(/ReLU 'relu1'/);
  });
});

const SMALL_RUN = { ...DEFAULT_TRAIN_SETTINGS, epochs: 8, batchSize: 16, learningRate: 0.01 };

describe('sparse training with a target', () => {
  it('drives the target share of channels to exactly zero without killing a layer', async () => {
    const spec = await residualModel();
    const analysis = analyzeModel(spec);
    const start = rescaleGammaForOptimizer(spec, analysis).spec;
    const model = await modelFromSpec(start);
    const events: TrainStepEvent[] = [];
    const summary = await expectNoLeaks(() => trainSparse(model, syntheticDataset(96), { ...SMALL_RUN, target: 0.5 }, {
      analysis,
      onEvent: (event) => event.kind === 'step' && events.push(event),
    }));
    expect(summary.sparsity!.zeroShare).toBeGreaterThanOrEqual(0.4);
    expect(events[0].sparsity!.targetShare).toBeLessThan(0.05);
    expect(events.at(-1)!.sparsity!.targetShare).toBe(0.5);
    for (const share of Object.values(summary.sparsity!.zeroShareByGroup)) expect(share).toBeLessThan(1);
    // The zeros are exact: every member BN of a zero channel has γ = 0.
    const gammaA = model.getLayer('bn_a').getWeights()[0].dataSync();
    const gammaB = model.getLayer('bn_b').getWeights()[0].dataSync();
    const zeros = Array.from(gammaA).filter((value, channel) => value === 0 && gammaB[channel] === 0).length;
    expect(zeros / gammaA.length).toBe(summary.sparsity!.zeroShareByGroup.conv_a);
    model.dispose();
  });

  it('follows a FLOPs target: the zero channels free that share of the FLOPs', async () => {
    const spec = await twoConvModel(3);
    const analysis = analyzeModel(spec);
    const model = await modelFromSpec(rescaleGammaForOptimizer(spec, analysis).spec);
    const events: TrainStepEvent[] = [];
    const summary = await trainSparse(model, syntheticDataset(96), { ...SMALL_RUN, target: 0.4, targetKind: 'flops' }, {
      analysis,
      onEvent: (event) => event.kind === 'step' && events.push(event),
    });
    const status = summary.sparsity!;
    expect(status.targetKind).toBe('flops');
    expect(events.at(-1)!.sparsity!.targetShare).toBe(0.4);
    const kept = Object.fromEntries(analysis.groups.filter((g) => g.prunable).map((g) => [g.key, Math.round(g.size * (1 - status.zeroShareByGroup[g.key]))]));
    expect(status.freedFlopsShare).toBeCloseTo(1 - keptFlops(analysis, kept) / analysis.flops, 6);
    expect(status.freedFlopsShare).toBeGreaterThanOrEqual(0.3);
    for (const share of Object.values(status.zeroShareByGroup)) expect(share).toBeLessThan(1);
    model.dispose();
  });

  it('zeroes β with γ, so removing the zero channels changes nothing, even before 3×3 same convolutions', async () => {
    const spec = await twoConvModel(3);
    const analysis = analyzeModel(spec);
    const model = await modelFromSpec(rescaleGammaForOptimizer(spec, analysis).spec);
    const summary = await trainSparse(model, syntheticDataset(96), { ...SMALL_RUN, target: 0.5 }, { analysis });
    expect(summary.sparsity!.zeroShare).toBeGreaterThan(0.2);
    const trained = await specFromModel(model);
    const kept: Record<string, number[]> = {};
    for (const group of analysis.groups.filter((g) => g.prunable)) {
      const bn = layerByName(trained, group.members[0].bn!);
      const gamma = bn.weights.gamma.values;
      kept[group.key] = Array.from(gamma.keys()).filter((channel) => gamma[channel] !== 0);
      for (const channel of Array.from(gamma.keys()).filter((c) => gamma[c] === 0)) expect(Math.abs(bn.weights.beta.values[channel])).toBe(0);
    }
    // No compensation: the zero channels output exactly 0, so there is nothing to compensate.
    const pruned = applyPlan(trained, analyzeModel(trained), { kept }, { compensate: false });
    const input = randomInput([3, 6, 6, 2]);
    expect(maxAbsDifference(await predictSpec(trained, input), await predictSpec(pruned, input))).toBeLessThan(1e-5);
    input.dispose();
    model.dispose();
  });
});
