/**
 * The bench page's worker: initialises the requested tfjs backend the way the
 * studio's worker does, then trains with the engine's loop and times the
 * pruned and unpruned models (bench/speed/probe.ts).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { registerWasmTrainingKernels } from '../../src/engine/backend/wasmTraining';
import { adapterLabel, readAdapterInfo, type RawAdapterInfo } from '../../src/worker/backendChoice';
import { prepareWasmThreads, wasmThreadsInUse } from '../../src/worker/wasmThreads';
import { measurePruningLatency, measureTraining } from '../speed/probe';
import { profileTrainingStep } from '../speed/stepProfile';
import type { BenchReply, BenchRequest } from './protocol';

registerWasmTrainingKernels();

/** The worker scope, typed without the WebWorker lib (the bench compiles against the DOM lib). */
const scope = self as unknown as { postMessage(message: BenchReply): void; onmessage: ((event: MessageEvent<BenchRequest>) => void) | null };

interface GpuLike {
  requestAdapter(): Promise<{ info?: RawAdapterInfo; isFallbackAdapter?: boolean } | null>;
}

interface AdapterDescription {
  note: string;
  /** SwiftShader or a fallback adapter: WebGPU computed on the CPU. */
  software: boolean;
}

/** The WebGPU adapter, read as the studio's worker reads it; null without one. */
async function describeAdapter(): Promise<AdapterDescription | null> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  const adapter = gpu ? await gpu.requestAdapter() : null;
  if (!adapter) return null;
  const info = readAdapterInfo(adapter.info, adapter.isFallbackAdapter);
  return { note: `adapter: ${adapterLabel(info)}${info.isFallbackAdapter ? ' (fallback)' : ''}`, software: info.software };
}

async function run(request: BenchRequest): Promise<BenchReply> {
  const adapter = request.backend === 'webgpu' ? await describeAdapter() : null;
  const note = request.backend === 'webgpu' ? (adapter?.note ?? 'no WebGPU adapter') : undefined;
  if (request.hardwareGpu && (adapter === null || adapter.software)) {
    return { ok: false, error: `no hardware GPU (${note ?? `backend ${request.backend}`}): the GPU mode refuses software adapters such as SwiftShader`, note };
  }
  if (request.backend === 'wasm') {
    if (request.threads > 1 && !crossOriginIsolated) return { ok: false, error: `${request.threads} threads need a cross-origin-isolated page, and this one is not` };
    // Each run is a fresh page, so the build and its threads are chosen here, before the backend starts.
    prepareWasmThreads(request.threads);
  }
  try {
    if (!(await tf.setBackend(request.backend))) return { ok: false, error: `tfjs backend '${request.backend}' failed to initialise`, note };
    await tf.ready();
    const threads = request.backend === 'wasm' ? wasmThreadsInUse() : undefined;
    if (threads !== undefined && threads !== request.threads) return { ok: false, error: `the wasm backend runs on ${threads} thread(s), not ${request.threads}` };
    const training = await measureTraining(request);
    const latency = await measurePruningLatency({ batchSizes: request.latencyBatchSizes, runs: request.latencyRuns });
    const profile = request.profileSteps > 0 ? await profileTrainingStep(request.batchSize, request.profileSteps) : undefined;
    const wasmNote = threads === undefined ? undefined : `${threads} thread${threads === 1 ? '' : 's'}, page ${crossOriginIsolated ? '' : 'not '}cross-origin isolated`;
    return { ok: true, backend: tf.getBackend(), training, latency, profile, note: note ?? wasmNote, threads };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error), note };
  }
}

scope.onmessage = (event) => {
  void run(event.data).then((reply) => scope.postMessage(reply));
};
