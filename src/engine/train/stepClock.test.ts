import { describe, expect, it } from 'vitest';
import { StepClock } from './stepClock';

function fakeTime() {
  let t = 1000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('StepClock', () => {
  it('leaves paused time out of the elapsed time', async () => {
    const time = fakeTime();
    const clock = new StepClock(time.now);
    time.advance(100);
    let resume!: () => void;
    const paused = clock.excluding(new Promise<void>((resolve) => (resume = resolve)));
    time.advance(60_000); // a minute paused
    resume();
    await paused;
    time.advance(50);
    expect(clock.elapsedMs()).toBe(150);
  });

  it('waits for nothing when the run is not paused', async () => {
    const time = fakeTime();
    const clock = new StepClock(time.now);
    await clock.excluding(undefined);
    time.advance(10);
    expect(clock.elapsedMs()).toBe(10);
  });

  it('leaves out a pause that ends in an error (a cancel) too', async () => {
    const time = fakeTime();
    const clock = new StepClock(time.now);
    const failing = Promise.resolve().then(() => {
      time.advance(500);
      throw new Error('cancelled');
    });
    await expect(clock.excluding(failing)).rejects.toThrow('cancelled');
    expect(clock.elapsedMs()).toBe(0);
  });

  it('estimates the time left from the steps after the first, pauses left out', async () => {
    const time = fakeTime();
    const clock = new StepClock(time.now);
    time.advance(900); // first step: setup and allocation
    clock.stepDone(1);
    expect(clock.remainingMs(1, 10)).toBe(900 * 9);
    time.advance(100);
    clock.stepDone(2);
    await clock.excluding(Promise.resolve().then(() => time.advance(30_000)));
    time.advance(100);
    clock.stepDone(3);
    expect(clock.remainingMs(3, 10)).toBe(100 * 7);
    expect(clock.remainingMs(10, 10)).toBe(0);
  });
});
