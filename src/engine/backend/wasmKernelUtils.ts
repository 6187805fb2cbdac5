/**
 * What the wasm kernels of this folder share: their argument type, views of the
 * wasm heap, calls into wasm's own kernels, and the registry of kernels they
 * replace (kept so a replacement can fall back to the original).
 * Browser-safe: no Node imports.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export const BACKEND = 'wasm';

export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs: tf.NamedAttrMap;
}

export type WasmKernel = (args: KernelArgs) => tf.TensorInfo;

export function f32(backend: BackendWasm, t: tf.TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`wasm training kernels need float32 tensors, got ${t.dtype}`);
  // A view, not a copy: it is invalidated by any later allocation that grows the heap.
  return backend.typedArrayFromHeap(t) as Float32Array;
}

export function input(kernel: string, inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const t = inputs[name];
  if (t == null) throw new Error(`${kernel}: missing input '${name}'`);
  return t;
}

/** Runs the kernel registered now under `name` (ours where we replaced it). */
export function runWasmKernel(name: string, backend: BackendWasm, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): tf.TensorInfo {
  const kernel = tf.getKernel(name, BACKEND);
  if (kernel == null) throw new Error(`wasm backend has no '${name}' kernel`);
  return kernel.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
}

/** wasm's own kernels that ours replace, kept for the cases ours do not cover. */
const replaced = new Map<string, tf.KernelFunc>();

export function rememberReplaced(name: string, kernelFunc: tf.KernelFunc): void {
  replaced.set(name, kernelFunc);
}

/** Runs wasm's own kernel that ours replaced under `name`. */
export function runReplaced(name: string, args: KernelArgs): tf.TensorInfo {
  const original = replaced.get(name);
  if (original == null) throw new Error(`${name}: unsupported attributes on wasm`);
  return original(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}

/** A view of the same data under another shape; the caller must not dispose it. */
export function view(t: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}
