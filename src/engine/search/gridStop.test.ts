/**
 * The grid's early stop (docs/METHOD.md §5.1) on a synthetic sequence of candidates: the real GridSearch (ratios,
 * plans, the stop, the refining pass, the rest) on a real model's channel groups, with each plan's figures made up
 * from the share of channels it removes (evaluatePlan replaced), so the curve is known. The stopped grid must select
 * what the full grid selects whenever the ratios it skipped, all collapsed, would not have been selected.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Candidate, CandidateFigures } from '../../contract/candidate';
import { gridStopAfter, gridStopText, isCollapsed } from '../../contract/gridStop';
import { selectCandidate, type ReferenceAccuracy, type SelectionRule } from '../../contract/select';
import { COLLAPSE, collapsePoints, DEFAULT_SEARCH_SETTINGS, defaultGrid } from '../../contract/settings';
import type { ModelSpec } from '../core/types';
import { specFromModel } from '../io/modelSpec';
import { countKept } from '../prune/plan';
import { syntheticDataset } from '../testing/syntheticData';
import { lenet } from '../zoo';
import type { EvaluationContext } from './candidate';
import { GridSearch, type SearchStep } from './gridSearch';
import type { PrunePlan } from '../../contract/plan';

/** Calibration accuracy by share of channels removed; set by each test. */
let curve: (removed: number) => number = () => 0.9;
const NOISE = 0.01;

vi.mock('./candidate', async (importActual) => {
  const actual = await importActual<typeof import('./candidate')>();
  return {
    ...actual,
    evaluatePlan: async (context: EvaluationContext, plan: PrunePlan) => {
      const { kept, total } = countKept(plan, context.analysis);
      const removed = 1 - kept / total;
      const accuracy = curve(removed);
      const figures: CandidateFigures = {
        accuracy, calibrationAccuracy: accuracy, calibrationNoise: removed === 0 ? 0 : NOISE, validationNoise: removed === 0 ? 0 : NOISE,
        recalibrated: false, loss: 1 - accuracy, params: kept * 100, flops: kept * 1000, weightBytes: kept * 400, latencyMs: kept / 10,
      };
      return { figures, spec: context.folded, backend: 'cpu', hits: {} };
    },
  };
});

let spec: ModelSpec;
const data = syntheticDataset(4, 28, 1);
const reference: ReferenceAccuracy = { accuracy: 0.9, calibrationAccuracy: 0.9 };
const settings = { ...DEFAULT_SEARCH_SETTINGS, criterion: 'l1' as const, ratios: defaultGrid(), refineSteps: 3, latencyRuns: 1 };

beforeAll(async () => {
  await tf.setBackend('cpu');
  const model = lenet({ inputShape: [28, 28, 1], numClasses: 10 });
  spec = await specFromModel(model);
  model.dispose();
});

const input = () => ({ trained: spec, fit: data, calibration: data, validation: data, reference, outputKind: 'logits' as const });

async function collect(steps: AsyncGenerator<SearchStep>): Promise<SearchStep[]> {
  const all: SearchStep[] = [];
  for await (const step of steps) all.push(step);
  return all;
}

/** What each rule selects, named by ratio (indices differ between the two orders). */
function selections(candidates: Candidate[], rules: SelectionRule[]): (number | undefined)[] {
  return rules.map((rule) => selectCandidate(candidates, rule, reference)?.ratio);
}

const byRatio = (candidates: Candidate[]) => [...candidates].sort((a, b) => a.ratio - b.ratio).map((c) => [c.ratio, c.stage, c.calibrationAccuracy]);

const RULES: SelectionRule[] = [
  { kind: 'tolerance', tolerance: 1 },
  { kind: 'tolerance', tolerance: 1, by: 'flops' },
  { kind: 'budget', metric: 'flops', max: 60_000 },
  { kind: 'budget', metric: 'params', max: 7_000 },
];

describe('the grid stops where accuracy collapsed', () => {
  it('decides on two grid candidates in a row, far below the reference beyond their 95% interval', () => {
    expect(COLLAPSE.run).toBe(2);
    expect(collapsePoints(1)).toBe(5);
    expect(collapsePoints(2)).toBe(10);
    expect(collapsePoints(0)).toBe(5);
    const at = (index: number, ratio: number, calibrationAccuracy: number, stage: Candidate['stage'] = 'grid') =>
      ({ index, ratio, stage, calibrationAccuracy, calibrationNoise: NOISE }) as Candidate;
    // 5 points + 1.96 points of noise: 0.9 − 0.0696 is the edge.
    expect(isCollapsed(at(1, 0.5, 0.83), reference, 1)).toBe(true);
    expect(isCollapsed(at(1, 0.5, 0.832), reference, 1)).toBe(false);
    expect(isCollapsed(at(1, 0.5, 0.5), reference, 2)).toBe(true);
    expect(isCollapsed(at(1, 0.5, 0.82), reference, 2)).toBe(false);
    const base = at(0, 0, 0.9, 'baseline');
    // One collapsed reading is not a trend; two are, unless nothing is left to skip.
    expect(gridStopAfter([base, at(1, 0.3, 0.5)], reference, 1, [0.4])).toBeNull();
    expect(gridStopAfter([base, at(1, 0.3, 0.5), at(2, 0.35, 0.88), at(3, 0.4, 0.5)], reference, 1, [0.5])).toBeNull();
    expect(gridStopAfter([base, at(1, 0.3, 0.5), at(2, 0.4, 0.4)], reference, 1, [])).toBeNull();
    // Refined candidates do not count.
    expect(gridStopAfter([base, at(1, 0.3, 0.5), at(2, 0.32, 0.4, 'refine')], reference, 1, [0.4])).toBeNull();
    const stop = gridStopAfter([base, at(1, 0.3, 0.5), at(2, 0.4, 0.4)], reference, 1, [0.5, 0.6])!;
    expect(stop).toMatchObject({ ratio: 0.4, remaining: [0.5, 0.6], threshold: 5 });
    expect(stop.collapsed.map((c) => c.ratio)).toEqual([0.3, 0.4]);
    expect(stop.collapsed[0].drop).toBeCloseTo(40, 6);
    expect(gridStopText(stop)).toBe('stopped the grid at ratio 0.4: accuracy collapsed (ratio 0.3: −40.00 ± 1.96 points, ratio 0.4: −50.00 ± 1.96 points on the calibration images, past 5 points below the reference); 2 ratios left (0.5–0.6)');
  });

  it('on a curve that collapses: stops, refines where the full grid refines, selects the same; the rest comes on request', async () => {
    // Flat to 30% removed, a point lost at 35%, then down; past 45% wandering between 10% and 40% (the ResNet-20 run).
    curve = (removed) => removed < 0.32 ? 0.9 - removed / 100 : removed < 0.37 ? 0.885 : removed < 0.42 ? 0.86 : removed < 0.47 ? 0.6 : 0.1 + 0.3 * Math.abs(Math.sin(removed * 40));
    const full = new GridSearch(input(), { ...settings, fullGrid: true });
    const fullSteps = await collect(full.run());
    expect(full.stop).toBeNull();
    expect(fullSteps.every((step) => !step.gridStop)).toBe(true);

    const early = new GridSearch(input(), settings);
    const earlySteps = await collect(early.run());
    const stop = early.stop!;
    expect(stop).not.toBeNull();
    // The step of the second collapsed grid candidate says so; nothing after it on the grid was measured.
    const stopped = earlySteps.findIndex((step) => step.gridStop);
    expect(earlySteps[stopped].candidate.ratio).toBe(stop.ratio);
    expect(earlySteps.slice(stopped + 1).every((step) => step.candidate.stage === 'refine')).toBe(true);
    expect(stop.collapsed).toHaveLength(2);
    expect(stop.collapsed.every((c) => c.drop - c.margin > 5)).toBe(true);
    expect(stop.remaining[0]).toBeGreaterThan(stop.ratio);
    expect(stop.remaining.at(-1)).toBe(0.9);
    const grid = (steps: SearchStep[]) => steps.filter((s) => s.candidate.stage === 'grid').length;
    expect(grid(earlySteps)).toBeLessThan(grid(fullSteps) - 5);
    // The refining pass ran, between the same two grid ratios as the full grid's.
    const refined = (steps: SearchStep[]) => steps.filter((s) => s.candidate.stage === 'refine').map((s) => s.candidate.ratio);
    expect(refined(earlySteps).length).toBeGreaterThan(0);
    expect(refined(earlySteps)).toEqual(refined(fullSteps));
    // The same choice by every rule: nothing skipped could have been selected.
    const earlyCandidates = earlySteps.map((s) => s.candidate);
    const fullCandidates = fullSteps.map((s) => s.candidate);
    expect(selections(earlyCandidates, RULES)).toEqual(selections(fullCandidates, RULES));
    expect(selections(fullCandidates, RULES).every((ratio) => ratio !== undefined && ratio < stop.ratio)).toBe(true);

    // The rest, on request: then the same candidates as the full grid, and nothing left.
    const rest = await collect(early.rest());
    expect(rest.map((s) => s.candidate.ratio)).toEqual(stop.remaining.filter((ratio) => fullCandidates.some((c) => c.ratio === ratio)));
    expect(early.stop).toBeNull();
    expect(byRatio(early.candidates)).toEqual(byRatio(full.candidates));
    expect(await collect(early.rest())).toEqual([]);
  });

  it('does not stop for a model that only misses the tolerance, nor with --full-grid', async () => {
    // Falls to 4 points below and stays there: failing, not collapsed.
    curve = (removed) => (removed < 0.2 ? 0.9 : 0.86);
    const search = new GridSearch(input(), settings);
    const steps = await collect(search.run());
    expect(search.stop).toBeNull();
    expect(steps.filter((s) => s.candidate.stage === 'grid').at(-1)!.candidate.ratio).toBe(0.9);
    curve = (removed) => (removed < 0.2 ? 0.9 : 0.2);
    const full = new GridSearch(input(), { ...settings, fullGrid: true });
    await collect(full.run());
    expect(full.stop).toBeNull();
    expect(full.candidates.filter((c) => c.stage === 'grid').at(-1)!.ratio).toBe(0.9);
  });

  it('a lucky reading past the collapse is what the stop gives up, and only by the fewest-FLOPs rule', async () => {
    // Past the collapse, one ratio reads within the tolerance again: the full grid's fewest-FLOPs choice takes it,
    // the largest-ratio rule does not (it stops at the first failing ratio), and neither does the stopped grid.
    curve = (removed) => (removed < 0.27 ? 0.9 : removed < 0.62 ? 0.3 : removed < 0.67 ? 0.9 : 0.3);
    const full = new GridSearch(input(), { ...settings, fullGrid: true });
    await collect(full.run());
    const early = new GridSearch(input(), settings);
    await collect(early.run());
    expect(early.stop).not.toBeNull();
    const [ratio, flops] = [{ kind: 'tolerance', tolerance: 1 }, { kind: 'tolerance', tolerance: 1, by: 'flops' }] as SelectionRule[];
    expect(selectCandidate(early.candidates, ratio, reference)!.ratio).toBe(selectCandidate(full.candidates, ratio, reference)!.ratio);
    expect(selectCandidate(full.candidates, flops, reference)!.ratio).toBeGreaterThan(early.stop!.ratio);
    expect(selectCandidate(early.candidates, flops, reference)!.ratio).toBeLessThan(early.stop!.ratio);
  });
});
