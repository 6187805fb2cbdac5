/** The store with a fake engine: the demo loads on arrival, stages keep their errors, the search steps and pauses. */
import { describe, expect, it } from 'vitest';

import type { Candidate } from '../../engine/search/candidate';
import type { SearchSettings } from '../../engine/search/gridSearch';
import type { MethodName, ParamsOf, ResultOf } from '../../worker/messages';
import type { CallOptions } from '../../worker/bridge';
import type { DataSummary, ModelSummary, RestoredWork, TrainParams } from '../../worker/studioTypes';
import type { EngineClient } from './common';
import { selectedIndex } from './searchSlice';
import { createStudioStore } from './store';

type Handler = (params: unknown, options: CallOptions) => unknown;

function fakeEngine(handlers: Partial<Record<MethodName, Handler>>): EngineClient & { calls: MethodName[] } {
  const calls: MethodName[] = [];
  return {
    calls,
    call<M extends MethodName>(method: M, params: ParamsOf<M>, options: CallOptions = {}): Promise<ResultOf<M>> {
      calls.push(method);
      const handler = handlers[method];
      if (!handler) return Promise.reject(Object.assign(new Error(`no ${method}`), { name: 'Error' }));
      try {
        return Promise.resolve(handler(params, options) as ResultOf<M>);
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}

const userError = (message: string): Error => Object.assign(new Error(message), { name: 'UserError' });

const candidate = (index: number, ratio: number, accuracy: number): Candidate => ({
  index, ratio, accuracy, stage: index === 0 ? 'baseline' : 'grid', plan: { kept: {} }, keptChannels: 0, prunableChannels: 10,
  loss: 1, params: 100, flops: 1000 * (1 - ratio), weightBytes: 400, latencyMs: 1, backend: 'cpu',
});

const basics: Partial<Record<MethodName, Handler>> = {
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
    expect(engine.calls).toEqual(['init', 'restore', 'loadModel', 'loadData']);
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
      searchStart: () => ({ prunableChannels: 10, plannedRatios: [0, 0.3, 0.6] }),
      searchNext: () => {
        const c = all[next++];
        return { candidates: [c], done: next === all.length };
      },
      select: () => ({ candidate: next >= 2 ? 1 : 0 }),
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
    const step = (n: number) => ({ kind: 'step' as const, step: n, totalSteps: 3, epoch: 1, loss: 1 / n, crossEntropy: 1, accuracy: 0.5, imagesPerSec: 10, elapsedMs: n, remainingMs: 3 - n });
    const engine = fakeEngine({
      ...basics,
      train: (_params, options) => {
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
    expect(scores.state).toBe('done');
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
      },
      notes: ['The data of the last visit could not be read again: gone.'],
      ...patch,
    });

    it('fills the stages from the restored work instead of loading the demo', async () => {
      const engine = fakeEngine({
        ...basics,
        restore: () => work(),
        scores: (params) => ({ criterion: (params as { criterion: string }).criterion, groups: [], ranking: [] }),
        select: () => ({ candidate: 1 }),
      });
      const store = createStudioStore({ engine, requestedBackend: null });
      await store.getState().startEngine();
      expect(engine.calls).toEqual(['init', 'restore', 'scores', 'select']);
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
      expect(engine.calls).toEqual(['init', 'restore']);
      expect(store.getState().model.choice).toBe('lenet');
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
      expect(engine.calls).toEqual(['init', 'restore', 'loadModel', 'loadData']);
      expect(store.getState().restored).toMatchObject({ state: 'failed', notes: [expect.stringContaining('The saved work is damaged.')] });
      expect(store.getState().model.summary?.name).toBe('lenet');
    });
  });
});
