import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { withNodeWasmThreads } from './nodeWasmThreads';
import { registerWasmTrainingKernels } from './wasmTraining';

export type NodeBackendName = 'wasm' | 'cpu';

/** The wasm backend starts once per process; its threads are fixed then. */
let wasmStarted = false;

/** Directory holding the tfjs-backend-wasm `.wasm` binaries, with a trailing slash. */
function wasmBinaryDir(): string {
  const require = createRequire(import.meta.url);
  const binary = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
  return `${dirname(binary)}/`;
}

export interface NodeBackendOptions {
  /**
   * Threads for `wasm` (default 1: the plain SIMD build). More than one starts
   * the threaded build (nodeWasmThreads.ts); the bench measures it, the CLI
   * does not use it: on a busy 2-core machine its spinning pool slows steps down.
   * The wasm backend starts once per process, so the first call decides.
   */
  threads?: number;
}

/**
 * Selects and initializes a tfjs backend under Node.js and returns its name.
 * For `wasm` it also registers the kernels that training needs (see wasmTraining.ts).
 */
export async function useNodeBackend(name: NodeBackendName, { threads = 1 }: NodeBackendOptions = {}): Promise<string> {
  if (name === 'wasm') {
    if (!wasmStarted) {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
      if (threads > 1) setThreadsCount(threads);
      setWasmPaths(wasmBinaryDir());
    }
    registerWasmTrainingKernels();
  }
  const ok = name === 'wasm' && !wasmStarted && threads > 1
    ? await withNodeWasmThreads(threads, () => tf.setBackend(name))
    : await tf.setBackend(name);
  if (name === 'wasm' && ok) {
    wasmStarted = true;
    if (getThreadsCount() !== threads) {
      throw new Error(`the wasm backend runs on ${getThreadsCount()} thread(s), not ${threads}: it starts once per process, with the threads of the first call`);
    }
  }
  if (!ok) throw new Error(`tfjs backend '${name}' failed to initialize`);
  await tf.ready();
  return tf.getBackend();
}
