import { describe, expect, it } from 'vitest';

import { createTurnQueue, type TurnTimers } from './chartTurns';

/** Timers run by hand: `tick()` runs everything due by then, in time order. */
function manualTimers() {
  let now = 0;
  let nextId = 0;
  const due = new Map<number, { at: number; run: () => void }>();
  const timers: TurnTimers = {
    set: (run, ms) => {
      due.set(++nextId, { at: now + ms, run });
      return nextId;
    },
    clear: (handle) => void due.delete(handle as number),
  };
  const tick = (ms: number): void => {
    const until = now + ms;
    for (;;) {
      const first = [...due.entries()].sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!first || first[1].at > until) break;
      due.delete(first[0]);
      now = first[1].at;
      first[1].run();
    }
    now = until;
  };
  return { timers, tick, pending: () => due.size };
}

const GAP = 30;
const TIMEOUT = 2000;

describe('chart turns', () => {
  it('starts a turn in a task of its own, never two at once, and the next one a gap after the release', () => {
    const { timers, tick } = manualTimers();
    const queue = createTurnQueue(timers, GAP, TIMEOUT);
    const log: string[] = [];
    const releases: Record<string, () => void> = {};
    for (const name of ['loss', 'accuracy', 'sparsity']) {
      queue.request((release) => {
        log.push(name);
        releases[name] = release;
      });
    }
    expect(log).toEqual([]);
    tick(0);
    expect(log).toEqual(['loss']);
    tick(1000);
    expect(log).toEqual(['loss']);
    releases.loss();
    tick(GAP - 1);
    expect(log).toEqual(['loss']);
    tick(1);
    expect(log).toEqual(['loss', 'accuracy']);
    releases.accuracy();
    releases.accuracy();
    tick(GAP);
    expect(log).toEqual(['loss', 'accuracy', 'sparsity']);
  });

  it('drops a withdrawn turn and moves on when the running one is withdrawn', () => {
    const { timers, tick } = manualTimers();
    const queue = createTurnQueue(timers, GAP, TIMEOUT);
    const log: string[] = [];
    const withdrawFirst = queue.request(() => log.push('first'));
    const withdrawSecond = queue.request(() => log.push('second'));
    queue.request(() => log.push('third'));
    withdrawSecond();
    tick(0);
    expect(log).toEqual(['first']);
    withdrawFirst();
    tick(GAP);
    expect(log).toEqual(['first', 'third']);
  });

  it('stops waiting for a turn that never releases', () => {
    const { timers, tick } = manualTimers();
    const queue = createTurnQueue(timers, GAP, TIMEOUT);
    const log: string[] = [];
    queue.request(() => log.push('stuck'));
    queue.request(() => log.push('next'));
    tick(TIMEOUT);
    expect(log).toEqual(['stuck']);
    tick(GAP);
    expect(log).toEqual(['stuck', 'next']);
  });

  it('leaves no timer behind once the queue is empty', () => {
    const { timers, tick, pending } = manualTimers();
    const queue = createTurnQueue(timers, GAP, TIMEOUT);
    queue.request((release) => release());
    tick(GAP);
    expect(pending()).toBe(0);
  });
});
