/**
 * The worker's side of a running training: the pause gate the engine awaits
 * before every step, and the relay that batches step events into throttled
 * progress messages, so that charts get every step without a message each.
 */
import type { TrainEvent, TrainStepEvent } from '../contract/events';
import type { Progress } from './messages';

/** Resolves at once while running; while paused, when resumed or when the signal aborts. */
export class PauseGate {
  private pausedFlag = false;
  private waiting: (() => void)[] = [];

  get paused(): boolean {
    return this.pausedFlag;
  }

  set(paused: boolean): void {
    this.pausedFlag = paused;
    if (!paused) this.release();
  }

  wait(signal?: AbortSignal): Promise<void> {
    if (!this.pausedFlag || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      signal?.addEventListener('abort', done, { once: true });
      this.waiting.push(done);
    });
  }

  private release(): void {
    const waiting = this.waiting;
    this.waiting = [];
    waiting.forEach((resolve) => resolve());
  }
}

export const RELAY_INTERVAL_MS = 150;

export class TrainRelay {
  private pending: TrainStepEvent[] = [];
  private lastPost = -Infinity;
  private last: TrainStepEvent | null = null;

  constructor(
    private readonly phase: 'pretrain' | 'sparse',
    private readonly label: string,
    private readonly post: (progress: Progress) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  readonly onEvent = (event: TrainEvent): void => {
    if (event.kind !== 'step') return;
    this.pending.push(event);
    this.last = event;
    if (this.now() - this.lastPost >= RELAY_INTERVAL_MS || event.step === event.totalSteps) this.flush();
  };

  /** Posts the events not yet sent (call when the phase ends, however it ends). */
  flush(label = this.label): void {
    if (this.pending.length === 0 || !this.last) return;
    const events = this.pending;
    this.pending = [];
    this.lastPost = this.now();
    this.post({ done: this.last.step, total: this.last.totalSteps, label, detail: { kind: 'train', phase: this.phase, events } });
  }
}
