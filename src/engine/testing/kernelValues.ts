/** Helpers of the kernel tests: deterministic inputs, relative error, the wasm backend's live data. */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** Deterministic values in [-1, 1). */
export function pseudoRandom(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Largest |a − b| over the largest |b| (at least 1e-6). */
export function maxRelativeDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let scale = 1e-6;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / scale;
}

/** Data buffers the active backend holds: a kernel that leaks one shows here, not in tf.memory(). */
export function wasmDataIds(): number {
  return (tf.engine().backend as unknown as { numDataIds(): number }).numDataIds();
}
