/** The store when saving fails, when a training was interrupted, and when the engine worker dies. */
import { describe, expect, it } from 'vitest';

import type { InitResult } from '../../worker/messages';
import type { TrainPoint, TrainSummary } from '../../contract/events';
import type { DataSummary, ModelSummary, RestoredWork, TrainParams } from '../../worker/studioTypes';
import { nextBackend } from './engineSlice';
import { fakeEngine } from './fakeEngine';
import { createStudioStore } from './store';

const initOn = (backend: InitResult['backend']) => (): InitResult => ({
  backend, attempts: [], adapter: null, missingTrainingKernels: [], note: backend, requested: null, tfjsVersion: 'x',
});
const MODEL = { name: 'lenet', source: 'built-in lenet', inputShape: [28, 28, 1], numClasses: 10, analysis: { groups: [] } } as unknown as ModelSummary;
const DATA = { source: 'digits', count: 10, trainCount: 9, validationCount: 1, height: 28, width: 28, channels: 1, classNames: [], classCounts: [], samples: [] } as unknown as DataSummary;
const PARAMS = { criterion: 'gfr', pretrainEpochs: 0, settings: { targetMode: 'auto' } } as unknown as TrainParams;
const point = (step: number): TrainPoint => ({ phase: 'sparse', step, totalSteps: 10, loss: 1, accuracy: 0.5, imagesPerSec: 1 });
const SUMMARY: TrainSummary = { steps: 10, images: 640, elapsedMs: 5, imagesPerSec: 1, lastLoss: 1, lastAccuracy: 0.5 };

const interrupted = (step: number): RestoredWork => ({
  model: MODEL, modelChoice: 'lenet', data: DATA, dataChoice: 'builtin', training: null, search: null, notes: [],
  resumable: { params: PARAMS, phase: 'sparse', step, totalSteps: 10, curve: Array.from({ length: step }, (_, i) => point(i + 1)) },
});

const basics = {
  init: initOn('webgpu'),
  restore: () => null,
  loadModel: () => MODEL,
  loadData: () => DATA,
  scores: () => ({ criterion: 'gfr', groups: [], ranking: [], reference: null }),
};

describe('saved work in the store', () => {
  it('shows the latest failed save with what was not saved, counts them, and tracks the saved checkpoint', async () => {
    const store = createStudioStore({ engine: fakeEngine(basics), requestedBackend: null });
    store.getState().storageNotice({ kind: 'saved', what: 'the training checkpoint at step 4', step: 4 });
    expect(store.getState().saving.checkpointStep).toBe(4);
    store.getState().storageNotice({ kind: 'failed', what: 'the trained model', reason: "the browser's storage for this page is full" });
    store.getState().storageNotice({ kind: 'failed', what: 'candidate #2', reason: 'full' });
    expect(store.getState().saving.failure).toEqual({ what: 'candidate #2', reason: 'full', count: 2 });
    store.getState().dismissSaveFailure();
    expect(store.getState().saving.failure).toBeNull();
  });

  it('offers to resume an interrupted training after a reload, and resuming continues its curve', async () => {
    const engine = fakeEngine({
      ...basics,
      restore: () => interrupted(4),
      resumeTraining: (_params, options) => {
        options.onProgress?.({ done: 5, total: 10, detail: { kind: 'train', phase: 'sparse', events: [4, 5, 6, 7, 8, 9, 10].map((step) => ({ kind: 'step', ...point(step), epoch: 1, crossEntropy: 1, elapsedMs: 1, remainingMs: 1 })) } });
        return SUMMARY;
      },
    });
    const store = createStudioStore({ engine, requestedBackend: null });
    await store.getState().startEngine();
    expect(store.getState().training).toMatchObject({ state: 'interrupted', resumable: { step: 4 } });
    expect(store.getState().restored?.summary).toMatch(/interrupted at step 4 of 10, which can be resumed/);
    await store.getState().resumeTraining();
    const { training } = store.getState();
    expect(training.state).toBe('done');
    expect(training.resumable).toBeNull();
    // Step 4 came twice (the checkpoint's and the resumed run's first event): it is kept once.
    expect(training.steps.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(engine.methods()).toContain('resumeTraining');
  });

  it('forgetting the saved work starts afresh with the demo', async () => {
    const engine = fakeEngine({ ...basics, restore: () => interrupted(4), forgetSavedWork: () => null });
    const store = createStudioStore({ engine, requestedBackend: null });
    await store.getState().startEngine();
    await store.getState().forgetSavedWork();
    expect(engine.methods().slice(-3)).toEqual(['forgetSavedWork', 'loadModel', 'loadData']);
    expect(store.getState().training.resumable).toBeNull();
    expect(store.getState().restored).toBeNull();
  });
});

describe('a dead engine worker', () => {
  it('is started again on the next backend; the saved work comes back with its training to resume', async () => {
    const engine = fakeEngine(basics);
    let restarts = 0;
    const store = createStudioStore({ engine, requestedBackend: null, restartEngine: () => ++restarts > 0 });
    await store.getState().startEngine();
    expect(store.getState().engine.info?.backend).toBe('webgpu');
    // The new worker: on webgl, with the checkpoint the old one saved.
    engine.handlers.init = initOn('webgl');
    engine.handlers.restore = () => interrupted(6);
    await store.getState().recoverEngine('The engine worker failed: the GPU device was lost.');
    expect(restarts).toBe(1);
    expect(engine.paramsOf('init')).toEqual([{ requested: null }, { requested: 'webgl' }]);
    const { engine: state, training } = store.getState();
    expect(state.state).toBe('done');
    expect(state.recovery).toEqual({
      state: 'done',
      text: 'The engine worker failed: the GPU device was lost. It was started again on webgl; your saved work is back, and the training can be resumed from step 6.',
    });
    expect(training).toMatchObject({ state: 'interrupted', resumable: { step: 6 } });
  });

  it('gives up after a few restarts, or where no new worker can be started, and says to reload', async () => {
    const engine = fakeEngine(basics);
    const store = createStudioStore({ engine, requestedBackend: null, restartEngine: () => true });
    await store.getState().startEngine();
    for (let i = 0; i < 3; i++) await store.getState().recoverEngine('Crashed.');
    await store.getState().recoverEngine('Crashed.');
    expect(store.getState().engine.recovery).toEqual({ state: 'error', text: 'Crashed. The engine was restarted 3 times already; reload the page.' });
    const fixed = createStudioStore({ engine, requestedBackend: null });
    await fixed.getState().recoverEngine('Crashed.');
    expect(fixed.getState().engine.recovery?.text).toMatch(/Reload the page/);
  });

  it('goes down the chain webgpu → webgl → wasm → cpu, and stays on cpu', () => {
    expect([nextBackend('webgpu'), nextBackend('webgl'), nextBackend('wasm'), nextBackend('cpu')]).toEqual(['webgl', 'wasm', 'cpu', 'cpu']);
  });
});
