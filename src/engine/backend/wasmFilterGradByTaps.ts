/**
 * The filter gradient of a stride-1 convolution as one matrix product per
 * filter tap, all against the same packed operand. Laid out on the padded grid
 * [N, Hp, Wp] (Hp = OH + KH − 1, Wp = OW + KW − 1), tap (kh, kw) pairs dy at
 * grid position p with x at p + kh·Wp + kw, so with x channel-major
 * ([CI, N·Hp·Wp], zeros in the padding) and dy on the grid ([N·Hp·Wp, CO],
 * zeros off its OH×OW corner):
 *
 *   dW[kh, kw] = X[:, o : o + N·Hp·Wp] · dY,   o = kh·Wp + kw,
 *
 * where the shifted X is X's own memory read from offset o (a row's tail runs
 * into the next channel's plane, or into a zero tail after the last one, and
 * meets only dy's zeros). XNNPACK's GEMM packs dY once (its operator is cached
 * by dY's data) and each product reads X in place. The forward-convolution
 * form (wasmTraining.ts) packs dy as a filter of OH×OW taps instead, serially
 * and slowly, and transposes both operands on one thread.
 * Browser-safe: no Node imports.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { ConvGeometry } from './kernelMath';
import { f32, runWasmKernel } from './wasmKernelUtils';

/** A tensor over `count` floats of `t`'s memory from float `offset` on; release it with releaseWindow. */
function memoryWindow(backend: BackendWasm, t: tf.TensorInfo, offset: number, shape: number[]): tf.TensorInfo {
  return backend.makeOutput(shape, 'float32', backend.getMemoryOffset(t.dataId) + 4 * offset);
}

/** Unregisters a window without freeing the memory it borrows (free(0) does nothing). */
function releaseWindow(backend: BackendWasm, window: tf.TensorInfo): void {
  const data = backend.dataIdMap.get(window.dataId);
  if (data != null) data.memoryOffset = 0;
  backend.disposeData(window.dataId);
}

/** dW [KH, KW, CI, CO] of a stride-1, dilation-1 convolution; null where its padding does not fit the grid. */
export function filterGradientByTaps(backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo | null {
  const { batch: N, inHeight: H, inWidth: W, inChannels: CI, outChannels: CO, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW, padTop: top, padLeft: left } = g;
  const Hp = OH + KH - 1;
  const Wp = OW + KW - 1;
  if (top < 0 || left < 0 || Hp - H - top < 0 || Wp - W - left < 0) return null;
  const plane = N * Hp * Wp;
  const tail = (KH - 1) * Wp + KW - 1;
  const planes = backend.makeOutput([CI * plane + tail], 'float32');
  const grid = backend.makeOutput([plane, CO], 'float32');
  const dw = backend.makeOutput([KH, KW, CI, CO], 'float32');
  // Views after every allocation: an allocation may move the heap.
  layOutChannelMajor(f32(backend, x), g, Hp, Wp, f32(backend, planes));
  layOutOnGrid(f32(backend, dy), N, OH, OW, CO, Hp, Wp, f32(backend, grid));
  try {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const shifted = memoryWindow(backend, planes, kh * Wp + kw, [CI, plane]);
        const product = runWasmKernel('BatchMatMul', backend, { a: shifted, b: grid }, { transposeA: false, transposeB: false });
        releaseWindow(backend, shifted);
        f32(backend, dw).set(f32(backend, product), (kh * KW + kw) * CI * CO);
        backend.disposeData(product.dataId);
      }
    }
  } finally {
    backend.disposeData(planes.dataId);
    backend.disposeData(grid.dataId);
  }
  return dw;
}

/** x [N, H, W, CI] → [CI, N, Hp, Wp] with x at (top, left) of each image, zeros elsewhere and in the tail. */
function layOutChannelMajor(x: Float32Array, g: ConvGeometry, Hp: number, Wp: number, out: Float32Array): void {
  const { batch: N, inHeight: H, inWidth: W, inChannels: CI, padTop: top, padLeft: left } = g;
  const plane = N * Hp * Wp;
  out.fill(0);
  let src = 0;
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < H; h++) {
      const rowStart = (n * Hp + h + top) * Wp + left;
      for (let w = 0; w < W; w++, src += CI) {
        let dst = rowStart + w;
        for (let c = 0; c < CI; c++, dst += plane) out[dst] = x[src + c];
      }
    }
  }
}

/** dy [N, OH, OW, CO] → [N, Hp, Wp, CO] at the top left of each image, zeros elsewhere. */
function layOutOnGrid(dy: Float32Array, N: number, OH: number, OW: number, CO: number, Hp: number, Wp: number, out: Float32Array): void {
  out.fill(0);
  const row = OW * CO;
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < OH; i++) {
      const src = (n * OH + i) * row;
      out.set(dy.subarray(src, src + row), (n * Hp + i) * Wp * CO);
    }
  }
}
