/** Cooperative cancellation: long loops call `throwIfAborted(signal)` once per step. */

export class CancelledError extends Error {
  constructor(message = 'Cancelled by the user.') {
    super(message);
    this.name = 'CancelledError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/** Yields to the event loop so that messages (cancel, pause) can arrive. */
export function nextTick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
