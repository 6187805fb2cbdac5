/** The store with a fake engine: the demo loads on arrival, stages keep their errors, the search steps and pauses. */
import { describe, expect, it } from 'vitest';

import type { Candidate, WeightQuantization } from '../../contract/candidate';
import type { SearchSettings } from '../../contract/settings';
import { verdictFor } from '../../contract/select';
import type { DataSummary, ModelSummary, Reference, RestoredWork, TrainParams } from '../../worker/studioTypes';
import { BUILTIN_PRETRAIN_EPOCHS } from './defaults';
import { fakeEngine, type Handlers } from './fakeEngine';
import { candidateCountText, emptyExport, exportMatches, selectedIndex, verdictOf, type ExportFormat } from './searchSlice';
import { createStudioStore, selectReference } from './store';
import { holdingText } from './trainingSlice';

const userError = (message: string): Error => Object.assign(new Error(message), { name: 'UserError' });

const candidate = (index: number, ratio: number, accuracy: number): Candidate => ({
  index, ratio, accuracy, calibrationAccuracy: accuracy, calibrationNoise: 0, recalibrated: false, stage: index === 0 ? 'baseline' : 'grid', plan: { kept: {} },
  keptChannels: 0, prunableChannels: 10, loss: 1, params: 100, flops: 1000 * (1 - ratio), weightBytes: 400, latencyMs: 1, backend: 'cpu',
});

/** The original model's figures, as the worker measures them. */
const REFERENCE: Reference = { accuracy: 0.9, calibrationAccuracy: 0.9, loss: 0.3, outputKind: 'logits' };

/** The worker's select answer for a chosen candidate (judged with the engine's own verdict). */
const selection = (all: Candidate[], index: number | null, tolerance = 1) => ({
  candidate: index,
  reference: REFERENCE,
  verdict: verdictFor(all.find((c) => c.index === index), REFERENCE, tolerance),
});

const basics: Handlers = {
  restore: () => null,
  init: () => ({ backend: 'cpu', attempts: [], adapter: null, missingTrainingKernels: [], note: 'cpu', requested: null, tfjsVersion: 'x' }),
  loadModel: () => ({ name: 'lenet', source: 'built-in lenet', inputShape: [28, 28, 1], numClasses: 10, analysis: { groups: [] } }),
  loadData: () => ({ source: 'digits', count: 10, trainCount: 9, validationCount: 1, height: 28, width: 28, channels: 1, classNames: [], classCounts: [], samples: [] }),
};

describe('studio store', () => {
  it('opens with the demo: model, then data, one call at a time', async () => {
    const engine = fakeEngine(basics);
    const store = createStudioStore({ engine, requestedBackend: null });
    await store.getState().startEngine();
    expect(engine.methods()).toEqual(['init', 'restore', 'loadModel', 'loadData']);
    expect(store.getState().restored).toBeNull();
    expect(store.getState().model.summary?.name).toBe('lenet');
    expect(store.getState().data.summary?.source).toBe('digits');
  });

  it('keeps the loaded model when a new one fails, and says why in its stage', async () => {
    let fail = false;
    const engine = fakeEngine({
      ...basics,
      loadModel: () => {
        if (fail) throw userError('No model.json among the files.');
        return basics.loadModel!({}, {});
      },
    });
    const store = createStudioStore({ engine, requestedBackend: null });
    await store.getState().startEngine();
    fail = true;
    await store.getState().loadModelFiles([]);
    const { model } = store.getState();
    expect(model.error).toBe('No model.json among the files.');
    expect(model.summary?.name).toBe('lenet');
    expect(model.choice).toBe('lenet');
  });

  it('steps the search one candidate at a time, selects by the rule, and lets the user pick', async () => {
    const all = [candidate(0, 0, 0.9), candidate(1, 0.3, 0.895), candidate(2, 0.6, 0.5)];
    let next = 0;
    const engine = fakeEngine({
      ...basics,
      searchStart: () => ({ prunableChannels: 10, plannedRatios: [0, 0.3, 0.6], reference: REFERENCE }),
      searchNext: () => {
        const c = all[next++];
        return { candidates: [c], done: next === all.length };
      },
      select: () => selection(all, next >= 2 ? 1 : 0),
    });
    const store = createStudioStore({ engine, requestedBackend: null });
    await store.getState().stepSearch();
    expect(store.getState().search.state).toBe('paused');
    expect(store.getState().search.candidates.map((c) => c.index)).toEqual([0]);
    await store.getState().runSearch();
    const { search } = store.getState();
    expect(search.state).toBe('done');
    expect(search.candidates).toHaveLength(3);
    expect(selectedIndex(search)).toBe(1);
    store.getState().pickCandidate(2);
    expect(selectedIndex(store.getState().search)).toBe(2);
    await store.getState().setRule({ kind: 'tolerance', tolerance: 2, by: 'ratio' });
    expect(selectedIndex(store.getState().search)).toBe(1);
  });

  it('says where the grid stopped, and measures the rest on request', async () => {
    const all = [candidate(0, 0, 0.9), candidate(1, 0.3, 0.2), candidate(2, 0.6, 0.1), candidate(3, 0.9, 0.15)];
    const stop = { ratio: 0.6, remaining: [0.9], collapsed: [], threshold: 5, reason: 'accuracy collapsed (…)' };
    let rest = false;
    let started: SearchSettings | undefined;
    const engine = fakeEngine({
      ...basics,
      searchStart: (settings) => {
        started = settings as SearchSettings;
        return { prunableChannels: 10, plannedRatios: [0, 0.3, 0.6, 0.9], reference: REFERENCE };
      },
      searchNext: () => (rest ? { candidates: [all[3]], done: true, gridStop: null } : { candidates: all.slice(0, 3), done: true, gridStop: stop }),
      searchRest: () => {
        rest = true;
        return { plannedRatios: [0, 0.3, 0.6, 0.9] };
      },
      select: () => selection(all, 0),
    });
    const store = createStudioStore({ engine, requestedBackend: null });
    await store.getState().runSearch();
    expect(started?.fullGrid).toBe(false);
    expect(store.getState().search).toMatchObject({ state: 'done', gridStop: stop, restAvailable: true });
    expect(store.getState().search.candidates).toHaveLength(3);
    await store.getState().measureRest();
    expect(engine.methods().filter((call) => call.startsWith('search'))).toEqual(['searchStart', 'searchNext', 'searchRest', 'searchNext']);
    expect(store.getState().search).toMatchObject({ state: 'done', gridStop: null, restAvailable: false });
    expect(store.getState().search.candidates.map((c) => c.ratio)).toEqual([0, 0.3, 0.6, 0.9]);
    // Nothing left: the button does nothing more.
    await store.getState().measureRest();
    expect(engine.methods().filter((call) => call === 'searchRest')).toHaveLength(1);
    // The whole grid, when asked for.
    store.getState().setSearchForm({ fullGrid: true });
    await store.getState().runSearch();
    expect(started?.fullGrid).toBe(true);
  });

  it('compares the search with the original model: a success within the tolerance, a warning beyond it', async () => {
    const all = [candidate(0, 0, 0.9), candidate(1, 0.3, 0.895), candidate(2, 0.6, 0.5)];
    const engine = fakeEngine({
      ...basics,
      searchStart: () => ({ prunableChannels: 10, plannedRatios: [0, 0.3, 0.6], reference: REFERENCE }),
      searchNext: (_params, options) => {
        options.onProgress?.({ done: 3, total: 3, detail: { kind: 'candidate', candidate: all[2] } });
        return { candidates: all, done: true };
      },
      select: () => selection(all, 1),
    });
    const store = createStudioStore({ engine, requestedBackend: null });
    await store.getState().runSearch();
    const state = store.getState();
    expect(state.search.reference).toEqual(REFERENCE);
    expect(selectReference(state)?.outputKind).toBe('logits');
    expect(verdictOf(state.search, state.rule)).toMatchObject({ withinTolerance: true, tolerance: 1 });
    expect(verdictOf(state.search, state.rule)?.drop).toBeCloseTo(0.5, 6);

    // Clicking the rule's own choice is no pick: the page keeps following the rule (it once said "You picked #1").
    expect(state.search.autoSelected).toBe(1);
    store.getState().pickCandidate(1);
    expect(store.getState().search.picked).toBeNull();
    // Picked by hand: judged here the same way, and far below the original.
    store.getState().pickCandidate(2);
    expect(store.getState().search.picked).toBe(2);
    const picked = verdictOf(store.getState().search, store.getState().rule);
    expect(picked).toMatchObject({ status: 'beyond', withinTolerance: false, message: expect.stringContaining('Candidate #2 loses more than the tolerance') });
    expect(picked?.message).toContain('−40.00 ± 0.00 points');

    // A budget nothing meets: no verdict to give (the selection note says so).
    store.getState().pickCandidate(null);
    store.setState((s) => ({ rule: { kind: 'budget', metric: 'params', max: 0 }, search: { ...s.search, autoSelected: null } }));
    expect(verdictOf(store.getState().search, store.getState().rule)).toBeNull();
  });

  it('starts a dropped model without pretraining, and a built-in one with it', async () => {
    const engine = fakeEngine(basics);
    const store = createStudioStore({ engine, requestedBackend: null });
    await store.getState().startEngine();
    expect(store.getState().trainForm.pretrainEpochs).toBe(BUILTIN_PRETRAIN_EPOCHS);
    await store.getState().loadModelFiles([]);
    expect(store.getState().trainForm.pretrainEpochs).toBe(0);
    await store.getState().loadBuiltinModel('vgg');
    expect(store.getState().trainForm.pretrainEpochs).toBe(BUILTIN_PRETRAIN_EPOCHS);
    // A number the user chose for a built-in model stays when another built-in one is picked.
    store.getState().setTrainForm({ pretrainEpochs: 3 });
    await store.getState().loadBuiltinModel('lenet');
    expect(store.getState().trainForm.pretrainEpochs).toBe(3);
  });

  it('shows a search error in its stage and keeps the candidates measured', async () => {
    let next = 0;
    const engine = fakeEngine({
      ...basics,
      searchStart: () => ({ prunableChannels: 10, plannedRatios: [0, 0.5] }),
      searchNext: () => {
        if (next++ > 0) throw userError('The search stopped.');
        return { candidates: [candidate(0, 0, 0.9)], done: false };
      },
      select: () => ({ candidate: 0 }),
    });
    const store = createStudioStore({ engine, requestedBackend: null });
    await store.getState().runSearch();
    const { search } = store.getState();
    expect(search.state).toBe('error');
    expect(search.error).toBe('The search stopped.');
    expect(search.candidates).toHaveLength(1);
  });

  it('collects training steps from progress details once each', async () => {
    const sparsity = { zeroShare: 0.1, freedFlopsShare: 0.2, targetShare: 0.3, targetKind: 'channels' as const, lambda: 1, zeroShareByGroup: {} };
    const step = (n: number) => ({
      kind: 'step' as const, step: n, totalSteps: 3, epoch: 1, loss: 1 / n, crossEntropy: 1, accuracy: 0.5, imagesPerSec: 10, elapsedMs: n, remainingMs: 3 - n,
      ...(n === 3 ? { guard: { step: 3, accuracy: 0.8, floor: 0.85, restoredFrom: 2 }, sparsity } : {}),
    });
    let sent: TrainParams | null = null;
    const engine = fakeEngine({
      ...basics,
      train: (params, options) => {
        sent = params as TrainParams;
        options.onProgress?.({ done: 1, total: 3, detail: { kind: 'train', phase: 'sparse', events: [step(1)] } });
        options.onProgress?.({ done: 3, total: 3, detail: { kind: 'train', phase: 'sparse', events: [step(1), step(2), step(3)] } });
        return { steps: 3, images: 3, elapsedMs: 3, imagesPerSec: 1, lastLoss: 1, lastAccuracy: 1 };
      },
      scores: () => ({ criterion: 'gfr', groups: [], ranking: [] }),
    });
    const store = createStudioStore({ engine, requestedBackend: null });
    await store.getState().startTraining();
    const { training, scores } = store.getState();
    expect(training.state).toBe('done');
    expect(training.steps.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(training.steps[2]).toMatchObject({ guardAccuracy: 0.8, guardFloor: 0.85, guardRestoredFrom: 2 });
    expect(holdingText(training.steps[1])).toBeNull();
    expect(holdingText(training.steps[2])).toBe('holding: accuracy below the floor (back to step 2)');
    expect(training.automatic).toBe(true);
    expect(scores.state).toBe('done');
    // The automatic target by default, distillation from the original, and the guard set by the rule's tolerance.
    expect(sent!.settings).toMatchObject({ targetMode: 'auto', distillation: 0.7, distillTemperature: 4, tolerance: 1 });
  });

  describe('after a reload', () => {
    const summaryOf = (name: string): ModelSummary => ({ ...(basics.loadModel!({}, {}) as ModelSummary), name });
    const work = (patch: Partial<RestoredWork> = {}): RestoredWork => ({
      model: { ...summaryOf('lenet'), source: 'model.json (2 files)' },
      modelChoice: 'files',
      data: basics.loadData!({}, {}) as DataSummary,
      dataChoice: 'builtin',
      training: {
        params: { criterion: 'gfr', pretrainEpochs: 1, settings: {} as TrainParams['settings'] },
        training: { steps: 3, images: 48, elapsedMs: 10, imagesPerSec: 1, lastLoss: 1, lastAccuracy: 0.5 },
        curve: [1, 2, 3].map((step) => ({ phase: 'sparse' as const, step, totalSteps: 3, loss: 1 / step, accuracy: 0.5, imagesPerSec: 10 })),
      },
      search: {
        settings: { criterion: 'gfr', ranking: 'normalized' } as SearchSettings,
        prunableChannels: 10,
        plannedRatios: [0, 0.5],
        candidates: [candidate(1, 0.5, 0.8), candidate(0, 0, 0.9)],
        elapsedMs: 1234,
        done: false,
        exportable: [0],
        reference: REFERENCE,
      },
      resumable: null,
      notes: ['The data of the last visit could not be read again: gone.'],
      ...patch,
    });

    it('fills the stages from the restored work instead of loading the demo', async () => {
      const engine = fakeEngine({
        ...basics,
        restore: () => work({ pairing: { pending: null, scaling: { mean: [0.5], std: [0.5] } } }),
        checkReference: () => REFERENCE,
        scores: (params) => ({ criterion: (params as { criterion: string }).criterion, groups: [], ranking: [] }),
        select: () => selection([candidate(0, 0, 0.9), candidate(1, 0.5, 0.8)], 1),
      });
      const store = createStudioStore({ engine, requestedBackend: null });
      await store.getState().startEngine();
      // The user's model is checked on the data again, with the preprocessing that was kept.
      expect(engine.methods()).toEqual(['init', 'restore', 'checkReference', 'scores', 'select']);
      expect(store.getState().inputs).toMatchObject({ scaling: { mean: [0.5], std: [0.5] }, check: { state: 'done', reference: REFERENCE } });
      const s = store.getState();
      expect(s.engine.state).toBe('done');
      expect(s.model).toMatchObject({ state: 'done', choice: 'files', error: null });
      expect(s.model.summary?.source).toBe('model.json (2 files)');
      expect(s.data).toMatchObject({ state: 'done', choice: 'builtin' });
      expect(s.training).toMatchObject({ state: 'done', criterion: 'gfr', summary: { steps: 3 } });
      expect(s.training.steps.map((p) => p.x)).toEqual([1, 2, 3]);
      expect(s.scores).toMatchObject({ state: 'done', criterion: 'gfr', ranking: 'normalized' });
      expect(s.search).toMatchObject({ state: 'cancelled', planned: [0, 0.5], elapsedMs: 1234, exportable: [0], autoSelected: 1 });
      expect(s.search.candidates.map((c) => c.index)).toEqual([0, 1]);
      expect(s.search.reference).toEqual(REFERENCE);
      expect(verdictOf(s.search, s.rule)).toMatchObject({ withinTolerance: false });
      expect(s.restored?.state).toBe('done');
      expect(s.restored?.summary).toContain('trained 3 steps');
      expect(s.restored?.notes).toEqual([
        'The data of the last visit could not be read again: gone.',
        expect.stringContaining('The search had not finished'),
        expect.stringContaining('1 candidate(s) came back without their models'),
      ]);
      s.dismissRestored();
      expect(store.getState().restored).toBeNull();
    });

    it('says nothing when only the demo comes back', async () => {
      const engine = fakeEngine({ ...basics, restore: () => work({ modelChoice: 'lenet', model: summaryOf('lenet'), training: null, search: null, notes: [] }) });
      const store = createStudioStore({ engine, requestedBackend: null });
      await store.getState().startEngine();
      expect(engine.methods()).toEqual(['init', 'restore']);
      expect(store.getState().model.choice).toBe('lenet');
      expect(store.getState().restored).toBeNull();
    });

    it('a visit that ended before its data loaded comes back with the built-in digits', async () => {
      const engine = fakeEngine({ ...basics, restore: () => work({ modelChoice: 'lenet', model: summaryOf('lenet'), data: null, dataChoice: null, training: null, search: null, notes: [] }) });
      const store = createStudioStore({ engine, requestedBackend: null });
      await store.getState().startEngine();
      expect(engine.methods()).toEqual(['init', 'restore', 'loadData']);
      expect(store.getState().data).toMatchObject({ state: 'done', choice: 'builtin' });
      expect(store.getState().model.choice).toBe('lenet');
      // That is the demo: nothing to say.
      expect(store.getState().restored).toBeNull();
    });

    it('loads the demo and says so when the work cannot be brought back', async () => {
      const engine = fakeEngine({
        ...basics,
        restore: () => {
          throw userError('The saved work is damaged.');
        },
      });
      const store = createStudioStore({ engine, requestedBackend: null });
      await store.getState().startEngine();
      expect(engine.methods()).toEqual(['init', 'restore', 'loadModel', 'loadData']);
      expect(store.getState().restored).toMatchObject({ state: 'failed', notes: [expect.stringContaining('The saved work is damaged.')] });
      expect(store.getState().model.summary?.name).toBe('lenet');
    });
  });

  describe('how model and data go together', () => {
    const dropped = { ...(basics.loadModel!({}, {}) as ModelSummary), name: 'net', source: 'model.json (2 files)', inputShape: [32, 32, 3] };
    const rgbData: DataSummary = { source: 'rgb', count: 10, trainCount: 9, validationCount: 1, height: 32, width: 32, channels: 3, classNames: [], classCounts: [5, 5], samples: [] };

    it('a dropped model waits for data that fits, says why, and the note goes once data fits; then the model is checked', async () => {
      const pending = 'The model expects 32×32×3 inputs but the data has 28×28×1 images; pick data of that size.';
      const scaling = { mean: [0], std: [1] };
      const engine = fakeEngine({
        ...basics,
        loadModel: () => ({ ...dropped, pairing: { pending, scaling } }),
        loadData: () => ({ ...rgbData, pairing: { pending: null, scaling } }),
        checkReference: () => ({ ...REFERENCE, accuracy: 0.52 }),
        setPreprocessing: (params) => ({ pending: null, scaling: params }),
      });
      const store = createStudioStore({ engine, requestedBackend: null });
      await store.getState().startEngine();
      await store.getState().loadModelFiles([]);
      expect(store.getState().model).toMatchObject({ state: 'done', choice: 'files', error: null });
      expect(store.getState().inputs.pending).toBe(pending);
      expect(engine.methods()).not.toContain('checkReference');
      await store.getState().loadDataFiles([]);
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(store.getState().inputs).toMatchObject({ pending: null, check: { state: 'done', reference: { accuracy: 0.52 } } });
      expect(selectReference(store.getState())?.accuracy).toBe(0.52);

      // A new preprocessing: the worker applies it and the model is measured again.
      const calls = engine.methods().length;
      await store.getState().setPreprocessing({ mean: [0.5], std: [0.5] });
      expect(engine.methods().slice(calls)).toEqual(['setPreprocessing', 'checkReference']);
      expect(store.getState().inputs).toMatchObject({ state: 'done', scaling: { mean: [0.5], std: [0.5] }, check: { state: 'done' } });
    });

    it('a preprocessing the images cannot take stays an error in the panel', async () => {
      const engine = fakeEngine({ ...basics, setPreprocessing: () => { throw userError('Scaling mean has 3 values but the images have 1 channel(s).'); } });
      const store = createStudioStore({ engine, requestedBackend: null });
      await store.getState().startEngine();
      await store.getState().setPreprocessing({ mean: [1, 2, 3], std: [1] });
      expect(store.getState().inputs).toMatchObject({ state: 'error', error: expect.stringMatching(/3 values/), scaling: { mean: [0], std: [1] } });
    });
  });

  it('counts candidates as the grid and the refining pass, never "22 of 19"', () => {
    const planned = Array.from({ length: 19 }, (_, i) => i * 0.05);
    const grid = planned.map((ratio, i) => candidate(i, ratio, 0.9));
    const refine = [19, 20, 21].map((index) => ({ ...candidate(index, 0.5, 0.9), stage: 'refine' as const }));
    expect(candidateCountText({ state: 'running', planned, candidates: grid.slice(0, 5) })).toBe('of 19 grid candidates');
    expect(candidateCountText({ state: 'running', planned, candidates: [...grid, refine[0]] })).toBe('candidates: 19 on the grid, 1 refining so far');
    expect(candidateCountText({ state: 'done', planned, candidates: [...grid, ...refine] })).toBe('candidates: 19 on the grid, 3 refining');
    expect(candidateCountText({ state: 'done', planned, candidates: grid })).toBe('candidates');
    expect(candidateCountText({ state: 'paused', planned, candidates: grid.slice(0, 1) })).toBe('of 19 grid candidates');
  });
});

describe('exportMatches: the download links offered are the ones the form asks for', () => {
  const done = (candidate: number | 'original', format: ExportFormat, quantization: WeightQuantization | null) =>
    ({ ...emptyExport(), state: 'done' as const, candidate, format, quantization });
  it('only for the same candidate, format and precision', () => {
    expect(exportMatches(done(3, 'files', null), 3, 'files', undefined)).toBe(true);
    // The format changed after the files were prepared: the old links are not this format's.
    expect(exportMatches(done(3, 'files', null), 3, 'onnx', undefined)).toBe(false);
    expect(exportMatches(done(3, 'files', null), 3, 'zip', undefined)).toBe(false);
    expect(exportMatches(done(3, 'files', 'float16'), 3, 'files', undefined)).toBe(false);
    expect(exportMatches(done(3, 'files', 'float16'), 3, 'files', 'float16')).toBe(true);
    expect(exportMatches(done(2, 'files', null), 3, 'files', undefined)).toBe(false);
    expect(exportMatches({ ...done(3, 'files', null), state: 'running' }, 3, 'files', undefined)).toBe(false);
    // The original as ONNX shows while ONNX is chosen, whichever candidate is shown.
    expect(exportMatches(done('original', 'onnx', null), 5, 'onnx', undefined)).toBe(true);
    expect(exportMatches(done('original', 'onnx', null), 5, 'files', undefined)).toBe(false);
  });
});
