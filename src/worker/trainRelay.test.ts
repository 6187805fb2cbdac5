import { describe, expect, it } from 'vitest';
import type { TrainStepEvent } from '../contract/events';
import type { Progress } from './messages';
import { PauseGate, RELAY_INTERVAL_MS, TrainRelay } from './trainRelay';

const step = (n: number, total = 10): TrainStepEvent => ({
  kind: 'step', step: n, totalSteps: total, epoch: 1, loss: 1, crossEntropy: 1, accuracy: 0.5, imagesPerSec: 1, elapsedMs: n, remainingMs: 0,
});

describe('TrainRelay', () => {
  it('batches the steps between posts and loses none', () => {
    let now = 0;
    const posted: Progress[] = [];
    const relay = new TrainRelay('sparse', 'training', (p) => posted.push(p), () => now);
    for (let n = 1; n <= 10; n++) {
      now += RELAY_INTERVAL_MS / 4;
      relay.onEvent(step(n));
      relay.onEvent({ kind: 'epoch', epoch: 1, epochs: 1 });
    }
    relay.flush();
    const steps = posted.flatMap((p) => (p.detail?.kind === 'train' ? p.detail.events.map((e) => e.step) : []));
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The first step goes out at once (the chart starts), the last when the run ends.
    expect(posted.map((p) => (p.detail?.kind === 'train' ? p.detail.events.length : 0))).toEqual([1, 4, 4, 1]);
    expect(posted.at(-1)).toMatchObject({ done: 10, total: 10, label: 'training' });
  });

  it('flushes what is left when a run stops early', () => {
    const posted: Progress[] = [];
    const relay = new TrainRelay('pretrain', 'pretraining', (p) => posted.push(p), () => 0);
    relay.onEvent(step(1));
    relay.onEvent(step(2));
    relay.flush();
    relay.flush();
    expect(posted.map((p) => (p.detail?.kind === 'train' ? p.detail.events.length : 0))).toEqual([1, 1]);
  });
});

describe('PauseGate', () => {
  it('lets steps through while running, holds them while paused, and lets go on resume or cancel', async () => {
    const gate = new PauseGate();
    await gate.wait();
    gate.set(true);
    let resumed = false;
    const waiting = gate.wait().then(() => (resumed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(resumed).toBe(false);
    gate.set(false);
    await waiting;
    expect(resumed).toBe(true);

    gate.set(true);
    const controller = new AbortController();
    const cancelled = gate.wait(controller.signal);
    controller.abort();
    await cancelled;
    expect(gate.paused).toBe(true);
  });
});
