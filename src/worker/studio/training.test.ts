/**
 * The studio's training calls on the built-in lenet and digits (wasm backend under Node): the estimate, pretraining
 * then sparse training streamed to the page, pause and resume, cancel.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CancelledError } from '../../engine/core/abort';
import { PauseGate } from '../trainRelay';
import { context, details, digitsStudio, expectNoTensorsLeft, loadedStudio, SEARCH, setUpDigits, TRAIN, trainedStudio, trainEvents } from './testing';

beforeAll(() => setUpDigits());

describe('Studio: the whole flow on the built-in lenet and digits', () => {
  const tensors = expectNoTensorsLeft();

  it('estimates the run before it starts: its steps, and their time at a measured pace', async () => {
    const studio = await loadedStudio();
    const estimate = await studio.estimateTraining(TRAIN, context());
    expect(estimate).toMatchObject({ pretrainSteps: 12, sparseSteps: 12 });
    expect(estimate.msPerStep).toBeGreaterThan(0);
    expect(estimate.totalMs).toBeCloseTo(24 * estimate.msPerStep, 6);
    expect(tf.memory().numTensors).toBe(tensors.atStart);
  });

  it('pretrains then trains sparsely, streaming every step to the page', async () => {
    // A clock that never moves: the relay's window never ends, so only each phase's first and last steps post.
    const studio = await loadedStudio({ now: () => 0 });
    const ctx = context();
    const summary = await studio.train(TRAIN, ctx);
    expect(summary.steps).toBe(12);
    for (const phase of ['pretrain', 'sparse'] as const) {
      const steps = trainEvents(ctx.log, phase).map((e) => e.step);
      expect(steps, `${phase} steps reach the page, none missed`).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    }
    // Batched: 24 steps in two messages per phase.
    expect(details(ctx.log).filter((detail) => detail.kind === 'train')).toHaveLength(4);
    expect(trainEvents(ctx.log, 'sparse').at(-1)?.sparsity).toBeDefined();
    // Pretrained, the built-in model is a trained start: the accuracy guard reads the calibration images.
    expect(trainEvents(ctx.log, 'sparse').at(-1)?.guard).toMatchObject({ step: 12, floor: expect.any(Number) });
    // Training again with the same settings skips the pretraining done.
    expect(await studio.estimateTraining(TRAIN, context())).toMatchObject({ pretrainSteps: 0, sparseSteps: 12 });
  });

  it('pauses and resumes training', async () => {
    const studio = await trainedStudio();
    const ctx = context();
    let pausedAt = -1;
    let blockedAt = -1;
    let resumedAt = -1;
    // Resumes once the training loop waits at the gate: the event that proves the pause held, no timer.
    const wait = PauseGate.prototype.wait;
    const gate = vi.spyOn(PauseGate.prototype, 'wait').mockImplementation(function (this: PauseGate, signal?: AbortSignal) {
      const waiting = wait.call(this, signal);
      if (this.paused && blockedAt < 0) {
        blockedAt = ctx.log.length;
        setImmediate(() => {
          resumedAt = ctx.log.length;
          studio.pauseTraining({ paused: false });
        });
      }
      return waiting;
    });
    try {
      const summary = await studio.train(TRAIN, {
        ...ctx,
        progress: (p) => {
          ctx.log.push(p);
          if (p.detail?.kind === 'train' && p.detail.phase === 'sparse' && pausedAt < 0) {
            pausedAt = ctx.log.length;
            expect(studio.pauseTraining({ paused: true })).toEqual({ paused: true });
          }
        },
      });
      expect(pausedAt).toBeGreaterThan(0);
      expect(blockedAt, 'the loop waited at the gate with nothing reported since the pause').toBe(pausedAt);
      expect(resumedAt, 'nothing was reported while paused').toBe(pausedAt);
      expect(summary.steps).toBe(12);
      expect(trainEvents(ctx.log, 'sparse').map((e) => e.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      // The same pretraining settings: pretraining was not repeated.
      expect(trainEvents(ctx.log, 'pretrain')).toEqual([]);
      expect(studio.pauseTraining({ paused: true })).toEqual({ paused: false });
    } finally {
      gate.mockRestore();
    }
  });

  it('a cancelled training keeps the trained model; a cancelled search keeps its candidates', async () => {
    const studio = await trainedStudio();
    await studio.searchStart(SEARCH, context());
    await studio.searchNext({ count: 2 }, context());
    const before = studio.scores({ criterion: 'gfr', ranking: 'global' });

    const ctx = context();
    const training = studio.train({ ...TRAIN, pretrainEpochs: 0, settings: { ...TRAIN.settings, maxSteps: 200 } }, {
      ...ctx,
      progress: (p) => {
        if (p.detail) ctx.controller.abort();
      },
    });
    await expect(training).rejects.toBeInstanceOf(CancelledError);
    expect(studio.scores({ criterion: 'gfr', ranking: 'global' })).toEqual(before);
    expect(studio.select({ kind: 'tolerance', tolerance: 100 }).candidate).not.toBeNull();

    const searchCtx = context();
    const searching = studio.searchNext({ count: 100 }, { ...searchCtx, progress: () => searchCtx.controller.abort() });
    await expect(searching).rejects.toBeInstanceOf(CancelledError);
    await expect(studio.searchNext({ count: 1 }, context())).rejects.toThrow(/cancelled.*Start the search again.*3 candidate/);
    expect(studio.exportCandidate({ candidate: 2, format: 'files' }, context()).files).toHaveLength(4);
  });
});

describe('Studio: the training estimate', () => {
  it('gives way to any other call instead of making it wait', async () => {
    const studio = digitsStudio();
    await studio.loadModel({ kind: 'builtin', name: 'lenet' }, context());
    await studio.loadData({ kind: 'builtin' }, context());
    const estimate = studio.estimateTraining(TRAIN, context());
    const model = await studio.loadModel({ kind: 'builtin', name: 'lenet' }, context());
    expect(model.name).toBe('lenet');
    await expect(estimate).rejects.toBeInstanceOf(CancelledError);
  });
});
