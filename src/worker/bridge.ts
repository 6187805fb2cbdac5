/**
 * The page's client for the engine worker: one promise per call, matched by
 * request id. A failure inside the worker rejects the caller's promise with
 * the worker's message (and error name); a worker that dies rejects every
 * pending call. Nothing here touches tensors.
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

export class WorkerBridge {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private dead: Error | null = null;

  constructor(private readonly port: WorkerPort) {
    port.addEventListener('message', (event) => this.onMessage((event as MessageEvent<WorkerResponse>).data));
    port.addEventListener('error', (event) => {
      const message = (event as ErrorEvent).message;
      // Keep the page alive: the failure is reported through the promises.
      event.preventDefault();
      this.fail(new Error(`The engine worker failed: ${message || 'its script could not be loaded or crashed'}.`));
    });
    port.addEventListener('messageerror', () => {
      this.fail(new Error('The engine worker sent a message that could not be read.'));
    });
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
    this.fail(new Error('The engine worker was stopped.'));
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
    }
  }

  private fail(error: Error): void {
    this.dead ??= error;
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(error);
  }
}

/** Starts the engine worker (a module worker, bundled by Vite) and returns its client. */
export function startEngineWorker(): WorkerBridge {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'gfr-engine' });
  return new WorkerBridge(worker);
}
