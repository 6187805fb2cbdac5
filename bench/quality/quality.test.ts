/**
 * A tiny run of the quality pipeline, in this process: the JSON has the shape
 * latest.json promises and a row for every criterion, and the report renders.
 * Figures are not asserted (speed never is).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeEnvironment } from '../common/environment';
import { updateLatest, writeRunFile } from '../common/results';
import { renderReport } from '../report/markdown';
import { CRITERIA, runQuality } from './quality';
import { QUICK_TASKS, type QualityTask } from './tasks';

const dir = mkdtempSync(join(tmpdir(), 'gfr-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tiny: QualityTask = {
  ...QUICK_TASKS.find((task) => task.name === 'lenet-digits')!,
  trainCount: 128,
  valCount: 64,
  maxSteps: 2,
  ratios: [0.3, 0.5, 0.7],
  ablationRatios: [0.5],
  recalibrationBatches: 1,
  latencyRuns: 1,
};

describe('quality benchmark', () => {
  it('runs every criterion and writes rows of the promised shape', async () => {
    const result = await runQuality({ mode: 'quick', tasks: [tiny], parallel: 0, backend: 'wasm', workDir: join(dir, 'work'), log: () => {} });
    const [task] = result.tasks;
    expect(task.criteria.map((c) => c.criterion)).toEqual(CRITERIA);
    for (const criterion of CRITERIA) {
      const rows = result.rows.filter((row) => row.criterion === criterion);
      expect(rows.map((row) => row.ratio)).toEqual(expect.arrayContaining([0, 0.3, 0.5, 0.7]));
      for (const row of rows) {
        expect(row).toMatchObject({ task: 'lenet-digits', criterion, stage: expect.any(String) });
        for (const key of ['ratio', 'accuracy', 'params', 'flops'] as const) expect(Number.isFinite(row[key])).toBe(true);
      }
    }
    const gfr = task.criteria.find((c) => c.criterion === 'gfr')!;
    expect(gfr.training?.zeroShareByGroup).toBeTruthy();
    expect(gfr.gates?.length).toBeGreaterThan(0);
    expect(Object.keys(gfr.atRatios)).toEqual(['0.3', '0.5', '0.7']);
    expect(gfr.variants.map((v) => [v.compensate, v.recalibrate])).toEqual(expect.arrayContaining([[false, true], [true, false], [false, false]]));
    expect(task.criteria.find((c) => c.criterion === 'random')!.training).toBeNull();

    const run = { kind: 'quality' as const, mode: 'quick' as const, date: new Date().toISOString(), environment: describeEnvironment(), load: { start: 0, end: 0 }, result };
    expect(writeRunFile(run, dir)).toMatch(/quality-quick\.json$/);
    const latest = updateLatest(run, join(dir, 'latest.json'));
    expect(latest.quality).toHaveLength(result.rows.length);
    expect(latest.speed).toBeNull();
    const report = renderReport(latest, 'figures');
    expect(report.markdown).toContain('lenet-digits');
    expect(Object.keys(report.figures)).toContain('quality-lenet-digits-ratio.svg');
  });
});
