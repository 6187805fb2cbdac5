import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../graph/analyze';
import { insertGfrLayers } from '../gfr/instrument';
import { layerByName } from '../io/modelSpec';
import { residualModel, twoConvModel } from '../testing/tinyModels';
import { rankChannels, scoreChannels } from './importance';
import { planForRatio } from '../../contract/plan';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('channel importance', () => {
  it('gamma averages |γ| over the members of a coupled group', async () => {
    const spec = await residualModel();
    const scores = scoreChannels(spec, analyzeModel(spec), { criterion: 'gamma' });
    const a = layerByName(spec, 'bn_a').weights.gamma.values;
    const b = layerByName(spec, 'bn_b').weights.gamma.values;
    Array.from(scores.conv_a).forEach((score, k) => expect(score).toBeCloseTo((Math.abs(a[k]) + Math.abs(b[k])) / 2, 6));
    const max = scoreChannels(spec, analyzeModel(spec), { criterion: 'gamma', aggregation: 'max' });
    Array.from(max.conv_a).forEach((score, k) => expect(score).toBeCloseTo(Math.max(Math.abs(a[k]), Math.abs(b[k])), 6));
  });

  it('gfr multiplies |γ| by sr, and refuses a model without GFR layers', async () => {
    const spec = await twoConvModel(1);
    const instrumented = insertGfrLayers(spec, analyzeModel(spec));
    layerByName(instrumented, 'bn1_gfr').weights.sr.values.set([1, 0, 0.5, 0.25, 1, 1]);
    const scores = scoreChannels(instrumented, analyzeModel(instrumented), { criterion: 'gfr' });
    const gamma = layerByName(instrumented, 'bn1').weights.gamma.values;
    expect(scores.conv1[1]).toBe(0);
    expect(scores.conv1[2]).toBeCloseTo(Math.abs(gamma[2]) * 0.5, 6);
    expect(() => scoreChannels(spec, analyzeModel(spec), { criterion: 'gfr' })).toThrow(/needs a model trained with GFR/);
  });

  it('l1 sums the absolute weights of each output filter', async () => {
    const spec = await twoConvModel(1);
    const kernel = layerByName(spec, 'conv2').weights.kernel;
    const scores = scoreChannels(spec, analyzeModel(spec), { criterion: 'l1' });
    const expected = new Array(5).fill(0);
    kernel.values.forEach((value, i) => (expected[i % 5] += Math.abs(value)));
    Array.from(scores.conv2).forEach((score, k) => expect(score).toBeCloseTo(expected[k], 5));
  });

  it('ranks globally or per normalized group, and plans a ratio with a floor per layer', async () => {
    const scores = { a: Float32Array.from([0.1, 0.2, 0.3, 0.4]), b: Float32Array.from([10, 20, 30, 40]) };
    expect(rankChannels(scores).slice(0, 4).map((entry) => entry.group)).toEqual(['a', 'a', 'a', 'a']);
    expect(rankChannels(scores, 'normalized').slice(0, 2).map((entry) => `${entry.group}${entry.channel}`).sort()).toEqual(['a0', 'b0']);
    // Per FLOP freed: b's channels cost 1000× more, so at equal importance they go first.
    expect(rankChannels(scores, 'per-flop', { a: 1, b: 1000 })[0]).toEqual({ group: 'b', channel: 0, score: 0.01 });
    const analysis = { groups: [
      { key: 'a', size: 4, members: [], prunable: true, reasons: [] },
      { key: 'b', size: 4, members: [], prunable: true, reasons: [] },
    ] } as unknown as Parameters<typeof planForRatio>[1];
    // 50% of 8 = 4 channels; group a may lose only 3 (floor 1), so one comes from b.
    expect(planForRatio(rankChannels(scores), analysis, 0.5)).toEqual({ kept: { a: [3], b: [1, 2, 3] } });
    expect(planForRatio(rankChannels(scores), analysis, 0)).toEqual({ kept: {} });
  });
});
