/**
 * A tiny run of the quality pipeline, in this process: the JSON has the shape
 * latest.json promises and a row for every criterion, and the report renders.
 * Figures are not asserted (speed never is).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CompressionSession } from '../../src/engine/session';
import { analyzeModel } from '../../src/engine/graph/analyze';
import { TRAINED_START_LEARNING_RATE } from '../../src/contract/settings';
import { describeEnvironment } from '../common/environment';
import { updateLatest, writeRunFile } from '../common/results';
import { renderReport } from '../report/markdown';
import { loadTaskData } from './data';
import { heldOutHalves } from './pipeline';
import { CRITERION_NAMES } from '../../src/contract/criteria';
import { runQuality } from './quality';
import { readSpec } from './specFile';
import { protocolTask, QUICK_TASKS, type QualityTask } from './tasks';

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
  trainedStart: { trainCount: 128, epochs: 1, sparseEpochs: 1 },
};

const runFile = (result: Awaited<ReturnType<typeof runQuality>>) =>
  ({ kind: 'quality' as const, mode: 'quick' as const, date: new Date().toISOString(), environment: describeEnvironment(), load: { start: 0, end: 0 }, result });

describe('quality benchmark', () => {
  it('runs every criterion and writes rows of the promised shape', async () => {
    const result = await runQuality({ mode: 'quick', tasks: [tiny], parallel: 0, backend: 'wasm', workDir: join(dir, 'work'), log: () => {} });
    const [task] = result.tasks;
    expect(task.criteria.map((c) => c.criterion)).toEqual(CRITERION_NAMES);
    for (const criterion of CRITERION_NAMES) {
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

    const run = runFile(result);
    expect(writeRunFile(run, dir)).toMatch(/quality-quick\.json$/);
    const latest = updateLatest(run, join(dir, 'latest.json'));
    expect(latest.quality).toHaveLength(result.rows.length);
    expect(latest.speed).toBeNull();
    const report = renderReport(latest, 'figures');
    expect(report.markdown).toContain('lenet-digits');
    expect(report.markdown).toMatch(/## From trained starts \(issue 10\)\s+Not yet measured/);
    expect(Object.keys(report.figures)).toContain('quality-lenet-digits-ratio.svg');
  });

  it('runs the trained protocol from a kept start, with rows against the original', async () => {
    const startDir = join(dir, 'starts');
    const options = { mode: 'quick' as const, protocol: 'trained' as const, tasks: [tiny], parallel: 0, backend: 'wasm' as const, workDir: join(dir, 'trained'), startDir };
    const result = await runQuality({ ...options, log: () => {} });
    expect(result.protocol).toBe('trained');
    const [task] = result.tasks;
    expect(task.criteria.map((c) => c.criterion)).toEqual(CRITERION_NAMES);
    expect(task.settings.train).toMatchObject({ epochs: 1, learningRate: TRAINED_START_LEARNING_RATE, targetMode: 'auto' });
    expect(task.criteria.every((c) => c.variants.length === 0 && c.verdict !== undefined)).toBe(true);

    // The original is the kept start, measured as the CLI's session measures it.
    const start = readSpec(join(startDir, 'lenet-digits-trained-quick'));
    const data = await loadTaskData(protocolTask(tiny, 'trained'));
    const { accuracy: startAccuracy } = await new CompressionSession(start, data, { trainedStart: true }).reference();
    expect(task.pretrain.accuracy).toBe(startAccuracy);
    // Each criterion's run sees one half of the held-out images as its validation images; the other half is unseen.
    const { judged, unseen } = heldOutHalves(data.validation);
    expect(judged.count + unseen.count).toBe(data.validation.count);
    const { accuracy: original } = await new CompressionSession(start, { train: data.train, validation: judged }, { trainedStart: true }).reference();
    for (const c of task.criteria) {
      expect(c.unseen).toMatchObject({ images: unseen.count, drop: expect.any(Number), margin: expect.any(Number) });
      expect(c.unseen!.margin).toBeGreaterThanOrEqual(0);
    }
    const rows = result.trainedStartRows!;
    expect(new Set(rows.map((row) => row.criterion))).toEqual(new Set(CRITERION_NAMES));
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(['accuracy', 'criterion', 'flopsKept', 'originalAccuracy', 'task']);
      expect(row).toMatchObject({ task: 'lenet-digits', originalAccuracy: original });
      expect(row.flopsKept).toBeGreaterThan(0);
      expect(row.flopsKept).toBeLessThanOrEqual(1);
    }
    expect(rows.filter((row) => row.flopsKept === 1)).toHaveLength(CRITERION_NAMES.length);
    // The default run searched again with kept channels rounded to 8; each selection timed against the start.
    const widths = task.criteria.find((c) => c.criterion === 'gfr')!.widths!;
    expect(widths.map((run) => run.roundTo)).toEqual([1, 8]);
    expect(task.criteria.filter((c) => c.widths)).toHaveLength(1);
    const startGroups = analyzeModel(start).groups.filter((group) => group.prunable).map((group) => group.size);
    for (const run of widths) {
      expect(run.specDir).toBeUndefined();
      expect(run.latency!.map((latency) => latency.batchSize)).toEqual([1, 32]);
      for (const latency of run.latency!) expect(latency.interval[0]).toBeLessThanOrEqual(latency.speedup);
      expect(run.keptChannels).toHaveLength(startGroups.length);
      if (run.roundTo === 8) run.keptChannels.forEach((kept, i) => expect(kept === startGroups[i] || kept % 8 === 0).toBe(true));
    }
    expect(widths[0].selected).toEqual(task.criteria.find((c) => c.criterion === 'gfr')!.selected);

    // A second run reuses the kept start.
    const log: string[] = [];
    const again = await runQuality({ ...options, criteria: ['l1'], log: (line) => log.push(line) });
    expect(log.some((line) => line.startsWith('reusing the trained start'))).toBe(true);
    expect(again.trainedStartRows![0].originalAccuracy).toBe(original);

    const run = runFile(result);
    expect(writeRunFile(run, dir)).toMatch(/quality-trained-quick\.json$/);
    const latest = updateLatest(run, join(dir, 'latest.json'));
    expect(latest.trainedStartRows).toEqual(rows);
    expect(latest.quality.length).toBeGreaterThan(0);
    const report = renderReport(latest, 'figures');
    expect(report.markdown).toContain('## From trained starts (issue 10)');
    expect(report.markdown).not.toContain('Not yet measured');
    expect(report.markdown.indexOf('From trained starts')).toBeLessThan(report.markdown.indexOf('## Short protocol'));
    expect(Object.keys(report.figures)).toContain('trained-lenet-digits-flops.svg');
    expect(report.markdown).toMatch(/### Hardware-friendly widths[\s\S]*\| lenet-digits \| 8 \|[\s\S]*met by \d of 2\*\* selected models/);
  });
});
