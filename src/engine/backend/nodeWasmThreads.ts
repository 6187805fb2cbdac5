/**
 * The threaded wasm build under Node, for the bench (`node-wasm-2t`); the CLI
 * stays on one thread. As the package ships it, the build cannot start its
 * threads in Node:
 * - tfjs makes each pthread worker from a blob: URL of the worker script it
 *   carries, and Node's worker_threads.Worker takes only paths and file:/data:
 *   URLs: ERR_WORKER_PATH;
 * - each pthread worker then loads the glue code from a second blob: URL, which
 *   Emscripten's Node shim of importScripts reads with fs.readFileSync;
 * - tfjs gives XNNPACK at most half the cores os.cpus() lists, so two threads
 *   on a 2-core machine would quietly be one.
 * So, while the backend starts: worker_threads.Worker starts a blob: URL from
 * the script's text instead (`eval: true`), in which URL.createObjectURL
 * answers the package's glue file; and os.cpus() lists twice the threads.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface WorkerThreadsModule {
  Worker: new (filename: string | URL, options?: Record<string, unknown>) => object;
}
interface OsModule {
  cpus: () => unknown[];
}

/** The pthread worker's script as tfjs hands it to a browser, made to load the glue from its file. */
function pthreadWorkerSource(): string {
  const glue = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as { wasmWorkerContents: string };
  const loadGlueFromFile = `URL.createObjectURL=()=>${JSON.stringify(glue)};URL.revokeObjectURL=()=>{};`;
  // tfjs escapes the script's newlines the same way before it makes the blob.
  return wasmWorkerContents.replace(/\n/g, '\\n').replace(/^"use strict";/, `"use strict";${loadGlueFromFile}`);
}

/** Runs `start` (the wasm backend's initialisation) with the threaded build able to start `threads` threads in Node. */
export async function withNodeWasmThreads<T>(threads: number, start: () => Promise<T>): Promise<T> {
  const workerThreads = require('node:worker_threads') as WorkerThreadsModule;
  const os = require('node:os') as OsModule;
  const NodeWorker = workerThreads.Worker;
  const cpus = os.cpus;
  const source = pthreadWorkerSource();
  class PthreadWorker extends NodeWorker {
    constructor(filename: string | URL, options?: Record<string, unknown>) {
      if (String(filename).startsWith('blob:')) super(source, { ...options, eval: true });
      else super(filename, options);
    }
  }
  workerThreads.Worker = PthreadWorker;
  os.cpus = () => {
    const real = cpus();
    return Array.from({ length: Math.max(real.length, 2 * threads) }, (_, i) => real[i % real.length]);
  };
  try {
    return await start();
  } finally {
    // Emscripten keeps the Worker class it found at start (global.Worker) for the threads it adds later.
    workerThreads.Worker = NodeWorker;
    os.cpus = cpus;
  }
}
