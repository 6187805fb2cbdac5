import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../core/types';
import { applyPlan } from '../prune/applyPlan';
import { concatModel, depthwiseModel, flattenModel, residualModel } from '../testing/tinyModels';
import { analyzeModel } from './analyze';
import { flopsPerChannel, keptFlops } from './flops';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Keeps the first ⌈share·C⌉ channels of every prunable group. */
function keepShare(spec: ModelSpec, share: number): Record<string, number[]> {
  const groups = analyzeModel(spec).groups.filter((group) => group.prunable);
  return Object.fromEntries(groups.map((group) => [group.key, Array.from({ length: Math.max(1, Math.ceil(share * group.size)) }, (_, i) => i)]));
}

describe('FLOPs of a pruned model', () => {
  it('counts the FLOPs one channel of a group costs, in its layers and its readers', async () => {
    const costs = flopsPerChannel(analyzeModel(await flattenModel()));
    // conv1: 6·6·9·2 per output channel; fc reads 9 positions of each channel × 5 units.
    expect(costs.conv1).toBe(6 * 6 * 9 * 2 + 9 * 5);
  });

  it('predicts exactly the FLOPs of the pruned architecture, with and without pruning', async () => {
    for (const build of [flattenModel, residualModel, depthwiseModel, concatModel]) {
      const spec = await build();
      const analysis = analyzeModel(spec);
      expect(keptFlops(analysis, {})).toBe(analysis.flops);
      const kept = keepShare(spec, 0.5);
      const pruned = analyzeModel(applyPlan(spec, analysis, { kept }));
      const counts = Object.fromEntries(Object.entries(kept).map(([group, channels]) => [group, channels.length]));
      expect(keptFlops(analysis, counts)).toBeCloseTo(pruned.flops, 6);
      expect(pruned.flops).toBeLessThan(analysis.flops);
    }
  });
});
