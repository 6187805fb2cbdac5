/** The studio's one-call-at-a-time lock: who waits, who is refused, who gives way. */
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../engine/core/abort';
import { JobLock } from './jobLock';

/** A job body that runs until `finish` is called. */
function held<T>(value: T) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return { body: async () => done.then(() => value), finish };
}

describe('JobLock', () => {
  it('refuses a call while another runs, naming it; takes the next once it ends', async () => {
    const lock = new JobLock();
    const first = held('trained');
    const training = lock.exclusive('training', new AbortController().signal, first.body);
    expect(lock.running).toBe('training');
    await expect(lock.exclusive('the search', new AbortController().signal, async () => 'searched'))
      .rejects.toThrow('Wait until training ends, or cancel it: the studio does one thing at a time.');
    first.finish();
    expect(await training).toBe('trained');
    expect(lock.running).toBeNull();
    expect(await lock.exclusive('the search', new AbortController().signal, async () => 'searched')).toBe('searched');
  });

  it('lets a call wait for a cancelled one to wind down, and runs it after', async () => {
    const lock = new JobLock();
    const cancel = new AbortController();
    const first = held('trained');
    const order: string[] = [];
    const training = lock.exclusive('training', cancel.signal, async () => {
      const result = await first.body();
      order.push('training ended');
      return result;
    });
    cancel.abort();
    const search = lock.exclusive('the search', new AbortController().signal, async () => {
      order.push('search ran');
      return 'searched';
    });
    first.finish();
    await training;
    expect(await search).toBe('searched');
    expect(order).toEqual(['training ended', 'search ran']);
  });

  it('aborts a call that yields and runs the new one once it has stopped', async () => {
    const lock = new JobLock();
    const yields = new AbortController();
    const estimate = lock.exclusive('estimating the training time', yields.signal, () => new Promise<number>((_, reject) => {
      yields.signal.addEventListener('abort', () => reject(new CancelledError()), { once: true });
    }), yields);
    expect(await lock.exclusive('loading the model', new AbortController().signal, async () => 'loaded')).toBe('loaded');
    await expect(estimate).rejects.toBeInstanceOf(CancelledError);
  });

  it('does not start a call whose signal is already aborted', async () => {
    const lock = new JobLock();
    const cancelled = new AbortController();
    cancelled.abort();
    let ran = false;
    await expect(lock.exclusive('training', cancelled.signal, async () => {
      ran = true;
    })).rejects.toBeInstanceOf(CancelledError);
    expect(ran).toBe(false);
    expect(lock.running).toBeNull();
  });
});
