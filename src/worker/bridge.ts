/**
 * The page's client for the engine worker: one promise per call, matched by
 * request id. A failure inside the worker rejects the caller's promise with
 * the worker's message (and error name); a worker that dies (an uncaught
 * error, a GPU device lost, a script that cannot load) rejects every pending
 * call and is reported to `onFailure` listeners, who may `restart` a new one.
 * Nothing here touches tensors.
 */

import { CancelledError } from '../engine/core/abort';
import type {
  CallRequest,
  MethodName,
  ParamsOf,
  Progress,
  ResultOf,
  SerializedError,
  WorkerRequest,
  WorkerResponse,
} from './messages';
import type { StorageNotice } from './studioTypes';

/** The part of `Worker` the bridge uses, so tests can hand it a fake. */
export interface WorkerPort {
  postMessage(message: WorkerRequest, transfer: Transferable[]): void;
  addEventListener(type: 'message' | 'error' | 'messageerror', listener: (event: Event) => void): void;
  terminate(): void;
}

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** Buffers to move into the worker instead of copying them. */
  transfer?: Transferable[];
}

/** An error thrown inside the worker, rebuilt on the page with the same name and message. */
export class WorkerError extends Error {
  readonly workerStack: string | undefined;
  constructor(error: SerializedError) {
    super(error.message);
    this.name = error.name;
    this.workerStack = error.stack;
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (reason: Error) => void;
  onProgress?: (progress: Progress) => void;
  cleanup: () => void;
}

/** Starts a worker: given to the bridge, it can start a new one after a crash. */
export type WorkerStarter = () => WorkerPort;

export class WorkerBridge {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private dead: Error | null = null;
  private port: WorkerPort;
  private readonly starter: WorkerStarter | null;
  private readonly noticeListeners = new Set<(notice: StorageNotice) => void>();
  private readonly failureListeners = new Set<(error: Error) => void>();

  constructor(start: WorkerPort | WorkerStarter) {
    this.starter = typeof start === 'function' ? start : null;
    this.port = this.attach(typeof start === 'function' ? start() : start);
  }

  /** Listens to the worker's background news (saves that failed, checkpoints saved). */
  onNotice(listener: (notice: StorageNotice) => void): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  /** Listens for the worker dying; calls made after it fail until `restart`. */
  onFailure(listener: (error: Error) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /** Stops the worker (if it still runs) and starts a new one; false when the bridge cannot start workers. */
  restart(): boolean {
    if (!this.starter) return false;
    const old = this.port;
    this.port = this.attach(this.starter());
    old.terminate();
    this.rejectPending(new Error('The engine worker was restarted.'));
    this.dead = null;
    return true;
  }

  private attach(port: WorkerPort): WorkerPort {
    // Events of a worker that was replaced are ignored.
    const current = (): boolean => port === this.port;
    port.addEventListener('message', (event) => {
      if (current()) this.onMessage((event as MessageEvent<WorkerResponse>).data);
    });
    port.addEventListener('error', (event) => {
      const message = (event as ErrorEvent).message;
      // Keep the page alive: the failure is reported through the promises.
      event.preventDefault();
      if (current()) this.fail(new Error(`The engine worker failed: ${message || 'its script could not be loaded or crashed'}.`));
    });
    port.addEventListener('messageerror', () => {
      if (current()) this.fail(new Error('The engine worker sent a message that could not be read.'));
    });
    return port;
  }

  /** Calls `method` in the worker; resolves with its result or rejects with its error. */
  call<M extends MethodName>(method: M, params: ParamsOf<M>, options: CallOptions = {}): Promise<ResultOf<M>> {
    if (this.dead) return Promise.reject(this.dead);
    const { signal, onProgress, transfer = [] } = options;
    if (signal?.aborted) return Promise.reject(new CancelledError());
    const id = this.nextId++;

    return new Promise<ResultOf<M>>((resolve, reject) => {
      const onAbort = (): void => {
        this.pending.delete(id);
        this.port.postMessage({ kind: 'cancel', id }, []);
        reject(new CancelledError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: resolve as (value: unknown) => void,
        reject,
        onProgress,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      });
      const request = { kind: 'call', id, method, params } as CallRequest;
      try {
        this.port.postMessage(request, transfer);
      } catch (err) {
        this.settle(id)?.reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** Stops the worker; pending calls are rejected. */
  terminate(): void {
    this.port.terminate();
    this.dead ??= new Error('The engine worker was stopped.');
    this.rejectPending(this.dead);
  }

  private settle(id: number): Pending | undefined {
    const entry = this.pending.get(id);
    if (entry) {
      this.pending.delete(id);
      entry.cleanup();
    }
    return entry;
  }

  private onMessage(response: WorkerResponse): void {
    switch (response.kind) {
      case 'progress':
        this.pending.get(response.id)?.onProgress?.(response.progress);
        return;
      case 'result':
        this.settle(response.id)?.resolve(response.result);
        return;
      case 'error':
        this.settle(response.id)?.reject(new WorkerError(response.error));
        return;
      case 'notice':
        this.noticeListeners.forEach((listener) => listener(response.notice));
        return;
    }
  }

  /** The worker died: every pending call is rejected, and the listeners are told once. */
  private fail(error: Error): void {
    if (this.dead) return;
    this.dead = error;
    this.rejectPending(error);
    this.failureListeners.forEach((listener) => listener(error));
  }

  private rejectPending(error: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(error);
  }
}

/** Starts the engine worker (a module worker, bundled by Vite) and returns its client, which can start it again. */
export function startEngineWorker(): WorkerBridge {
  return new WorkerBridge(() => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'gfr-engine' }));
}
