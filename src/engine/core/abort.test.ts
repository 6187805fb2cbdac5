import { describe, expect, it } from 'vitest';
import { messageYield, nextTick } from './abort';

describe('yielding to the event loop', () => {
  it('nextTick lets a message that arrived before it through before the loop goes on', async () => {
    const seen: string[] = [];
    const channel = new MessageChannel();
    channel.port1.onmessage = () => seen.push('cancel');
    channel.port2.postMessage(null);
    // A loop yields once a step; Node delivers a port's message within a turn or two of its loop.
    await nextTick();
    await nextTick();
    seen.push('step');
    expect(seen).toEqual(['cancel', 'step']);
    channel.port1.close();
  });

  it('the browser path (a message to its own port) resumes every waiter once, in order', async () => {
    const yieldOnce = messageYield();
    const order: number[] = [];
    await Promise.all([0, 1, 2].map((i) => new Promise<void>((resolve) => yieldOnce(() => { order.push(i); resolve(); }))));
    expect(order).toEqual([0, 1, 2]);
  });

  it('the browser path is a task, not a microtask: code queued as a microtask runs first', async () => {
    const yieldOnce = messageYield();
    const order: string[] = [];
    const resumed = new Promise<void>((resolve) => yieldOnce(() => { order.push('resumed'); resolve(); }));
    void Promise.resolve().then(() => order.push('microtask'));
    await resumed;
    expect(order).toEqual(['microtask', 'resumed']);
  });
});
