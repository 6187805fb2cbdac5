/** What every call into the worker gets besides its parameters. */
import type { Progress } from './messages';

export interface CallContext {
  signal: AbortSignal;
  /**
   * Reports progress. Plain progress is throttled by the worker, so call it as
   * often as is convenient; progress with a `detail` is always delivered, so
   * batch those (see TrainRelay).
   */
  progress: (p: Progress) => void;
  /** Buffers to transfer (not copy) with the result. */
  transfer: Transferable[];
}
