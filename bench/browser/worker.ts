/**
 * The bench page's worker: initialises the requested tfjs backend the way the
 * studio's worker does, then trains with the engine's loop and times the
 * pruned and unpruned models (bench/speed/probe.ts).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { registerWasmTrainingKernels } from '../../src/engine/backend/wasmTraining';
import { measurePruningLatency, measureTraining } from '../speed/probe';
import type { BenchReply, BenchRequest } from './protocol';

setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd });
// As in the studio: threads need cross-origin isolation, and gain little here.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
registerWasmTrainingKernels();

/** The worker scope, typed without the WebWorker lib (the bench compiles against the DOM lib). */
const scope = self as unknown as { postMessage(message: BenchReply): void; onmessage: ((event: MessageEvent<BenchRequest>) => void) | null };

interface GpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  description?: string;
}
interface GpuLike {
  requestAdapter(): Promise<{ info?: GpuAdapterInfo; isFallbackAdapter?: boolean } | null>;
}

async function describeAdapter(): Promise<string | undefined> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) return 'navigator.gpu is missing';
  const adapter = await gpu.requestAdapter();
  if (!adapter) return 'no WebGPU adapter';
  const info = adapter.info ?? {};
  return `adapter: ${[info.vendor, info.architecture, info.description].filter(Boolean).join(' / ') || 'unnamed'}${adapter.isFallbackAdapter ? ' (fallback)' : ''}`;
}

async function run(request: BenchRequest): Promise<BenchReply> {
  const note = request.backend === 'webgpu' ? await describeAdapter() : undefined;
  try {
    if (!(await tf.setBackend(request.backend))) return { ok: false, error: `tfjs backend '${request.backend}' failed to initialise`, note };
    await tf.ready();
    const training = await measureTraining(request);
    const latency = await measurePruningLatency({ batchSizes: request.latencyBatchSizes, runs: request.latencyRuns });
    return { ok: true, backend: tf.getBackend(), training, latency, note };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error), note };
  }
}

scope.onmessage = (event) => {
  void run(event.data).then((reply) => scope.postMessage(reply));
};
