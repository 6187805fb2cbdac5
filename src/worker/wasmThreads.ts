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
// The threaded build's JavaScript glue as the package ships it (unminified), served as a file of its own.
import threadedGlue from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?url';

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
  loadPthreadsFromGlueFile();
}

interface PthreadLoad {
  cmd: 'load';
  urlOrBlob: unknown;
}
const isPthreadLoad = (message: unknown): message is PthreadLoad =>
  typeof message === 'object' && message !== null && (message as { cmd?: unknown }).cmd === 'load' && 'urlOrBlob' in message;

/**
 * Each pthread worker loads the threaded build's glue code, then calls its
 * factory. tfjs hands it that code as a Blob of `factory.toString()`: the
 * factory's source cut from its closure. In a minified bundle that source
 * reads a variable of the closure that is gone in the pthread worker: the
 * minifier rewrote `typeof _scriptDir !== "undefined" && _scriptDir` into
 * `e !== void 0 && e` (it could see `e` declared), so every pthread worker
 * stops at "e is not defined" and the backend waits for them forever
 * (docs/DECISIONS.md, "Threads"). Emscripten lets the load message carry a URL
 * instead: the package's own glue file, which declares the factory globally.
 * Emscripten makes its workers with the global `Worker`, so the message is
 * changed on its way out; nothing else in this worker starts workers.
 */
function loadPthreadsFromGlueFile(): void {
  const glueUrl = new URL(threadedGlue, self.location.href).href;
  const NativeWorker = globalThis.Worker;
  if ((NativeWorker as { glueFile?: boolean }).glueFile) return;
  class PthreadWorker extends NativeWorker {
    static glueFile = true;
    override postMessage(message: unknown, options?: Transferable[] | StructuredSerializeOptions): void {
      const out = isPthreadLoad(message) && message.urlOrBlob instanceof Blob ? { ...message, urlOrBlob: glueUrl } : message;
      super.postMessage(out, options as StructuredSerializeOptions);
    }
  }
  globalThis.Worker = PthreadWorker;
}

/**
 * Whether this worker may start a worker from a blob: URL, as the threaded build does for each thread: a
 * tiny one that answers, or an error event where a Content-Security-Policy refuses it. A refused pthread
 * worker would leave the backend waiting for it forever.
 */
export function canStartBlobWorkers(): Promise<boolean> {
  const url = URL.createObjectURL(new Blob(['postMessage(0)'], { type: 'text/javascript' }));
  return new Promise((resolve) => {
    let worker: Worker | undefined;
    const settle = (ok: boolean): void => {
      worker?.terminate();
      URL.revokeObjectURL(url);
      resolve(ok);
    };
    try {
      worker = new Worker(url);
    } catch {
      settle(false);
      return;
    }
    worker.onmessage = () => settle(true);
    worker.onerror = () => settle(false);
  });
}

/** The threads XNNPACK runs on, once the wasm backend has initialised. */
export function wasmThreadsInUse(): number {
  return getThreadsCount();
}
