/**
 * Typed-array building blocks for the wasm training kernels (NHWC, float32):
 * convolution gradients, max-pool gradient, tile.
 * Pure functions: no tfjs engine, no allocation of tensors, so they run on the
 * wasm heap views handed in by the kernels in wasmTraining.ts.
 */

/** The geometry of one 2-D convolution, forward direction (input x → output y). */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  /** Output channels of a regular conv; channel multiplier of a depthwise one. */
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

/**
 * Writes the transposed im2col matrix of images [n0, n0+count) into `out`, shaped
 * [filterHeight·filterWidth·inChannels, count·outHeight·outWidth] (row-major).
 * Row (kh, kw, ci) holds, for every output position, the input value that filter tap
 * meets there, or 0 in the padding. Then dW = out · dy, a single GEMM.
 *
 * `xT` is the input in channel-major layout [C, N, H, W]: each output row then reads
 * a contiguous (or strided) run of one image row, which is several times faster than
 * gathering one channel out of NHWC.
 */
export function im2colTransposed(
  xT: Float32Array,
  g: ConvGeometry,
  n0: number,
  count: number,
  out: Float32Array,
): void {
  const { batch: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, strideWidth: sw } = g;
  const cols = count * OH * OW;
  let row = 0;
  for (let kh = 0; kh < g.filterHeight; kh++) {
    for (let kw = 0; kw < g.filterWidth; kw++) {
      const dh = kh * g.dilationHeight - g.padTop;
      const dw = kw * g.dilationWidth - g.padLeft;
      const [owStart, owEnd] = validRange(dw, sw, W, OW);
      for (let c = 0; c < C; c++, row++) {
        let o = row * cols;
        for (let n = n0; n < n0 + count; n++) {
          const plane = (c * N + n) * H * W;
          for (let oh = 0; oh < OH; oh++, o += OW) {
            const ih = oh * g.strideHeight + dh;
            if (ih < 0 || ih >= H) {
              out.fill(0, o, o + OW);
              continue;
            }
            for (let ow = 0; ow < owStart; ow++) out[o + ow] = 0;
            for (let ow = owEnd; ow < OW; ow++) out[o + ow] = 0;
            let xi = plane + ih * W + owStart * sw + dw;
            for (let ow = owStart; ow < owEnd; ow++, xi += sw) out[o + ow] = xT[xi];
          }
        }
      }
    }
  }
}

/**
 * The output columns [start, end) whose input column `o·stride + offset` lies inside
 * [0, size). Computed once per filter tap so the inner loops carry no bounds checks.
 */
export function validRange(offset: number, stride: number, size: number, outSize: number): [number, number] {
  const start = Math.min(outSize, Math.max(0, Math.ceil(-offset / stride)));
  const end = Math.max(start, Math.min(outSize, Math.floor((size - 1 - offset) / stride) + 1));
  return [start, end];
}

/**
 * Rotates a conv filter by 180° and swaps its channel axes:
 * out[kh, kw, co, ci] = filter[KH-1-kh, KW-1-kw, ci, co].
 * Convolving dy with it (stride 1) gives dx, the input gradient.
 */
export function flipFilter(filter: Float32Array, shape: readonly number[], out: Float32Array): void {
  const [KH, KW, CI, CO] = shape;
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const src = ((KH - 1 - kh) * KW + (KW - 1 - kw)) * CI * CO;
      const dst = (kh * KW + kw) * CO * CI;
      for (let ci = 0; ci < CI; ci++) {
        for (let co = 0; co < CO; co++) out[dst + co * CI + ci] = filter[src + ci * CO + co];
      }
    }
  }
}

/**
 * Spreads dy [N, OH, OW, C] onto a zero grid [N, (OH-1)·sh+1, (OW-1)·sw+1, C], one
 * value every stride, so a strided conv's input gradient becomes a stride-1 conv.
 */
export function dilate(dy: Float32Array, shape: readonly number[], sh: number, sw: number, out: Float32Array): void {
  const [N, OH, OW, C] = shape;
  const DH = (OH - 1) * sh + 1;
  const DW = (OW - 1) * sw + 1;
  out.fill(0);
  let src = 0;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const rowBase = (n * DH + oh * sh) * DW;
      for (let ow = 0; ow < OW; ow++, src += C) {
        out.set(dy.subarray(src, src + C), (rowBase + ow * sw) * C);
      }
    }
  }
}

/**
 * Filter gradient of a depthwise conv: dW[kh, kw, c, m] = Σ x[n, ih, iw, c] · dy[n, oh, ow, c·M + m].
 * `out` has KH·KW·C·M entries.
 */
export function depthwiseFilterGrad(x: Float32Array, dy: Float32Array, g: ConvGeometry, out: Float32Array): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: M } = g;
  const CM = C * M;
  const acc = new Float64Array(g.filterHeight * g.filterWidth * CM);
  for (let kh = 0; kh < g.filterHeight; kh++) {
    for (let kw = 0; kw < g.filterWidth; kw++) {
      const dw = kw * g.dilationWidth - g.padLeft;
      const [owStart, owEnd] = validRange(dw, g.strideWidth, W, OW);
      const tap = (kh * g.filterWidth + kw) * CM;
      for (let n = 0; n < g.batch; n++) {
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * g.strideHeight + kh * g.dilationHeight - g.padTop;
          if (ih < 0 || ih >= H) continue;
          for (let ow = owStart; ow < owEnd; ow++) {
            const xi = ((n * H + ih) * W + ow * g.strideWidth + dw) * C;
            const di = ((n * OH + oh) * OW + ow) * CM;
            if (M === 1) {
              for (let c = 0; c < C; c++) acc[tap + c] += x[xi + c] * dy[di + c];
            } else {
              for (let c = 0; c < C; c++) {
                const xv = x[xi + c];
                for (let m = 0; m < M; m++) acc[tap + c * M + m] += xv * dy[di + c * M + m];
              }
            }
          }
        }
      }
    }
  }
  out.set(acc);
}

/**
 * Input gradient of a depthwise conv: dx[n, ih, iw, c] = Σ dy[n, oh, ow, c·M + m] · W[kh, kw, c, m]
 * over the taps that read (ih, iw). `out` has N·H·W·C entries.
 */
export function depthwiseInputGrad(dy: Float32Array, filter: Float32Array, g: ConvGeometry, out: Float32Array): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: M } = g;
  const CM = C * M;
  out.fill(0);
  for (let kh = 0; kh < g.filterHeight; kh++) {
    for (let kw = 0; kw < g.filterWidth; kw++) {
      const dw = kw * g.dilationWidth - g.padLeft;
      const [owStart, owEnd] = validRange(dw, g.strideWidth, W, OW);
      const tap = (kh * g.filterWidth + kw) * CM;
      for (let n = 0; n < g.batch; n++) {
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * g.strideHeight + kh * g.dilationHeight - g.padTop;
          if (ih < 0 || ih >= H) continue;
          for (let ow = owStart; ow < owEnd; ow++) {
            const xi = ((n * H + ih) * W + ow * g.strideWidth + dw) * C;
            const di = ((n * OH + oh) * OW + ow) * CM;
            if (M === 1) {
              for (let c = 0; c < C; c++) out[xi + c] += dy[di + c] * filter[tap + c];
            } else {
              for (let c = 0; c < C; c++) {
                let s = 0;
                for (let m = 0; m < M; m++) s += dy[di + c * M + m] * filter[tap + c * M + m];
                out[xi + c] += s;
              }
            }
          }
        }
      }
    }
  }
}

/**
 * Tiles `x` (row-major, `shape`) by `reps` into `out`, in place: the innermost axes are
 * expanded first, each step copying whole contiguous blocks, so the common training
 * case (broadcasting a [1, 1, 1, C] vector over [N, H, W, C]) is a handful of memcpys.
 */
export function tileInto<T extends Float32Array | Int32Array | Uint8Array>(
  x: T,
  shape: readonly number[],
  reps: readonly number[],
  out: T,
): void {
  out.set(x);
  // The buffer holds shape[0..i] × tiled trailing axes; `block` is the size of one row of axis i.
  let block = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    block *= shape[i];
    const rows = shape.slice(0, i).reduce((a, b) => a * b, 1);
    if (reps[i] > 1) repeatRows(out, rows, block, reps[i]);
    block *= reps[i];
  }
}

/** In place: [rows, block] → [rows, block·times], each row repeated `times` times. */
function repeatRows(buf: Float32Array | Int32Array | Uint8Array, rows: number, block: number, times: number): void {
  // Last row first, so no source row is overwritten before it is read.
  for (let r = rows - 1; r >= 0; r--) {
    const src = r * block;
    const dst = r * block * times;
    for (let k = times - 1; k >= 0; k--) {
      if (block < 16) {
        for (let j = block - 1; j >= 0; j--) buf[dst + k * block + j] = buf[src + j];
      } else {
        buf.copyWithin(dst + k * block, src, src + block);
      }
    }
  }
}

/** The geometry of one 2-D max pool (no dilation), forward direction. */
export interface PoolGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

/**
 * Max-pool gradient: each dy value goes to the first maximum of its window (row-major
 * order), as on tfjs's cpu backend. `out` (N·H·W·C entries) is overwritten.
 */
export function maxPoolBackprop(x: Float32Array, dy: Float32Array, g: PoolGeometry, out: Float32Array): void {
  const { inHeight: H, inWidth: W, channels: C, outHeight: OH, outWidth: OW } = g;
  out.fill(0);
  let di = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * g.strideHeight - g.padTop;
      const khStart = Math.max(0, -h0);
      const khEnd = Math.min(g.filterHeight, H - h0);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * g.strideWidth - g.padLeft;
        const kwStart = Math.max(0, -w0);
        const kwEnd = Math.min(g.filterWidth, W - w0);
        for (let c = 0; c < C; c++, di++) {
          let best = -Infinity;
          let where = -1;
          for (let kh = khStart; kh < khEnd; kh++) {
            let xi = ((n * H + h0 + kh) * W + w0 + kwStart) * C + c;
            for (let kw = kwStart; kw < kwEnd; kw++, xi += C) {
              if (x[xi] > best) {
                best = x[xi];
                where = xi;
              }
            }
          }
          if (where >= 0) out[where] += dy[di];
        }
      }
    }
  }
}

/**
 * The same gradient as maxPoolBackprop (each dy value to its window's first maximum in
 * row-major order, as on cpu), about twice as fast: channels innermost, so consecutive
 * iterations read consecutive floats, and the tap offsets of a window that lies wholly
 * inside the input computed once (2×2 windows, the common case, unrolled and without
 * branches). Windows clipped by padding take the plain loop. `out` (N·H·W·C entries) is
 * overwritten. A 2×2 window holding NaN may route differently from cpu's scan.
 */
export function maxPoolBackpropChannelsInner(x: Float32Array, dy: Float32Array, g: PoolGeometry, out: Float32Array): void {
  const { inHeight: H, inWidth: W, channels: C, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = g;
  const taps = new Int32Array(KH * KW);
  for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) taps[kh * KW + kw] = (kh * W + kw) * C;
  const [tap1, tap2, tap3] = [taps[1], taps[2], taps[3]];
  const tap32 = tap3 - tap2;
  const twoByTwo = KH === 2 && KW === 2;
  out.fill(0);
  let di = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * g.strideHeight - g.padTop;
      const rowsInside = h0 >= 0 && h0 + KH <= H;
      for (let ow = 0; ow < OW; ow++, di += C) {
        const w0 = ow * g.strideWidth - g.padLeft;
        if (!rowsInside || w0 < 0 || w0 + KW > W) {
          clippedWindow(x, dy, g, n, h0, w0, di, out);
          continue;
        }
        const corner = ((n * H + h0) * W + w0) * C;
        if (twoByTwo) {
          // Without branches: on real data which tap wins is a coin toss, and mispredicted
          // branches took ~4× the time. The first maximum of each pair, then the right
          // pair's only where strictly greater: the first maximum of the four.
          for (let c = 0; c < C; c++) {
            const p = corner + c;
            const left = +(x[p + tap1] > x[p]) * tap1;
            const right = tap2 + +(x[p + tap3] > x[p + tap2]) * tap32;
            out[p + left + +(x[p + right] > x[p + left]) * (right - left)] += dy[di + c];
          }
          continue;
        }
        for (let c = 0; c < C; c++) {
          const p = corner + c;
          let best = x[p];
          let where = p;
          for (let t = 1; t < taps.length; t++) {
            const v = x[p + taps[t]];
            if (v > best) { best = v; where = p + taps[t]; }
          }
          out[where] += dy[di + c];
        }
      }
    }
  }
}

/** One window that padding clips, for maxPoolBackpropChannelsInner: its in-bounds taps only. */
function clippedWindow(x: Float32Array, dy: Float32Array, g: PoolGeometry, n: number, h0: number, w0: number, di: number, out: Float32Array): void {
  const { inHeight: H, inWidth: W, channels: C } = g;
  const [hStart, hEnd] = [Math.max(0, h0), Math.min(H, h0 + g.filterHeight)];
  const [wStart, wEnd] = [Math.max(0, w0), Math.min(W, w0 + g.filterWidth)];
  for (let c = 0; c < C; c++) {
    let best = -Infinity;
    let where = -1;
    for (let h = hStart; h < hEnd; h++) {
      for (let w = wStart; w < wEnd; w++) {
        const i = ((n * H + h) * W + w) * C + c;
        if (x[i] > best) { best = x[i]; where = i; }
      }
    }
    if (where >= 0) out[where] += dy[di + c];
  }
}
