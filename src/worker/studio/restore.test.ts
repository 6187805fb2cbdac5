/** The studio's saved work brought back after a reload (wasm backend under Node), and work saved in an older layout. */
import { beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../savedWork';
import { MemoryStore } from '../stateStore';
import type { TrainParams } from '../studioTypes';
import { createStudio } from './calls';
import { context, DIGITS, digits, file, idxFile, SEARCH, setUpDigits, TRAIN } from './testing';

beforeAll(() => setUpDigits());

describe('Studio: nothing is lost on a reload', () => {
  it('restores the model, data, trained model, settings and candidates, and exports a restored candidate', async () => {
    const store = new MemoryStore();
    const first = createStudio({ loadBuiltinData: async () => digits(), store });
    expect(await first.restore({}, context())).toBeNull();
    await first.loadModel({ kind: 'builtin', name: 'lenet' }, context());
    await first.loadData({ kind: 'builtin' }, context());
    const params: TrainParams = { ...TRAIN, pretrainEpochs: 0, settings: { ...TRAIN.settings, maxSteps: 4 } };
    await first.train(params, context());
    const started = await first.searchStart({ ...SEARCH, ratios: [0, 0.3, 0.6] }, context());
    const { candidates } = await first.searchNext({ count: 2 }, context());
    await first.savedWork();

    const second = createStudio({ loadBuiltinData: async () => digits(), store });
    const restored = await second.restore({}, context());
    expect(restored).not.toBeNull();
    expect(restored!.model).toMatchObject({ name: 'lenet', inputShape: [28, 28, 1] });
    expect(restored!.data).toMatchObject({ count: DIGITS, trainCount: DIGITS - 150 });
    expect(restored).toMatchObject({ modelChoice: 'lenet', dataChoice: 'builtin' });
    expect(restored!.training?.params).toEqual(params);
    // The training curve comes back for the charts: one point per step.
    expect(restored!.training?.curve?.map((point) => [point.phase, point.step])).toEqual([1, 2, 3, 4].map((step) => ['sparse', step]));
    expect(restored!.search).toMatchObject({ candidates, done: false, exportable: [0, 1], plannedRatios: [0, 0.3, 0.6], reference: started.reference });
    expect(restored!.search!.elapsedMs).toBeGreaterThan(0);
    expect(restored!.notes).toEqual([]);
    expect(second.scores({ criterion: 'gfr', ranking: 'global' })).toEqual(first.scores({ criterion: 'gfr', ranking: 'global' }));
    const fromFirst = first.exportCandidate({ candidate: 1, format: 'files' }, context()).files[1].bytes;
    const fromSecond = second.exportCandidate({ candidate: 1, format: 'files' }, context()).files[1].bytes;
    expect(new Uint8Array(fromSecond)).toEqual(new Uint8Array(fromFirst));
    expect(second.select({ kind: 'tolerance', tolerance: 100 }).candidate).not.toBeNull();
    await expect(second.searchNext({ count: 1 }, context())).rejects.toThrow(/interrupted by a reload.*Start the search again/);
    expect(second.select({ kind: 'tolerance', tolerance: 100 }).reference).toEqual(started.reference);

    // Work saved in layout 1 (no version written; a search saved before the original became the reference,
    // a training before trainedStart was kept) is migrated: the search comes back as a note, not as candidates.
    const saved = await store.get<Record<string, unknown>>('search');
    const savedTraining = await store.get<Record<string, unknown>>('training');
    delete saved!.reference;
    delete savedTraining!.trainedStart;
    // Layout 1 called the kind of sparsity target `measure`.
    const record = savedTraining!.record as { curve: Record<string, unknown>[] };
    const kinds = record.curve.map((point) => point.targetKind);
    expect(kinds).toContain('channels');
    record.curve = record.curve.map(({ targetKind, ...point }) => ({ ...point, measure: targetKind }));
    await store.write({ set: [['search', saved], ['training', savedTraining]], delete: ['schema'] });
    const stale = createStudio({ loadBuiltinData: async () => digits(), store });
    const old = await stale.restore({}, context());
    expect(old).toMatchObject({ search: null, training: { params } });
    expect(old!.training!.curve!.map((point) => point.targetKind)).toEqual(kinds);
    expect(old!.notes).toEqual([expect.stringMatching(/measured before the original model became the reference; run the search again/)]);
    await stale.savedWork();
    expect(await store.get('search')).toBeUndefined();
    expect(await store.get('schema')).toBe(SCHEMA_VERSION);
    // The built-in lenet was trained from scratch, without pretraining: not a trained start.
    expect(await store.get('training')).toMatchObject({ trainedStart: false });

    // New data drops the training and the search of the old data.
    const count = 30;
    await second.loadData({
      kind: 'files',
      files: [
        file('train-images-idx3-ubyte', idxFile([count, 28, 28], new Uint8Array(count * 784).fill(7))),
        file('train-labels-idx1-ubyte', idxFile([count], Uint8Array.from({ length: count }, (_, i) => i % 10))),
      ],
    }, context());
    await second.savedWork();
    const third = await createStudio({ store }).restore({}, context());
    expect(third).toMatchObject({ data: { count, source: 'train-images-idx3-ubyte' }, training: null, search: null });
  });
});
