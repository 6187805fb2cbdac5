/**
 * Saved work under stress, through the studio as the worker drives it: a
 * training interrupted after a checkpoint and resumed by the next visit,
 * saves that fail (the browser's storage full), and saved work of a newer
 * layout.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../engine/core/errors';
import type { TrainStepEvent } from '../contract/events';
import { DEFAULT_TRAIN_SETTINGS } from '../contract/settings';
import type { Progress } from './messages';
import { SCHEMA_VERSION, type SavedCheckpoint } from './savedWork';
import type { StateChanges, StateStore } from './stateStore';
import { createStudio, type StudioApi } from './studio/calls';
import { context, digits, setUpDigits } from './studio/testing';
import type { StorageNotice, TrainParams } from './studioTypes';

/** A store whose contents can be copied at any moment: the disk as a crash would leave it. */
class DiskStore implements StateStore {
  values = new Map<string, unknown>();
  /** Makes writes whose changes match fail, as a full disk does: the transaction aborts and nothing of it lands. */
  failWhen: (changes: StateChanges) => boolean = () => false;

  async get<T>(key: string): Promise<T | undefined> {
    return structuredClone(this.values.get(key)) as T | undefined;
  }

  async write(changes: StateChanges): Promise<void> {
    if (this.failWhen(changes)) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    changes.delete?.forEach((key) => this.values.delete(key));
    changes.set?.forEach(([key, value]) => this.values.set(key, structuredClone(value)));
  }

  async clear(): Promise<void> {
    this.values.clear();
  }

  copy(): DiskStore {
    const copy = new DiskStore();
    copy.values = new Map([...this.values].map(([key, value]) => [key, structuredClone(value)]));
    return copy;
  }
}

const stepsOf = (log: Progress[]): TrainStepEvent[] =>
  log.flatMap((p) => (p.detail?.kind === 'train' && p.detail.phase === 'sparse' ? p.detail.events : []));

beforeAll(() => setUpDigits(400));

/** Two epochs of a few steps each: a checkpoint after the first. */
const TRAIN: TrainParams = { criterion: 'gfr', pretrainEpochs: 0, settings: { ...DEFAULT_TRAIN_SETTINGS, epochs: 2, batchSize: 64, targetMode: 'fixed', target: 0.3 } };

async function studioOn(store: StateStore, notices: StorageNotice[] = []): Promise<StudioApi> {
  const studio = createStudio({ loadBuiltinData: async () => digits(), store, onStorageNotice: (notice) => notices.push(notice) });
  return studio;
}

async function loaded(store: StateStore, notices: StorageNotice[] = []): Promise<StudioApi> {
  const studio = await studioOn(store, notices);
  await studio.loadModel({ kind: 'builtin', name: 'lenet' }, context());
  await studio.loadData({ kind: 'builtin' }, context());
  await studio.savedWork();
  return studio;
}

describe('Saved work: checkpoints and resume', () => {
  it('a training interrupted after its checkpoint is resumed by the next visit from that step, and finishes', async () => {
    const disk = new DiskStore();
    // The disk as a crash right after the first checkpoint would leave it.
    let crashed: DiskStore | null = null;
    const notices: StorageNotice[] = [];
    const first = await loaded(disk, notices);
    const run = context();
    const watching = (notice: StorageNotice): void => {
      if (notice.kind === 'saved' && !crashed) crashed = disk.copy();
    };
    const original = notices.push.bind(notices);
    notices.push = (...items) => {
      items.forEach(watching);
      return original(...items);
    };
    await first.train(TRAIN, run);
    await first.savedWork();
    expect(notices.find((notice) => notice.kind === 'saved')).toMatchObject({ what: expect.stringMatching(/checkpoint at step \d+/) });
    const totalSteps = stepsOf(run.log).at(-1)!.totalSteps;
    expect(crashed).not.toBeNull();
    // Finished: the checkpoint is gone from the disk.
    expect(await disk.get('checkpoint')).toBeUndefined();

    const afterCrash = await studioOn(crashed!);
    const restored = await afterCrash.restore({}, context());
    const checkpoint = (await crashed!.get<SavedCheckpoint>('checkpoint'))!;
    const step = checkpoint.checkpoint.step;
    expect(step).toBeGreaterThan(0);
    expect(step).toBeLessThan(totalSteps);
    expect(restored!.resumable).toMatchObject({ phase: 'sparse', step, totalSteps, params: TRAIN });
    expect(restored!.resumable!.curve.map((point) => point.step)).toEqual(Array.from({ length: step }, (_, i) => i + 1));
    expect(restored!.training).toBeNull();

    const resumed = context();
    const summary = await afterCrash.resumeTraining({}, resumed);
    expect(stepsOf(resumed.log)[0].step).toBe(step + 1);
    expect(summary.steps).toBe(totalSteps);
    await afterCrash.savedWork();
    // The finished training replaces the checkpoint; its curve has every step once.
    const later = await (await studioOn(crashed!)).restore({}, context());
    expect(later!.resumable).toBeNull();
    expect(later!.training!.curve!.map((point) => point.step)).toEqual(Array.from({ length: totalSteps }, (_, i) => i + 1));
    expect(afterCrash.scores({ criterion: 'gfr', ranking: 'global' }).groups.length).toBeGreaterThan(0);
    await expect(afterCrash.resumeTraining({}, context())).rejects.toThrow(/no interrupted training/);
  });

  it('a cancelled training leaves nothing to resume', async () => {
    const disk = new DiskStore();
    const studio = await loaded(disk);
    const controller = new AbortController();
    const run = context(controller);
    const training = studio.train({ ...TRAIN, settings: { ...TRAIN.settings, epochs: 4 } }, { ...run, progress: (p) => {
      run.progress(p);
      if (stepsOf(run.log).some((event) => event.step > 8)) controller.abort();
    } });
    await expect(training).rejects.toThrow(/cancel/i);
    await studio.savedWork();
    expect(await disk.get('checkpoint')).toBeUndefined();
    expect((await (await studioOn(disk)).restore({}, context()))!.resumable).toBeNull();
  });
});

describe('Saved work: failures are said, and the store keeps the last complete state', () => {
  it('a save that aborts with QuotaExceededError is reported with what was not saved; restore gets the state before it', async () => {
    const disk = new DiskStore();
    const notices: StorageNotice[] = [];
    const studio = await loaded(disk, notices);
    const quick = { ...TRAIN, settings: { ...TRAIN.settings, epochs: 1, maxSteps: 2 } };
    await studio.train(quick, context());
    await studio.savedWork();
    const trained = await disk.get('training');
    // From now on the disk is full.
    disk.failWhen = () => true;
    await studio.train({ ...quick, criterion: 'gamma' }, context());
    await studio.searchStart({ criterion: 'gamma', ratios: [0, 0.5], ranking: 'global', aggregation: 'mean', refineSteps: 0, recalibrationBatches: 1, latencyRuns: 1, seed: 1, tolerance: 1, roundTo: 1 } as never, context());
    await studio.searchNext({ count: 1 }, context());
    await studio.savedWork();
    const failed = notices.filter((notice) => notice.kind === 'failed');
    expect(failed.map((notice) => notice.what)).toEqual(['the trained model', 'the search', 'candidate #0', 'the search']);
    expect(failed[0]).toMatchObject({ reason: "the browser's storage for this page is full" });

    const restored = await (await studioOn(disk)).restore({}, context());
    expect(await disk.get('training')).toEqual(trained);
    expect(restored!.training!.params.criterion).toBe('gfr');
    expect(restored!.search).toBeNull();
  });

  it('refuses saved work of a newer layout, and writes nothing over it', async () => {
    const disk = new DiskStore();
    await loaded(disk);
    await disk.write({ set: [['schema', SCHEMA_VERSION + 1]] });
    const before = [...disk.values.keys()].sort();
    const studio = await studioOn(disk);
    await expect(studio.restore({}, context())).rejects.toThrow(UserError);
    await expect(studio.restore({}, context())).rejects.toThrow(/newer version of GFR Studio/);
    await studio.loadModel({ kind: 'builtin', name: 'vgg' }, context());
    await studio.savedWork();
    expect([...disk.values.keys()].sort()).toEqual(before);
    expect(await disk.get('model')).toEqual({ kind: 'builtin', name: 'lenet' });
    // Forgetting it starts afresh.
    await studio.forgetSavedWork({}, context());
    await studio.loadModel({ kind: 'builtin', name: 'lenet' }, context());
    await studio.savedWork();
    expect(await disk.get('schema')).toBe(SCHEMA_VERSION);
  });
});
