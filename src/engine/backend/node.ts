import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasmTraining';

export type NodeBackendName = 'wasm' | 'cpu';

/** Directory holding the tfjs-backend-wasm `.wasm` binaries, with a trailing slash. */
function wasmBinaryDir(): string {
  const require = createRequire(import.meta.url);
  const binary = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
  return `${dirname(binary)}/`;
}

/**
 * Selects and initializes a tfjs backend under Node.js and returns its name.
 * For `wasm` it also registers the kernels that training needs (see wasmTraining.ts).
 */
export async function useNodeBackend(name: NodeBackendName): Promise<string> {
  if (name === 'wasm') {
    // Threads gain nothing on small machines and break inside bundles.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setWasmPaths(wasmBinaryDir());
    registerWasmTrainingKernels();
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs backend '${name}' failed to initialize`);
  await tf.ready();
  return tf.getBackend();
}
