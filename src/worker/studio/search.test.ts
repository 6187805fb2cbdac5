/**
 * The studio's scores and search on the built-in lenet and digits (wasm backend under Node): the scores for the
 * charts, and a grid that stops where accuracy collapsed and measures the rest on request.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Candidate } from '../../contract/candidate';
import type { SelectionRule } from '../../contract/select';
import { context, expectNoTensorsLeft, SEARCH, setUpDigits, trainedStudio } from './testing';

beforeAll(() => setUpDigits());

describe('Studio: the whole flow on the built-in lenet and digits', () => {
  expectNoTensorsLeft();

  it('scores every prunable group with importance, mean |γ| and mean sr, and ranks all channels', async () => {
    const studio = await trainedStudio();
    const scores = studio.scores({ criterion: 'gfr', ranking: 'global' });
    expect(scores.groups.length).toBe(3);
    for (const { group, importance, gamma, sr } of scores.groups) {
      expect(importance).toHaveLength(group.size);
      expect(gamma).toHaveLength(group.size);
      expect(sr).toHaveLength(group.size);
      sr!.forEach((value) => expect(value).toBeGreaterThan(0));
    }
    const total = scores.groups.reduce((sum, g) => sum + g.group.size, 0);
    expect(scores.ranking).toHaveLength(total);
    // Training measured the original (the pretrained model): the scores carry its figures.
    expect(scores.reference).toMatchObject({ outputKind: 'softmax', accuracy: expect.any(Number) });
    const byKey = new Map(scores.groups.map((g) => [g.group.key, g.importance]));
    const ranked = scores.ranking.map(([key, channel]) => byKey.get(key)![channel]);
    expect([...ranked].sort((a, b) => a - b)).toEqual(ranked);
    expect(studio.scores({ criterion: 'l1', ranking: 'normalized' }).criterion).toBe('l1');
  });
});

describe('Studio: the grid stops where accuracy collapsed', () => {
  it('says where and why, selects as the full grid does, and measures the rest on request', async () => {
    const studio = await trainedStudio();
    const grid = { ...SEARCH, ratios: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9], refineSteps: 2 };
    const rules: SelectionRule[] = [
      { kind: 'tolerance', tolerance: 1 }, { kind: 'tolerance', tolerance: 1, by: 'flops' }, { kind: 'budget', metric: 'flops', max: Infinity },
    ];
    const byRatio = (candidates: Candidate[]) => [...candidates].sort((a, b) => a.ratio - b.ratio).map(({ ratio, stage, accuracy, calibrationAccuracy, params }) => ({ ratio, stage, accuracy, calibrationAccuracy, params }));
    const chosenRatio = (candidates: Candidate[], rule: SelectionRule) => candidates.find((c) => c.index === studio.select(rule).candidate)?.ratio;

    await studio.searchStart({ ...grid, fullGrid: true }, context());
    const full = await studio.searchNext({ count: 100 }, context());
    expect(full).toMatchObject({ done: true, gridStop: null });
    const fullChoices = rules.map((rule) => chosenRatio(full.candidates, rule));

    await studio.searchStart(grid, context());
    const early = await studio.searchNext({ count: 100 }, context());
    expect(early.done).toBe(true);
    const stop = early.gridStop!;
    // This briefly trained LeNet collapses well before 0.9 (if it stops no longer, the fixture no longer tests the stop).
    expect(stop).not.toBeNull();
    expect(stop.remaining.length).toBeGreaterThan(0);
    expect(early.candidates.filter((c) => c.stage === 'grid').at(-1)!.ratio).toBe(stop.ratio);
    expect(early.candidates.length).toBeLessThan(full.candidates.length);
    expect(stop.reason).toMatch(/^accuracy collapsed \(ratio [\d.]+: −[\d.]+ ± [\d.]+ points, ratio [\d.]+: .* on the calibration images, past 5 points below the reference\)$/);
    // The same choices as the full grid's: nothing it skipped could be chosen.
    expect(rules.map((rule) => chosenRatio(early.candidates, rule))).toEqual(fullChoices);
    // What the stopped grid measured, the full grid measured alike (the refining pass included).
    const fullByRatio = byRatio(full.candidates);
    expect(byRatio(early.candidates).every((c) => fullByRatio.some((f) => f.ratio === c.ratio && f.stage === c.stage && f.accuracy === c.accuracy && f.calibrationAccuracy === c.calibrationAccuracy))).toBe(true);

    // The report says where the grid stopped.
    const report = studio.exportCandidate({ candidate: studio.select(rules[0]).candidate!, format: 'files' }, context());
    const text = (name: string) => new TextDecoder().decode(report.files.find((f) => f.name === name)!.bytes);
    expect(JSON.parse(text('report.json')).gridStop).toEqual(stop);
    expect(text('report.md')).toContain(`The grid stopped at ratio ${stop.ratio}: accuracy collapsed`);

    // The rest, on request: the remaining ratios, then the same candidates as the full grid.
    const planned = await studio.searchRest({}, context());
    expect(planned.plannedRatios).toEqual([0, ...grid.ratios.filter((r) => r > 0)]);
    const rest = await studio.searchNext({ count: 100 }, context());
    expect(rest).toMatchObject({ done: true, gridStop: null });
    expect(rest.candidates.map((c) => c.ratio)).toEqual(stop.remaining.filter((ratio) => full.candidates.some((c) => c.ratio === ratio)));
    expect(rest.candidates[0].index).toBe(early.candidates.length);
    expect(byRatio([...early.candidates, ...rest.candidates])).toEqual(fullByRatio);
    await expect(studio.searchRest({}, context())).rejects.toThrow(/did not stop early/);
  });
});
