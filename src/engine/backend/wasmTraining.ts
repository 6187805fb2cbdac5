/**
 * Training kernels for tfjs's `wasm` backend. It ships without Conv2DBackpropFilter and
 * the two depthwise backprop kernels, so training a CNN on it fails; these supply them.
 * Three of its own kernels are replaced too, being slow generic loops that dominated a
 * training step: Conv2DBackpropInput (rewritten onto XNNPACK's convolution, ~8× faster),
 * MaxPoolGrad and Tile (batch-norm gradients tile every step).
 *
 * Kernels, not gradient overrides: they apply to the wasm backend only, leave every
 * other backend's behaviour untouched, and serve Conv2D, FusedConv2D,
 * DepthwiseConv2dNative and FusedDepthwiseConv2D gradients alike. The heavy products
 * run in wasm's own XNNPACK kernels (BatchMatMul, Conv2D); data rearrangement and
 * the cheap depthwise sums run in JS on views of the wasm heap.
 *
 * Browser-safe: no Node imports.
 */
import * as tf from '@tensorflow/tfjs';
// Imported for its side effect: the wasm kernels must be registered before ours
// replace one of them, whatever order the app imports modules in.
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  BACKEND,
  type KernelArgs,
  f32,
  input,
  rememberReplaced,
  runReplaced,
  runWasmKernel,
} from './wasmKernelUtils';
import {
  type ConvGeometry,
  type PoolGeometry,
  depthwiseFilterGrad,
  depthwiseInputGrad,
  dilate,
  flipFilter,
  im2colTransposed,
  maxPoolBackprop,
  maxPoolBackpropChannelsInner,
  tileInto,
} from './kernelMath';
import { wasmTrainingConfig } from './wasmKernelConfig';
import { batchNormAsDepthwise } from './wasmBatchNorm';
import { addWide, multiplyWide, realDivWide, subWide } from './wasmBroadcast';
import { filterGradientByTaps } from './wasmFilterGradByTaps';
import { sharedIdentity } from './wasmIdentity';
import { stridedInputGradient } from './wasmStridedInputGrad';
import { batchMatMulTransposed } from './wasmMatMul';
import { meanLeading, sumLeading } from './wasmReduce';
import { contiguousSlice, contiguousSplit } from './wasmSlice';

type Shape4 = [number, number, number, number];
type Pad = tf.Conv2DBackpropFilterAttrs['pad'];
type Rounding = tf.Conv2DBackpropFilterAttrs['dimRoundingMode'];

export { wasmTrainingConfig } from './wasmKernelConfig';

function assertChannelsLast(kernel: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`${kernel} on wasm supports dataFormat 'NHWC' only, got '${String(dataFormat)}'`);
  }
}

function geometry(
  inShape: Shape4,
  filterShape: Shape4,
  strides: number | [number, number],
  dilations: number | [number, number],
  pad: Pad,
  rounding: Rounding,
  depthwise: boolean,
): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(inShape, filterShape, strides, dilations, pad, rounding, depthwise);
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: filterShape[3],
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

function assertDyShape(
  kernel: string,
  dy: tf.TensorInfo,
  g: Pick<ConvGeometry, 'batch' | 'outHeight' | 'outWidth'>,
  outChannels: number,
): void {
  const want = [g.batch, g.outHeight, g.outWidth, outChannels];
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== want[i])) {
    throw new Error(`${kernel}: dy has shape [${dy.shape.join(',')}], expected [${want.join(',')}]`);
  }
}

// ---------------------------------------------------------------- Conv2DBackpropFilter

/** dW = im2col(x)ᵀ · dy, over chunks of the batch that keep the patch matrix bounded. */
function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const x = input('Conv2DBackpropFilter', inputs, 'x');
  const dy = input('Conv2DBackpropFilter', inputs, 'dy');
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  assertChannelsLast('Conv2DBackpropFilter', dataFormat);
  const g = geometry(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode, false);
  const outChannels = filterShape[3];
  assertDyShape('Conv2DBackpropFilter', dy, g, outChannels);

  const stride1 = g.strideHeight === 1 && g.strideWidth === 1;
  if (wasmTrainingConfig.fast.filterGradientByTaps && stride1 && g.inChannels >= 2 && g.inChannels * outChannels <= 256) {
    const dw = filterGradientByTaps(backend, x, dy, g);
    if (dw != null) return dw;
  }
  if (wasmTrainingConfig.fast.filterGradientAsConv && g.inChannels >= 8 && stride1) {
    const dw = filterGradientAsConv(backend, x, dy, g);
    if (dw != null) return dw;
  }
  const imageBytes = 4 * g.filterHeight * g.filterWidth * g.inChannels * g.outHeight * g.outWidth;
  const chunk = Math.max(1, Math.min(g.batch, Math.floor(wasmTrainingConfig.maxPatchBytes / imageBytes)));
  const xT = channelMajor(backend, x);
  try {
    if (chunk === g.batch) {
      const product = patchGemm(backend, xT, dy, g, 0, g.batch);
      return { dataId: product.dataId, shape: filterShape, dtype: 'float32' };
    }
    return chunkedPatchGemm(backend, xT, dy, g, chunk, filterShape);
  } finally {
    if (xT !== x) backend.disposeData(xT.dataId);
  }
}

/**
 * dW as one forward convolution on XNNPACK: the input's channels become the
 * batch and its batch the channels ([CI, H, W, N]), dy is the filter
 * ([OH, OW, N, CO]), so the output [CI, KH, KW, CO] holds
 * Σ x[n, kh + oh − top, kw + ow − left, ci] · dy[n, oh, ow, co]. Faster than
 * im2col where the input has many channels; with 1–3 the im2col GEMM wins.
 * Null where the padding this needs is negative.
 */
function filterGradientAsConv(backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo | null {
  const bottom = g.filterHeight + g.outHeight - 1 - g.inHeight - g.padTop;
  const right = g.filterWidth + g.outWidth - 1 - g.inWidth - g.padLeft;
  if (bottom < 0 || right < 0) return null;
  const xT = runWasmKernel('Transpose', backend, { x }, { perm: [3, 1, 2, 0] });
  const dyT = runWasmKernel('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] });
  const product = runWasmKernel('Conv2D', backend, { x: xT, filter: dyT }, {
    strides: [1, 1],
    dilations: [1, 1],
    pad: [[0, 0], [g.padTop, bottom], [g.padLeft, right], [0, 0]],
    dataFormat: 'NHWC',
  });
  backend.disposeData(xT.dataId);
  backend.disposeData(dyT.dataId);
  const dw = runWasmKernel('Transpose', backend, { x: product }, { perm: [1, 2, 0, 3] });
  backend.disposeData(product.dataId);
  return dw;
}

/** NHWC → [C, N, H, W] on wasm's Transpose kernel; a no-op when C = 1. */
function channelMajor(backend: BackendWasm, x: tf.TensorInfo): tf.TensorInfo {
  if (x.shape[3] === 1) return x;
  return runWasmKernel('Transpose', backend, { x }, { perm: [3, 0, 1, 2] });
}

function chunkedPatchGemm(
  backend: BackendWasm,
  xT: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: ConvGeometry,
  chunk: number,
  filterShape: Shape4,
): tf.TensorInfo {
  const outChannels = filterShape[3];
  const pixels = g.outHeight * g.outWidth;
  const sum = new Float32Array(g.filterHeight * g.filterWidth * g.inChannels * outChannels);
  for (let n0 = 0; n0 < g.batch; n0 += chunk) {
    const count = Math.min(chunk, g.batch - n0);
    const dyPart = backend.makeOutput([count * pixels, outChannels], 'float32');
    const dyOffset = n0 * pixels * outChannels;
    f32(backend, dyPart).set(f32(backend, dy).subarray(dyOffset, dyOffset + count * pixels * outChannels));
    const product = patchGemm(backend, xT, dyPart, g, n0, count);
    backend.disposeData(dyPart.dataId);
    const part = f32(backend, product);
    for (let i = 0; i < sum.length; i++) sum[i] += part[i];
    backend.disposeData(product.dataId);
  }
  return backend.makeOutput(filterShape, 'float32', undefined, sum);
}

/**
 * im2colᵀ of images [n0, n0+count) times their dy rows (`dyRows`, whose data starts at
 * image n0), via XNNPACK's GEMM: [rows, outChannels].
 */
function patchGemm(
  backend: BackendWasm,
  xT: tf.TensorInfo,
  dyRows: tf.TensorInfo,
  g: ConvGeometry,
  n0: number,
  count: number,
): tf.TensorInfo {
  const rows = g.filterHeight * g.filterWidth * g.inChannels;
  const cols = count * g.outHeight * g.outWidth;
  const outChannels = dyRows.shape[dyRows.shape.length - 1];
  const patches = backend.makeOutput([rows, cols], 'float32');
  im2colTransposed(f32(backend, xT), g, n0, count, f32(backend, patches));
  // Same data, viewed as a matrix; BatchMatMul only reads it.
  const b: tf.TensorInfo = { dataId: dyRows.dataId, shape: [cols, outChannels], dtype: 'float32' };
  const product = runWasmKernel('BatchMatMul', backend, { a: patches, b }, { transposeA: false, transposeB: false });
  backend.disposeData(patches.dataId);
  return product;
}

// ---------------------------------------------------------------- Conv2DBackpropInput

/**
 * dx = conv(dilate(dy), rot180(W)ᵀ) with stride 1, on XNNPACK; strided, one such
 * convolution per output phase where wasmTrainingConfig.fast.stridedInputGradByPhase is
 * on (wasmStridedInputGrad.ts). Falls back to wasm's own kernel where the rewrite does
 * not apply (NCHW, padding wider than the filter).
 */
function conv2DBackpropInput(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = input('Conv2DBackpropInput', inputs, 'dy');
  const filter = input('Conv2DBackpropInput', inputs, 'filter');
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const fallback = () => runReplaced('Conv2DBackpropInput', args);
  if (dataFormat !== undefined && dataFormat !== 'NHWC') return fallback();
  const g = geometry(inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode, false);
  const pads = transposedConvPads(g);
  if (pads.some((p) => p < 0)) return fallback();
  assertDyShape('Conv2DBackpropInput', dy, g, filter.shape[3]);

  const strided = g.strideHeight > 1 || g.strideWidth > 1;
  if (strided && wasmTrainingConfig.fast.stridedInputGradByPhase) return stridedInputGradient(backend, dy, filter, g);
  const [KH, KW, CI, CO] = filter.shape;
  const flipped = backend.makeOutput([KH, KW, CO, CI], 'float32');
  flipFilter(f32(backend, filter), filter.shape, f32(backend, flipped));
  const spread = dilatedDy(backend, dy, g);
  const [top, bottom, left, right] = pads;
  const dx = runWasmKernel('Conv2D', backend, { x: spread, filter: flipped }, {
    strides: [1, 1],
    dilations: [1, 1],
    pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
    dataFormat: 'NHWC',
  });
  backend.disposeData(flipped.dataId);
  if (spread !== dy) backend.disposeData(spread.dataId);
  return dx;
}

/**
 * Padding of the stride-1 conv over the dilated dy that yields exactly the input
 * extent: [top, bottom, left, right].
 */
function transposedConvPads(g: ConvGeometry): [number, number, number, number] {
  const along = (size: number, outSize: number, k: number, stride: number, before: number): [number, number] => {
    const spread = (outSize - 1) * stride + 1;
    const head = k - 1 - before;
    return [head, size + k - 1 - head - spread];
  };
  const [top, bottom] = along(g.inHeight, g.outHeight, g.filterHeight, g.strideHeight, g.padTop);
  const [left, right] = along(g.inWidth, g.outWidth, g.filterWidth, g.strideWidth, g.padLeft);
  return [top, bottom, left, right];
}

function dilatedDy(backend: BackendWasm, dy: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo {
  if (g.strideHeight === 1 && g.strideWidth === 1) return dy;
  const [N, OH, OW, C] = dy.shape;
  const shape = [N, (OH - 1) * g.strideHeight + 1, (OW - 1) * g.strideWidth + 1, C];
  const out = backend.makeOutput(shape, 'float32');
  dilate(f32(backend, dy), dy.shape, g.strideHeight, g.strideWidth, f32(backend, out));
  return out;
}

// ---------------------------------------------------------------- depthwise

function depthwiseBackpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const x = input('DepthwiseConv2dNativeBackpropFilter', inputs, 'x');
  const dy = input('DepthwiseConv2dNativeBackpropFilter', inputs, 'dy');
  const { strides, dilations, pad, dimRoundingMode, filterShape } =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const g = geometry(x.shape as Shape4, filterShape, strides, dilations, pad, dimRoundingMode, true);
  assertDyShape('DepthwiseConv2dNativeBackpropFilter', dy, g, g.inChannels * g.outChannels);
  const out = backend.makeOutput(filterShape, 'float32');
  depthwiseFilterGrad(f32(backend, x), f32(backend, dy), g, f32(backend, out));
  return out;
}

function depthwiseBackpropInput({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const dy = input('DepthwiseConv2dNativeBackpropInput', inputs, 'dy');
  const filter = input('DepthwiseConv2dNativeBackpropInput', inputs, 'filter');
  const { strides, dilations, pad, dimRoundingMode, inputShape } =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const g = geometry(inputShape, filter.shape as Shape4, strides, dilations, pad, dimRoundingMode, true);
  assertDyShape('DepthwiseConv2dNativeBackpropInput', dy, g, g.inChannels * g.outChannels);
  const out = backend.makeOutput(inputShape, 'float32');
  depthwiseInputGrad(f32(backend, dy), f32(backend, filter), g, f32(backend, out));
  return out;
}

// ---------------------------------------------------------------- MaxPoolGrad

/**
 * wasm's MaxPoolGrad is a slow generic loop and routes the gradient of a window with no
 * positive value nowhere; this one sends it to the window's first maximum, like cpu
 * (channels innermost where wasmTrainingConfig.fast.maxPoolGradChannelsInner is on).
 */
function maxPoolGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const dy = input('MaxPoolGrad', inputs, 'dy');
  const x = input('MaxPoolGrad', inputs, 'input');
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(x.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
  const g: PoolGeometry = {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    channels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
  assertDyShape('MaxPoolGrad', dy, g, g.channels);
  const dx = backend.makeOutput(x.shape, 'float32');
  const backprop = wasmTrainingConfig.fast.maxPoolGradChannelsInner ? maxPoolBackpropChannelsInner : maxPoolBackprop;
  backprop(f32(backend, x), f32(backend, dy), g, f32(backend, dx));
  return dx;
}

// ---------------------------------------------------------------- Tile

/**
 * wasm's Tile computes every output index separately; batch-norm gradients tile a
 * [1, 1, 1, C] vector to the full activation shape every step, so block copies pay off.
 */
function tile(args: KernelArgs): tf.TensorInfo {
  const x = input('Tile', args.inputs, 'x');
  const { reps } = args.attrs as unknown as tf.TileAttrs;
  if (x.dtype === 'string' || x.dtype === 'complex64') return runReplaced('Tile', args);
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = args.backend.makeOutput(outShape, x.dtype);
  const heap = (t: tf.TensorInfo) => args.backend.typedArrayFromHeap(t) as Float32Array | Int32Array | Uint8Array;
  tileInto(heap(x), x.shape, reps, heap(out));
  return out;
}

// ---------------------------------------------------------------- registration

const KERNELS: ReadonlyArray<[string, (args: KernelArgs) => tf.TensorInfo]> = [
  ['Conv2DBackpropFilter', conv2DBackpropFilter],
  ['Conv2DBackpropInput', conv2DBackpropInput],
  ['DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilter],
  ['DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInput],
  ['MaxPoolGrad', maxPoolGrad],
  ['Tile', tile],
  ['Identity', sharedIdentity],
  ['Sum', sumLeading],
  ['Mean', meanLeading],
  ['BatchMatMul', batchMatMulTransposed],
  ['FusedBatchNorm', batchNormAsDepthwise],
  ['Slice', contiguousSlice],
  ['SplitV', contiguousSplit as unknown as (args: KernelArgs) => tf.TensorInfo],
  ['Add', addWide],
  ['Sub', subWide],
  ['Multiply', multiplyWide],
  ['RealDiv', realDivWide],
];

/**
 * Registers the training kernels for the `wasm` backend. Idempotent; call it before
 * training on wasm (before or after the backend is initialized).
 */
export function registerWasmTrainingKernels(): void {
  for (const [kernelName, impl] of KERNELS) {
    const kernelFunc = impl as unknown as tf.KernelFunc;
    const existing = tf.getKernel(kernelName, BACKEND);
    if (existing?.kernelFunc === kernelFunc) continue;
    if (existing != null) {
      rememberReplaced(kernelName, existing.kernelFunc);
      tf.unregisterKernel(kernelName, BACKEND);
    }
    // Keep the replaced kernel's setup (its wasm bindings) so the fallback works.
    tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc, setupFunc: existing?.setupFunc });
  }
}
