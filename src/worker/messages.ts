/**
 * The contract between the page and the engine worker.
 *
 * Only plain JSON and transferable typed arrays cross this boundary: no
 * tensors, no class instances, no functions. Every call is a request with an
 * id; the worker answers it with exactly one `result` or `error`, and may send
 * any number of `progress` messages before that. The page may send `cancel`
 * for a request it no longer wants.
 *
 * This file is shared by both sides, so it must not use DOM or worker globals.
 */
import type { BackendName } from '../contract/backends';
import type { BackendCalls } from './backendCalls';
import type { StudioCalls } from './studio/calls';
import type { ProgressDetail, StorageNotice } from './studioTypes';

/** What the browser says about its WebGPU adapter (GPUAdapterInfo, flattened). */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** The browser marked it as a fallback adapter (`isFallbackAdapter`). */
  isFallbackAdapter: boolean;
  /** A CPU implementation (SwiftShader, or any fallback adapter): works, but slowly. */
  software: boolean;
}

/** One backend the worker tried, or skipped, on its way to the one it runs. */
export interface BackendAttempt {
  backend: BackendName;
  outcome: 'ok' | 'failed' | 'skipped';
  /** Why it failed or was skipped; empty when it worked. */
  reason: string;
  /**
   * Set when it works but runs in software (SwiftShader and the like) and was
   * skipped for that: the device's name. A faster backend (wasm) runs instead.
   */
  softwareDevice?: string;
}

export interface InitParams {
  /**
   * A backend requested by the page (the `?backend=` query parameter). The
   * worker starts the chain there: backends before it are skipped, those
   * after it remain fallbacks. Unknown names are reported and ignored.
   */
  requested?: string | null;
  /** The page's `?threads=` value, as typed: threads for the wasm backend (threadChoice.ts). */
  threads?: string | null;
}

/** The wasm backend's threads and why (threadChoice.ts). */
export interface WasmThreads {
  threads: number;
  /** A few words: "page not isolated", "?threads=2", "8 cores". */
  reason: string;
  /** For the engine bar: "wasm · 2 threads (?threads=2)". */
  label: string;
  invalidRequest?: string;
}

export interface InitResult {
  backend: BackendName;
  /** Every backend considered, in order, ending with the one that runs. */
  attempts: BackendAttempt[];
  /** The WebGPU adapter, when one was obtained (even if WebGPU later failed). */
  adapter: AdapterInfo | null;
  /**
   * Gradient kernels that training a CNN needs and this backend lacks
   * (tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter, for one). Empty when
   * the backend can train.
   */
  missingTrainingKernels: string[];
  /** One or two sentences for the page: what runs and why it is not better. */
  note: string;
  /** The backend the page asked for, when it was a valid name. */
  requested: BackendName | null;
  /** Threads of the wasm backend; null (or absent) on another backend. */
  wasmThreads?: WasmThreads | null;
  tfjsVersion: string;
}

/**
 * A conv2d forward pass and one gradient step on a 1×8×8×1 input, checked
 * against a plain-JavaScript reference of the same convolution.
 */
export interface SelfTestResult {
  backend: BackendName;
  /** Mean squared error against the target before one SGD step. */
  lossBefore: number;
  /** The same after the step; null when the backend cannot take gradients of a convolution. */
  lossAfter: number | null;
  /** L2 norm of the kernel's gradient; null as for `lossAfter`. */
  gradNorm: number | null;
  /** Why the gradient step did not run; null when it did. */
  stepSkipped: string | null;
  /** Largest |backend − reference| over the 64 outputs of the forward pass. */
  maxAbsError: number;
  /** Tensors still alive after the test that were not alive before it (should be 0). */
  leakedTensors: number;
  /** Wall time of the whole test in milliseconds, including the first shader compiles. */
  ms: number;
}

/**
 * Every call the worker answers, as the functions that answer it declare it: the worker's own (./backendCalls.ts) and
 * the studio's (./studio/calls.ts). The requests, the results and the bridge's `call` are typed from here.
 */
export type WorkerCalls = BackendCalls & StudioCalls;
export type MethodName = keyof WorkerCalls;
export type ParamsOf<M extends MethodName> = Parameters<WorkerCalls[M]>[0];
export type ResultOf<M extends MethodName> = Awaited<ReturnType<WorkerCalls[M]>>;

export interface Progress {
  done: number;
  total: number;
  /** What is being done, for a progress bar's label. */
  label?: string;
  /** Data for live charts (training steps, a new candidate). */
  detail?: ProgressDetail;
}

/** An error as it crosses the boundary; `name` keeps CancelledError, UserError... */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

export type CallRequest = {
  [M in MethodName]: { kind: 'call'; id: number; method: M; params: ParamsOf<M> };
}[MethodName];

export type WorkerRequest = CallRequest | { kind: 'cancel'; id: number };

export type WorkerResponse =
  | { kind: 'result'; id: number; result: ResultOf<MethodName> }
  | { kind: 'error'; id: number; error: SerializedError }
  | { kind: 'progress'; id: number; progress: Progress }
  /** Not an answer to a call: news from the background (a save that failed, a checkpoint saved). */
  | { kind: 'notice'; notice: StorageNotice };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    return { name: err.name, message: err.message || String(err), stack: err.stack };
  }
  return { name: 'Error', message: typeof err === 'string' ? err : JSON.stringify(err) ?? String(err) };
}
