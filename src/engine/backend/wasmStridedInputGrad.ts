/**
 * The input gradient of a strided convolution as one stride-1 XNNPACK convolution per
 * output phase, instead of one over dy spread onto a zero grid (where, at stride 2,
 * three products in four meet an inserted zero).
 *
 * Along one axis, the input positions i with (i + pad) mod stride = r (the phase r)
 * receive gradient only from the filter taps k ≡ r (mod stride):
 * dx[q·stride + r − pad] = Σ_j dy[q − j] · w[r + j·stride], a stride-1 "full"
 * convolution of dy with the sub-filter of those taps. Each phase's result is
 * written into its positions of dx.
 * Browser-safe: no Node imports.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { ConvGeometry } from './kernelMath';
import { f32, runWasmKernel } from './wasmKernelUtils';

/** One phase along one axis: its filter taps and the dx positions it fills. */
export interface Phase {
  residue: number;
  /** Filter taps of this phase: residue, residue + stride, … < filter size. */
  taps: number;
  /** First and count of q, the dx position being q·stride + residue − pad. */
  first: number;
  count: number;
  /** Padding of dy before and after for the stride-1 convolution (≥ 0). */
  before: number;
  after: number;
  /** The convolution's output along this axis, and its leading entries that fall before q = first. */
  length: number;
  skip: number;
}

export function phase(residue: number, filterSize: number, stride: number, pad: number, inSize: number, outSize: number): Phase {
  const taps = residue < filterSize ? Math.ceil((filterSize - residue) / stride) : 0;
  const first = Math.ceil((pad - residue) / stride);
  const last = Math.floor((inSize - 1 + pad - residue) / stride);
  const count = Math.max(0, last - first + 1);
  // Exact padding may be negative (dy rows no position of this phase reads): pad 0 instead
  // and skip the extra outputs.
  const exactBefore = taps - 1 - first;
  const exactAfter = count + taps - 1 - outSize - exactBefore;
  const before = Math.max(0, exactBefore);
  const after = Math.max(0, exactAfter);
  return { residue, taps, first, count, before, after, length: outSize + before + after - taps + 1, skip: before - exactBefore };
}

/**
 * The phase's filter, rotated 180° with its channel axes swapped, as the stride-1
 * convolution over dy needs it: out[a, b, co, ci] = w[rh + sh·(TH−1−a), rw + sw·(TW−1−b), ci, co].
 */
export function phaseFilter(filter: Float32Array, shape: readonly number[], h: Phase, w: Phase, sh: number, sw: number, out: Float32Array): void {
  const [, KW, CI, CO] = shape;
  let o = 0;
  for (let a = 0; a < h.taps; a++) {
    const kh = h.residue + sh * (h.taps - 1 - a);
    for (let b = 0; b < w.taps; b++) {
      const kw = w.residue + sw * (w.taps - 1 - b);
      const src = (kh * KW + kw) * CI * CO;
      for (let co = 0; co < CO; co++) {
        for (let ci = 0; ci < CI; ci++) out[o++] = filter[src + ci * CO + co];
      }
    }
  }
}

/** Writes a phase's result [N, h.length, w.length, C] into its positions of dx [N, H, W, C]. */
export function scatterPhase(part: Float32Array, h: Phase, w: Phase, g: ConvGeometry, dx: Float32Array): void {
  const { batch: N, inHeight: H, inWidth: W, inChannels: C } = g;
  for (let n = 0; n < N; n++) {
    for (let a = 0; a < h.count; a++) {
      const ih = (h.first + a) * g.strideHeight + h.residue - g.padTop;
      let src = ((n * h.length + a + h.skip) * w.length + w.skip) * C;
      for (let b = 0; b < w.count; b++, src += C) {
        const iw = (w.first + b) * g.strideWidth + w.residue - g.padLeft;
        const dst = ((n * H + ih) * W + iw) * C;
        for (let c = 0; c < C; c++) dx[dst + c] = part[src + c];
      }
    }
  }
}

/** dx of a strided convolution, phase by phase. */
export function stridedInputGradient(backend: BackendWasm, dy: tf.TensorInfo, filter: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo {
  const along = (stride: number, k: number, pad: number, size: number, outSize: number) =>
    Array.from({ length: stride }, (_, r) => phase(r, k, stride, pad, size, outSize));
  const rows = along(g.strideHeight, g.filterHeight, g.padTop, g.inHeight, g.outHeight);
  const cols = along(g.strideWidth, g.filterWidth, g.padLeft, g.inWidth, g.outWidth);
  const used = (p: Phase) => p.count > 0 && p.taps > 0;

  const [, , CI, CO] = filter.shape;
  const dx = backend.makeOutput([g.batch, g.inHeight, g.inWidth, CI], 'float32');
  // Positions whose phase has no filter tap (a stride larger than the filter) keep 0.
  f32(backend, dx).fill(0);
  for (const h of rows.filter(used)) {
    for (const w of cols.filter(used)) {
      const sub = backend.makeOutput([h.taps, w.taps, CO, CI], 'float32');
      phaseFilter(f32(backend, filter), filter.shape, h, w, g.strideHeight, g.strideWidth, f32(backend, sub));
      const part = runWasmKernel('Conv2D', backend, { x: dy, filter: sub }, {
        strides: [1, 1],
        dilations: [1, 1],
        pad: [[0, 0], [h.before, h.after], [w.before, w.after], [0, 0]],
        dataFormat: 'NHWC',
      });
      backend.disposeData(sub.dataId);
      scatterPhase(f32(backend, part), h, w, g, f32(backend, dx));
      backend.disposeData(part.dataId);
    }
  }
  return dx;
}
