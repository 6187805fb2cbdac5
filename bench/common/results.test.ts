/** latest.json keeps what a run did not measure: a trained-start run of some tasks replaces only those. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { QualityResults, TaskResult, TrainedStartRow } from '../quality/types';
import type { RealNetworkSpeed, SpeedResults } from '../speed/types';
import { describeEnvironment } from './environment';
import { updateLatest, type RunFile } from './results';

const dir = mkdtempSync(join(tmpdir(), 'gfr-results-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const task = (name: string, accuracy: number) => ({ task: { name }, pretrain: { accuracy }, criteria: [] }) as unknown as TaskResult;
const row = (name: string, accuracy: number): TrainedStartRow => ({ task: name, criterion: 'gfr', flopsKept: 1, accuracy, originalAccuracy: accuracy });

function trainedRun(date: string, tasks: [string, number][], mode: 'quick' | 'full' = 'full'): RunFile {
  const result: QualityResults = {
    mode, protocol: 'trained', elapsedMs: 1, rows: [],
    tasks: tasks.map(([name, accuracy]) => task(name, accuracy)),
    trainedStartRows: tasks.map(([name, accuracy]) => row(name, accuracy)),
  };
  return { kind: 'quality', mode, date, environment: describeEnvironment(), load: { start: 0, end: 0 }, result };
}

describe('updateLatest', () => {
  it('replaces the tasks a trained-start run measured and keeps the others, dated', () => {
    const path = join(dir, 'latest.json');
    updateLatest(trainedRun('2026-01-01T00:00:00.000Z', [['vgg-fashion', 0.9], ['lenet-digits', 0.98]]), path);
    const latest = updateLatest(trainedRun('2026-01-02T00:00:00.000Z', [['lenet-digits', 0.97], ['resnet56-cifar', 0.85]]), path);
    const tasks = latest.trainedRun!.tasks;
    expect(tasks.map((t) => [t.task.name, t.pretrain.accuracy, t.date])).toEqual([
      ['vgg-fashion', 0.9, '2026-01-01T00:00:00.000Z'],
      ['lenet-digits', 0.97, undefined],
      ['resnet56-cifar', 0.85, undefined],
    ]);
    expect(latest.trainedRun!.date).toBe('2026-01-02T00:00:00.000Z');
    expect(latest.trainedStartRows!.map((r) => [r.task, r.accuracy])).toEqual([['vgg-fashion', 0.9], ['lenet-digits', 0.97], ['resnet56-cifar', 0.85]]);

    // A run in another mode keeps nothing of the earlier one.
    const quick = updateLatest(trainedRun('2026-01-03T00:00:00.000Z', [['lenet-digits', 0.5]], 'quick'), path);
    expect(quick.trainedRun!.tasks.map((t) => t.task.name)).toEqual(['lenet-digits']);
    expect(quick.trainedStartRows).toHaveLength(1);
  });

  it('keeps the other speed figures when a run measured only the real network (--real)', () => {
    const path = join(dir, 'latest-speed.json');
    const speed = (date: string, result: Partial<SpeedResults>): RunFile => ({
      kind: 'speed', mode: 'full', date, environment: describeEnvironment(), load: { start: 1, end: 2 },
      result: { mode: 'full', elapsedMs: 1, model: 'vgg', input: [28, 28, 1], batchSize: 64, backends: {}, paths: [], pytorchImagesPerSec: null, pytorch: null, best: null, ...result },
    });
    updateLatest(speed('2026-01-01T00:00:00.000Z', { backends: { 'node-wasm': 600 }, pytorchImagesPerSec: 2000 }), path);
    const real = { model: 'resnet56-cifar', ratio: { median: 0.2, min: 0.18, max: 0.22 } } as RealNetworkSpeed;
    const latest = updateLatest(speed('2026-01-02T00:00:00.000Z', { scope: 'real-network', realNetwork: real }), path);
    expect(latest.speed).toMatchObject({ backends: { 'node-wasm': 600 }, pytorchImagesPerSec: 2000, date: '2026-01-01T00:00:00.000Z', realNetwork: real });
    expect(latest.speed!.realNetworkRun).toEqual({ date: '2026-01-02T00:00:00.000Z', load: { start: 1, end: 2 } });
    // A full speed run replaces all of it.
    expect(updateLatest(speed('2026-01-03T00:00:00.000Z', {}), path).speed!.realNetwork).toBeUndefined();
  });
});
