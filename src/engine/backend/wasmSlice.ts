/**
 * Slice and SplitV where each piece is one contiguous run of the input, as
 * block copies from the wasm heap. wasm's own Slice first copies the whole
 * input out of the heap (readSync) for every piece, so splitting a flat
 * vector into k pieces copies it k times: 6 ms per step for the fused Adam's
 * split of the VGG's 100k parameters into 30 variables. Other slices, and
 * strings, go to wasm's own kernels.
 * Browser-safe: no Node imports.
 */
import * as tf from '@tensorflow/tfjs';
import { wasmTrainingConfig } from './wasmKernelConfig';
import { type KernelArgs, input, runReplaced } from './wasmKernelUtils';

type Heap = Float32Array | Int32Array | Uint8Array;

/** New tensors of `shapes`, each a copy of the contiguous run of `x` from element `starts[i]`. */
function copyPieces(args: KernelArgs, x: tf.TensorInfo, shapes: number[][], starts: number[]): tf.TensorInfo[] {
  const outs = shapes.map((shape) => args.backend.makeOutput(shape, x.dtype));
  // Views after every allocation: an allocation may grow the heap and detach older views.
  const heap = (t: tf.TensorInfo) => args.backend.typedArrayFromHeap(t) as Heap;
  const source = heap(x);
  outs.forEach((out, i) => {
    const target = heap(out);
    target.set(source.subarray(starts[i], starts[i] + target.length));
  });
  return outs;
}

export function contiguousSlice(args: KernelArgs): tf.TensorInfo {
  const x = input('Slice', args.inputs, 'x');
  const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
  if (!wasmTrainingConfig.fast.contiguousSlices || x.dtype === 'string' || x.dtype === 'complex64') return runReplaced('Slice', args);
  const [begin_, size_] = tf.slice_util.parseSliceParams(x, begin, size);
  if (!tf.slice_util.isSliceContinous(x.shape, begin_, size_)) return runReplaced('Slice', args);
  const start = tf.slice_util.computeFlatOffset(begin_, tf.util.computeStrides(x.shape));
  return copyPieces(args, x, [size_], [start])[0];
}

export function contiguousSplit(args: KernelArgs): tf.TensorInfo[] {
  const x = input('SplitV', args.inputs, 'x');
  const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
  const fits = wasmTrainingConfig.fast.contiguousSlices && x.dtype !== 'string' && x.dtype !== 'complex64';
  const $axis = tf.util.parseAxisParam(axis, x.shape)[0];
  if (!fits || x.shape.slice(0, $axis).some((d) => d !== 1)) return runReplaced('SplitV', args) as unknown as tf.TensorInfo[];
  const sizes = tf.backend_util.prepareSplitSize(x, numOrSizeSplits, $axis);
  const inner = x.shape.slice($axis + 1).reduce((a, b) => a * b, 1);
  const starts: number[] = [];
  sizes.reduce((offset, s) => (starts.push(offset), offset + s * inner), 0);
  return copyPieces(args, x, sizes.map((s) => x.shape.map((d, i) => (i === $axis ? s : d))), starts);
}
