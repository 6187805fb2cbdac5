/** The studio does one state-changing call at a time: the lock its calls take. */
import { throwIfAborted } from '../../engine/core/abort';
import { UserError } from '../../engine/core/errors';

interface Job {
  name: string;
  signal: AbortSignal;
  done: Promise<void>;
  /** Gives way to any other call: aborting it is the call's to do (the training estimate). */
  yields?: AbortController;
}

export class JobLock {
  private job: Job | null = null;

  /** The name of the call that holds the lock ('training', 'the search'...); null when none does. */
  get running(): string | null {
    return this.job?.name ?? null;
  }

  /**
   * Runs `body` as the one call in progress. A call still running refuses it (the user waits or cancels), unless it
   * was cancelled, when this one waits for it to wind down, or it yields (`yields`), when it is aborted and waited for.
   */
  async exclusive<T>(name: string, signal: AbortSignal, body: () => Promise<T>, yields?: AbortController): Promise<T> {
    while (this.job) {
      this.job.yields?.abort();
      if (!this.job.signal.aborted) throw new UserError(`Wait until ${this.job.name} ends, or cancel it: the studio does one thing at a time.`);
      await this.job.done;
    }
    throwIfAborted(signal);
    const running = body();
    const job: Job = { name, signal, done: running.then(() => undefined, () => undefined), yields };
    this.job = job;
    try {
      return await running;
    } finally {
      if (this.job === job) this.job = null;
    }
  }
}
