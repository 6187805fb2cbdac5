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

export type Yield = (resume: () => void) => void;

/** A message to a port of its own: a task, but no timer. */
export function messageYield(): Yield {
  const channel = new MessageChannel();
  const waiting: Array<() => void> = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  // Node's ports keep the process alive (only tests take this path there: Node yields with setImmediate).
  (channel.port1 as { unref?: () => void }).unref?.();
  return (resume) => {
    waiting.push(resume);
    channel.port2.postMessage(null);
  };
}

let yieldOnce: Yield | undefined;

/**
 * Yields to the event loop so that messages (cancel, pause) can arrive.
 * Not setTimeout(0): a browser clamps a timer set from a timer's continuation
 * to ≥ 4 ms after five in a row, so a training loop paid 4 ms a step in the
 * worker (measured in Chromium: 4.08 ms a yield, against 0.01 ms for a message
 * to itself). Node has setImmediate (its timers wait ≥ 1 ms); a browser gets a
 * MessageChannel.
 */
export function nextTick(): Promise<void> {
  const { setImmediate } = globalThis as { setImmediate?: (callback: () => void) => unknown };
  yieldOnce ??= setImmediate
    ? (resume) => setImmediate(resume)
    : typeof MessageChannel === 'function' ? messageYield() : (resume) => setTimeout(resume, 0);
  return new Promise((resolve) => yieldOnce!(resolve));
}
