/**
 * Backend selection inside the worker: webgpu, webgl, wasm, cpu, in that
 * order (docs/METHOD.md §8). Each candidate must initialise and pass a tiny sanity
 * op; the reason each earlier one failed is kept for the page.
 */

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';

import { registerWasmTrainingKernels } from '../engine/backend/wasmTraining';
import {
  TRAINING_KERNELS, adapterLabel, describeChoice, isSoftwareRenderer, planBackends, readAdapterInfo, skipSoftwareGpu, softwareSkip,
} from './backendChoice';
import type { RawAdapterInfo } from './backendChoice';
import type { BackendName } from '../contract/backends';
import type { AdapterInfo, BackendAttempt, InitResult, WasmThreads } from './messages';
import { chooseWasmThreads, describeThreads, threadLabel } from './threadChoice';
import { canStartBlobWorkers, prepareWasmThreads, wasmThreadsInUse } from './wasmThreads';

// tfjs-backend-wasm ships without some convolution gradients; the engine adds them.
registerWasmTrainingKernels();

/** The slice of the WebGPU API used here; TypeScript's lib does not declare it. */
interface GpuAdapterLike {
  info?: RawAdapterInfo;
  /** Before Chrome 136 the flag lived on the adapter itself. */
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<GpuAdapterLike | null>;
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return line.trim().replace(/\.$/, '');
}

function errorText(err: unknown): string {
  return firstLine(err instanceof Error ? err.message || err.name : String(err));
}

/** A small op whose answer is known: catches backends that initialise but compute garbage. */
async function sanityCheck(): Promise<string | null> {
  const t = tf.tidy(() => tf.sum(tf.add(tf.tensor1d([1, 2, 3]), tf.scalar(1))));
  try {
    const [value] = await t.data();
    return value === 9 ? null : `sanity op returned ${value} instead of 9`;
  } finally {
    t.dispose();
  }
}

/**
 * tf.setBackend reports a failed initialisation only as `false` plus a
 * console warning; capture that warning so the page can say what went wrong.
 */
async function setBackendExplained(name: BackendName): Promise<string | null> {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
  };
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (err) {
    return errorText(err);
  } finally {
    console.warn = original;
  }
  if (ok) return null;
  const detail = warnings.find((w) => !/^Initialization of backend .* failed$/.test(w.trim()));
  return detail ? firstLine(detail) : `tf.setBackend('${name}') returned false`;
}

interface Probe {
  reason: string | null;
  adapter: AdapterInfo | null;
}

/** Ask for the adapter ourselves first, to report what it is and to fail with a clear reason. */
async function probeWebGpu(): Promise<Probe> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) {
    return {
      reason: 'navigator.gpu is missing (this browser has no WebGPU, or it is disabled)',
      adapter: null,
    };
  }
  let raw: GpuAdapterLike | null;
  try {
    raw = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return { reason: `requestAdapter() threw: ${errorText(err)}`, adapter: null };
  }
  if (!raw) {
    return {
      reason: 'navigator.gpu.requestAdapter() returned no adapter (no usable GPU, or WebGPU is blocked)',
      adapter: null,
    };
  }
  return { reason: null, adapter: readAdapterInfo(raw.info, raw.isFallbackAdapter) };
}

/** The WebGL renderer's name (unmasked where the browser allows), or null without WebGL. */
function webglRenderer(): string | null {
  if (typeof OffscreenCanvas === 'undefined') return null;
  const canvas = new OffscreenCanvas(1, 1);
  const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
  if (!gl) return null;
  try {
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
  } finally {
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}

/** The device that runs a GPU backend in software, or null when it is hardware (or unknown). */
function softwareDevice(backend: BackendName, adapter: AdapterInfo | null): string | null {
  if (backend === 'webgpu') {
    if (!adapter?.software) return null;
    return `${adapterLabel(adapter)}${adapter.isFallbackAdapter ? ', a fallback adapter' : ''}`;
  }
  if (backend === 'webgl') {
    const renderer = webglRenderer();
    if (renderer === null || !isSoftwareRenderer(renderer)) return null;
    // ANGLE's full renderer string is long; the software's own name says enough.
    const name = /swiftshader|llvmpipe|lavapipe|softpipe/i.exec(renderer)?.[0];
    return name ? `the ${name} renderer` : renderer;
  }
  return null;
}

async function tryBackend(name: BackendName): Promise<string | null> {
  if (name === 'webgl' && typeof OffscreenCanvas === 'undefined') {
    return 'OffscreenCanvas is missing, so WebGL cannot run in a worker';
  }
  const failure = await setBackendExplained(name);
  if (failure !== null) return failure;
  try {
    return await sanityCheck();
  } catch (err) {
    return `sanity op failed: ${errorText(err)}`;
  }
}

/**
 * Picks the best backend that works; `requested` is the page's `?backend=` value, if any.
 * A GPU backend that runs in software gives way to wasm unless the page asked for it;
 * it is still used when only cpu would remain.
 */
export async function selectBackend(requested: string | null | undefined, requestedThreads?: string | null): Promise<InitResult> {
  const plan = planBackends(requested);
  const isolated = globalThis.crossOriginIsolated === true;
  const threadChoice = chooseWasmThreads({
    isolated,
    cores: navigator.hardwareConcurrency || 0,
    requested: requestedThreads ?? null,
    // Probed only where threads are possible at all.
    blobWorkers: isolated ? await canStartBlobWorkers() : true,
  });
  prepareWasmThreads(threadChoice.threads);
  const attempts: BackendAttempt[] = [...plan.skipped];
  const deferred: BackendName[] = [];
  let adapter: AdapterInfo | null = null;
  let chosen: BackendName | null = null;

  const chain = [...plan.chain];
  for (let i = 0; i < chain.length; i++) {
    const backend = chain[i];
    if (backend === 'cpu' && deferred.length > 0) {
      // Nothing faster worked: a software GPU still beats plain JavaScript.
      chain.splice(i, 0, ...deferred.splice(0));
      i--;
      continue;
    }
    let reason: string | null = null;
    if (backend === 'webgpu') {
      const probe = await probeWebGpu();
      adapter = probe.adapter;
      reason = probe.reason;
    }
    if (reason === null && !attempts.some((a) => a.backend === backend)) {
      const device = softwareDevice(backend, adapter);
      if (device !== null && skipSoftwareGpu(backend, true, plan)) {
        attempts.push(softwareSkip(backend, device));
        deferred.push(backend);
        continue;
      }
    }
    if (reason === null) reason = await tryBackend(backend);
    // A deferred software backend tried after all: its outcome replaces the skip.
    const skip = attempts.findIndex((a) => a.backend === backend && a.softwareDevice !== undefined);
    if (skip >= 0) attempts.splice(skip, 1);
    attempts.push({ backend, outcome: reason === null ? 'ok' : 'failed', reason: reason ?? '' });
    if (reason === null) {
      chosen = backend;
      break;
    }
  }
  if (chosen === null) {
    const why = attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ');
    throw new Error(`No tfjs backend works in this browser (${why}).`);
  }
  const backend = chosen;
  const missingTrainingKernels = TRAINING_KERNELS.filter((kernel) => tf.getKernel(kernel, backend) === undefined);
  const threads = backend === 'wasm' ? { ...threadChoice, threads: wasmThreadsInUse() } : null;
  const wasmThreads: WasmThreads | null = threads ? { ...threads, label: threadLabel(threads) } : null;
  const note = describeChoice(backend, attempts, adapter, plan, missingTrainingKernels);
  return {
    backend,
    attempts,
    adapter,
    missingTrainingKernels,
    note: wasmThreads ? `${note} ${describeThreads(wasmThreads)}` : note,
    wasmThreads,
    requested: plan.requested,
    tfjsVersion: tf.version.tfjs,
  };
}
