/**
 * The wasm backend's binaries and threads, for the studio's worker and the
 * bench page's worker. Vite fingerprints the binaries; setWasmPaths tells the
 * backend where they ended up.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
});

/**
 * Chooses the build before the wasm backend initialises: one thread, the
 * plain SIMD build (no pool of workers); more, the threaded SIMD build, which
 * needs a cross-origin-isolated page (threadChoice.ts decides).
 */
export function prepareWasmThreads(threads: number): void {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
  if (threads <= 1) return;
  setThreadsCount(threads);
  // The backend gives XNNPACK at most half the cores the browser reports, so two
  // threads on a 2-core machine would quietly be one: report enough for the count chosen.
  const cores = navigator.hardwareConcurrency || 1;
  if (cores < 2 * threads) Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
}

/** The threads XNNPACK runs on, once the wasm backend has initialised. */
export function wasmThreadsInUse(): number {
  return getThreadsCount();
}
