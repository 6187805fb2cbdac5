/**
 * The wasm fast paths (wasmKernelConfig.fast) against tfjs's reference kernels
 * on the cpu backend, values and gradients, on odd shapes: stride 2, 'valid',
 * 1 and 3 channels, batch 1. Each case also runs with its fast path off, so
 * that a case which silently stopped taking the fast path still fails.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { maxRelativeDiff, pseudoRandom, wasmDataIds } from '../testing/kernelValues';
import { useNodeBackend } from './node';
import { type FastPath, wasmTrainingConfig } from './wasmKernelConfig';
import { widening } from './wasmBroadcast';
import { leadingSplit } from './wasmReduce';

/** Counts the kernels `f` dispatches by name. */
async function kernelCounts(f: () => void): Promise<Map<string, number>> {
  const info = await tf.profile(() => f());
  const counts = new Map<string, number>();
  info.kernels.forEach((k) => counts.set(k.name, (counts.get(k.name) ?? 0) + 1));
  return counts;
}

/**
 * Runs `f` on cpu (reference), on wasm with the fast path and on wasm without;
 * all three must agree, and the wasm runs must leave no data behind.
 */
async function compare(path: FastPath, f: () => Float32Array[], tolerance = 1e-5): Promise<void> {
  await tf.setBackend('cpu');
  const expected = f();
  await tf.setBackend('wasm');
  for (const fast of [true, false]) {
    wasmTrainingConfig.fast[path] = fast;
    const ids = wasmDataIds();
    const tensors = tf.memory().numTensors;
    const actual = f();
    expect(wasmDataIds()).toBe(ids);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(actual).toHaveLength(expected.length);
    actual.forEach((a, i) => expect(maxRelativeDiff(a, expected[i]), `${path} ${fast ? 'on' : 'off'}, output ${i}`).toBeLessThan(tolerance));
  }
  wasmTrainingConfig.fast[path] = true;
}

const read = (ts: tf.Tensor[]): Float32Array[] => ts.map((t) => t.dataSync() as Float32Array);

describe('wasm fast paths', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  afterEach(async () => {
    for (const key of Object.keys(wasmTrainingConfig.fast) as FastPath[]) wasmTrainingConfig.fast[key] = true;
    await tf.setBackend('wasm');
  });

  describe('Identity shares its input', () => {
    it('a clone outlives its source and keeps its values', () => {
      const source = tf.tensor2d(pseudoRandom(12, 1), [3, 4]);
      const expected = source.dataSync().slice();
      const ids = wasmDataIds();
      const copy = tf.clone(source);
      expect(wasmDataIds()).toBe(ids); // shared, not copied
      source.dispose();
      expect(copy.dataSync()).toEqual(expected);
      copy.dispose();
      expect(wasmDataIds()).toBe(ids - 1);
    });

    it('gradients through saved tensors match cpu', async () => {
      await compare('sharedIdentity', () => tf.tidy(() => {
        const x = tf.tensor4d(pseudoRandom(1 * 5 * 5 * 3, 2), [1, 5, 5, 3]);
        const w = tf.tensor4d(pseudoRandom(3 * 3 * 3 * 2, 3), [3, 3, 3, 2]);
        const f = (xs: tf.Tensor, ws: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, 2, 'valid'))));
        return read(tf.grads(f)([x, w]));
      }));
    });

    it('strings still copy', () => {
      const t = tf.tensor1d(['a', 'b'], 'string');
      const copy = tf.clone(t);
      t.dispose();
      expect(copy.arraySync()).toEqual(['a', 'b']);
      copy.dispose();
    });
  });

  describe('Sum and Mean over leading axes', () => {
    it.each([
      { shape: [64, 3], axis: 0, expected: { reduced: 1, rows: 64, columns: 3 } },
      { shape: [2, 3, 4, 5], axis: [2, 0, 1], expected: { reduced: 3, rows: 24, columns: 5 } },
      { shape: [2, 3, 4], axis: -3, expected: { reduced: 1, rows: 2, columns: 12 } },
      { shape: [2, 3, 4], axis: [1, 2], expected: null },
      { shape: [2, 3], axis: [0, 1], expected: null },
      { shape: [1, 1, 5], axis: [0, 1], expected: null },
    ])('splits $shape over $axis', ({ shape, axis, expected }) => {
      expect(leadingSplit(shape, axis)).toEqual(expected);
    });

    it.each([
      { shape: [1, 5, 5, 3], axis: [0, 1, 2], keepDims: false },
      { shape: [4, 3, 3, 1], axis: [0, 1, 2], keepDims: true },
      { shape: [7, 1], axis: 0, keepDims: false },
      { shape: [2, 3, 4], axis: [0, 1], keepDims: true },
      { shape: [3, 5], axis: 1, keepDims: false }, // trailing: wasm's own kernel
      { shape: [16, 28, 28, 2], axis: [0, 1, 2], keepDims: false }, // a long window: rounding stays small
    ])('$shape over $axis (keepDims $keepDims) matches cpu with its gradient', async ({ shape, axis, keepDims }) => {
      await compare('leadingReductions', () => tf.tidy(() => {
        const x = tf.tensor(pseudoRandom(tf.util.sizeFromShape(shape), 4), shape);
        const weigh = (y: tf.Tensor) => tf.sum(tf.mul(y, tf.tensor(pseudoRandom(y.size, 5), y.shape)));
        const sum = tf.sum(x, axis, keepDims);
        const mean = tf.mean(x, axis, keepDims);
        const [gradSum] = tf.grads((xs: tf.Tensor) => weigh(tf.sum(xs, axis, keepDims)))([x]);
        const [gradMean] = tf.grads((xs: tf.Tensor) => weigh(tf.mean(xs, axis, keepDims)))([x]);
        expect(sum.shape).toEqual(keepDims ? shape.map((d, i) => (tf.util.parseAxisParam(axis, shape).includes(i) ? 1 : d)) : sum.shape);
        return read([sum, mean, gradSum, gradMean]);
      }));
    });

    it('takes the average pool, not a transpose, for batch statistics', async () => {
      const x = tf.tensor4d(pseudoRandom(2 * 3 * 3 * 4, 6), [2, 3, 3, 4]);
      const counts = await kernelCounts(() => tf.dispose(tf.moments(x, [0, 1, 2])));
      x.dispose();
      expect(counts.get('Mean')).toBe(2);
      expect(counts.has('Transpose')).toBe(false);
    });
  });

  describe('BatchMatMul with transposed operands', () => {
    it.each([
      { a: [1, 3], b: [3, 1], transposeA: true, transposeB: true },
      { a: [5, 3], b: [5, 2], transposeA: true, transposeB: false },
      { a: [4, 6], b: [3, 6], transposeA: false, transposeB: true },
      { a: [2, 3, 4], b: [2, 5, 3], transposeA: true, transposeB: true },
      { a: [2, 4, 3], b: [2, 3, 5], transposeA: false, transposeB: false }, // untransposed: wasm's own kernel
    ] as const)('a $a ᵀ$transposeA · b $b ᵀ$transposeB matches cpu with its gradients', async ({ a, b, transposeA, transposeB }) => {
      await compare('transposedMatMul', () => tf.tidy(() => {
        const x = tf.tensor(pseudoRandom(tf.util.sizeFromShape([...a]), 7), [...a]);
        const y = tf.tensor(pseudoRandom(tf.util.sizeFromShape([...b]), 8), [...b]);
        const product = tf.matMul(x, y, transposeA, transposeB);
        const r = tf.tensor(pseudoRandom(product.size, 9), product.shape);
        const grads = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p, q, transposeA, transposeB), r)))([x, y]);
        return read([product, ...grads]);
      }));
    });
  });

  describe('batch normalization as a depthwise 1×1 convolution', () => {
    it.each([
      { shape: [1, 5, 5, 3], withScale: true, withOffset: true },
      { shape: [2, 3, 4, 1], withScale: false, withOffset: true },
      { shape: [6, 4], withScale: true, withOffset: false },
      { shape: [1, 2, 3], withScale: false, withOffset: false },
      { shape: [3, 2, 2, 5], withScale: true, withOffset: true },
    ])('$shape (scale $withScale, offset $withOffset) matches cpu with its gradients', async ({ shape, withScale, withOffset }) => {
      await compare('batchNormAsDepthwise', () => tf.tidy(() => {
        const channels = shape[shape.length - 1];
        const x = tf.tensor(pseudoRandom(tf.util.sizeFromShape(shape), 13), shape);
        const mean = tf.tensor1d(pseudoRandom(channels, 14));
        const variance = tf.abs(tf.tensor1d(pseudoRandom(channels, 15))).add(0.1) as tf.Tensor1D;
        const offset = tf.tensor1d(pseudoRandom(channels, 16));
        const scale = tf.tensor1d(pseudoRandom(channels, 17));
        const inputs = [x, mean, variance, ...(withOffset ? [offset] : []), ...(withScale ? [scale] : [])];
        const norm = (xs: tf.Tensor, m: tf.Tensor, v: tf.Tensor, ...rest: tf.Tensor[]) =>
          tf.batchNorm(xs, m as tf.Tensor1D, v as tf.Tensor1D, withOffset ? (rest[0] as tf.Tensor1D) : undefined, withScale ? (rest[withOffset ? 1 : 0] as tf.Tensor1D) : undefined, 1e-3);
        const y = norm(x, mean, variance, ...inputs.slice(3));
        const r = tf.tensor(pseudoRandom(y.size, 18), y.shape);
        // tfjs's batchNorm gradient needs both offset and scale (its tape trips on a missing input): values only without.
        const grads = withOffset && withScale ? tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(norm(ts[0], ts[1], ts[2], ...ts.slice(3)), r)))(inputs) : [];
        return read([y, ...grads]);
      }), 1e-4);
    });

    it('statistics of the full shape go to wasm\'s own kernel', async () => {
      await compare('batchNormAsDepthwise', () => tf.tidy(() => {
        const x = tf.tensor(pseudoRandom(12, 19), [2, 2, 3]);
        const mean = tf.tensor(pseudoRandom(12, 20), [2, 2, 3]);
        return read([tf.batchNorm(x, mean, tf.onesLike(mean), undefined, undefined, 1e-3)]);
      }));
    });
  });

  describe('the filter gradient as a forward convolution', () => {
    // The per-tap products would take the small cases first.
    beforeEach(() => {
      wasmTrainingConfig.fast.filterGradientByTaps = false;
    });

    it.each([
      { inShape: [1, 6, 5, 8], out: 3, kernel: 3, stride: 1, pad: 'same' },
      { inShape: [2, 7, 6, 9], out: 4, kernel: 3, stride: 1, pad: 'valid' },
      { inShape: [3, 5, 5, 8], out: 1, kernel: 1, stride: 1, pad: 'same' },
      { inShape: [2, 8, 8, 8], out: 2, kernel: 5, stride: 1, pad: 'same' },
      { inShape: [2, 7, 7, 8], out: 3, kernel: 3, stride: 2, pad: 'same' }, // stride 2: im2col
      { inShape: [1, 5, 5, 3], out: 2, kernel: 3, stride: 1, pad: 'same' }, // 3 channels: im2col
      { inShape: [2, 5, 5, 1], out: 2, kernel: 3, stride: 1, pad: 'valid' }, // 1 channel: im2col
    ] as const)('$inShape → $out k=$kernel stride=$stride $pad matches cpu', async ({ inShape, out, kernel, stride, pad }) => {
      await compare('filterGradientAsConv', () => tf.tidy(() => {
        const x = tf.tensor4d(pseudoRandom(tf.util.sizeFromShape([...inShape]), 10), [...inShape]);
        const w = tf.tensor4d(pseudoRandom(kernel * kernel * inShape[3] * out, 11), [kernel, kernel, inShape[3], out]);
        const f = (xs: tf.Tensor, ws: tf.Tensor) => {
          const y = tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, stride, pad);
          return tf.sum(tf.mul(y, tf.tensor(pseudoRandom(y.size, 12), y.shape)));
        };
        return read(tf.grads(f)([x, w]));
      }), 1e-4);
    });
  });

  describe('the filter gradient as one product per filter tap', () => {
    it.each([
      { inShape: [1, 6, 5, 8], out: 3, kernel: 3, pad: 'same' },
      { inShape: [2, 7, 6, 3], out: 4, kernel: 3, pad: 'valid' },
      { inShape: [1, 5, 5, 3], out: 16, kernel: 3, pad: 'same' },
      { inShape: [3, 5, 5, 8], out: 2, kernel: 1, pad: 'same' },
      { inShape: [2, 8, 7, 2], out: 2, kernel: 5, pad: 'same' },
      { inShape: [1, 6, 7, 4], out: 3, kernel: 2, pad: 'same' }, // padding only after
      { inShape: [2, 7, 5, 16], out: 16, kernel: 4, pad: 'same' },
      { inShape: [1, 9, 8, 2], out: 5, kernel: [2, 3], pad: 'valid' },
    ] as const)('$inShape → $out k=$kernel $pad matches cpu', async ({ inShape, out, kernel, pad }) => {
      const [kh, kw] = typeof kernel === 'number' ? [kernel, kernel] : kernel;
      await compare('filterGradientByTaps', () => tf.tidy(() => {
        const x = tf.tensor4d(pseudoRandom(tf.util.sizeFromShape([...inShape]), 13), [...inShape]);
        const w = tf.tensor4d(pseudoRandom(kh * kw * inShape[3] * out, 14), [kh, kw, inShape[3], out]);
        const f = (xs: tf.Tensor, ws: tf.Tensor) => {
          const y = tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, 1, pad);
          return tf.sum(tf.mul(y, tf.tensor(pseudoRandom(y.size, 15), y.shape)));
        };
        return read(tf.grads(f)([x, w]));
      }), 1e-4);
    });
  });

  describe('Slice and SplitV into contiguous pieces', () => {
    it.each([
      { shape: [10], sizes: [3, 1, 6], axis: 0 },
      { shape: [1, 4, 3], sizes: [1, 3], axis: 1 },
      { shape: [5, 2], sizes: [2, 3], axis: 0 },
      { shape: [2, 6], sizes: [4, 2], axis: 1 }, // pieces interleave: wasm's own kernel
    ])('split of $shape into $sizes along $axis matches cpu with its gradient', async ({ shape, sizes, axis }) => {
      await compare('contiguousSlices', () => tf.tidy(() => {
        const x = tf.tensor(pseudoRandom(tf.util.sizeFromShape(shape), 21), shape);
        const pieces = tf.split(x, sizes, axis);
        const [grad] = tf.grads((xs: tf.Tensor) => tf.addN(tf.split(xs, sizes, axis).map((p, i) => tf.sum(tf.mul(p, i + 1)))))([x]);
        return read([...pieces, grad]);
      }));
    });

    it.each([
      { shape: [2, 3, 4], begin: [1, 0, 0], size: [1, 3, 4] },
      { shape: [2, 3, 4], begin: [1, 1, 0], size: [1, 2, 4] },
      { shape: [2, 3, 4], begin: [0, 1, 1], size: [2, 1, 2] }, // not contiguous: wasm's own kernel
    ])('slice of $shape at $begin, size $size matches cpu', async ({ shape, begin, size }) => {
      await compare('contiguousSlices', () => tf.tidy(() => read([tf.slice(tf.tensor(pseudoRandom(tf.util.sizeFromShape(shape), 22), shape), begin, size)])));
    });

    it('reads no copy of the input out of the heap (wasm\'s own Slice does, per piece)', () => {
      const x = tf.tensor1d(pseudoRandom(8, 23));
      const backend = tf.engine().backend as unknown as { readSync: (...args: unknown[]) => unknown };
      const readSync = backend.readSync;
      let reads = 0;
      backend.readSync = (...args: unknown[]) => (reads++, readSync.apply(backend, args));
      try {
        tf.dispose(tf.split(x, [5, 3]));
        expect(reads).toBe(0);
        wasmTrainingConfig.fast.contiguousSlices = false;
        tf.dispose(tf.split(x, [5, 3]));
        expect(reads).toBe(2);
      } finally {
        backend.readSync = readSync;
        x.dispose();
      }
    });
  });

  describe('the max-pool gradient with channels innermost', () => {
    const cases: Array<{ shape: [number, number, number, number]; size: number | [number, number]; stride: number | [number, number]; pad: 'valid' | 'same' }> = [
      { shape: [1, 6, 6, 1], size: 2, stride: 2, pad: 'valid' },
      { shape: [2, 7, 7, 3], size: 2, stride: 2, pad: 'valid' }, // the last row and column lie in no window
      { shape: [2, 7, 5, 3], size: 2, stride: 2, pad: 'same' }, // windows clipped by padding
      { shape: [1, 9, 8, 3], size: 3, stride: 2, pad: 'valid' }, // overlapping windows
      { shape: [2, 7, 7, 1], size: 3, stride: 2, pad: 'same' },
      { shape: [1, 5, 6, 4], size: [1, 3], stride: [1, 2], pad: 'same' },
    ];
    it.each(cases)('$shape pool $size stride $stride $pad matches cpu, ties included', async ({ shape, size, stride, pad }) => {
      // 1e-6, not a rounding tolerance: a tie routed elsewhere than cpu's first maximum is off by O(1).
      await compare('maxPoolGradChannelsInner', () => tf.tidy(() => {
        // Values on a coarse grid after a ReLU: many windows hold equal maxima.
        const x = tf.tensor4d(pseudoRandom(tf.util.sizeFromShape(shape), 21).map((v) => Math.max(0, Math.round(v * 3) / 3)), shape);
        const pool = (xs: tf.Tensor) => tf.maxPool(xs as tf.Tensor4D, size, stride, pad);
        const r = tf.tensor(pseudoRandom(pool(x).size, 22), pool(x).shape);
        return read([pool(x), ...tf.grads((xs: tf.Tensor) => tf.sum(tf.mul(pool(xs), r)))([x])]);
      }), 1e-6);
    });
  });

  describe('the input gradient of a strided convolution, phase by phase', () => {
    const cases: Array<{ inShape: [number, number, number, number]; out: number; kernel: number; stride: number | [number, number]; pad: 'valid' | 'same' }> = [
      { inShape: [1, 7, 7, 1], out: 2, kernel: 3, stride: 2, pad: 'same' },
      { inShape: [2, 8, 6, 3], out: 4, kernel: 3, stride: 2, pad: 'same' },
      { inShape: [1, 9, 8, 3], out: 2, kernel: 3, stride: 2, pad: 'valid' }, // the last column lies in no window
      { inShape: [2, 6, 6, 8], out: 3, kernel: 1, stride: 2, pad: 'same' }, // phases without a filter tap
      { inShape: [1, 8, 8, 2], out: 3, kernel: 2, stride: 2, pad: 'valid' },
      { inShape: [1, 11, 9, 3], out: 2, kernel: 5, stride: 2, pad: 'same' },
      { inShape: [1, 10, 9, 1], out: 2, kernel: 3, stride: [3, 2], pad: 'same' },
    ];
    it.each(cases)('$inShape → $out k=$kernel stride=$stride $pad matches cpu', async ({ inShape, out, kernel, stride, pad }) => {
      await compare('stridedInputGradByPhase', () => tf.tidy(() => {
        const x = tf.tensor4d(pseudoRandom(tf.util.sizeFromShape(inShape), 23), inShape);
        const w = tf.tensor4d(pseudoRandom(kernel * kernel * inShape[3] * out, 24), [kernel, kernel, inShape[3], out]);
        const conv = (xs: tf.Tensor, ws: tf.Tensor) => tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, stride, pad);
        const r = tf.tensor(pseudoRandom(conv(x, w).size, 25), conv(x, w).shape);
        return read(tf.grads((xs: tf.Tensor, ws: tf.Tensor) => tf.sum(tf.mul(conv(xs, ws), r)))([x, w]));
      }), 1e-4);
    });
  });

  describe('element-wise ops with a per-channel vector on wide rows', () => {
    it('widens by the largest power of two that divides the rows, up to 4,096 floats a row', () => {
      expect(widening(64 * 28 * 28, 16)).toBe(256);
      expect(widening(64 * 7 * 7, 64)).toBe(64);
      expect(widening(12, 6)).toBe(4);
      expect(widening(25, 3)).toBe(1); // odd rows: wasm's own kernel
      expect(widening(64, 4096)).toBe(1); // rows already wide
    });

    const cases: Array<{ big: number[]; small: number[] }> = [
      { big: [2, 4, 4, 16], small: [16] },
      { big: [3, 2, 2, 6], small: [1, 1, 1, 6] },
      { big: [1, 5, 5, 3], small: [3] }, // odd rows: not widened
      { big: [1, 6, 6, 1], small: [1] },
      { big: [6, 10], small: [1, 10] },
    ];
    it.each(cases)('$big with $small, both orders, values and gradients match cpu', async ({ big, small }) => {
      await compare('wideBroadcast', () => tf.tidy(() => {
        const x = tf.tensor(pseudoRandom(tf.util.sizeFromShape(big), 31), big);
        // Away from zero, so that the quotients stay moderate.
        const v = tf.tensor(pseudoRandom(tf.util.sizeFromShape(small), 32).map((e) => e + Math.sign(e) * 0.5), small);
        const outputs = [tf.add(x, v), tf.sub(x, v), tf.sub(v, x), tf.mul(v, x), tf.div(x, v), tf.div(v, tf.add(tf.abs(x), 0.5))];
        const grads = tf.grads((xs: tf.Tensor, vs: tf.Tensor) => tf.sum(tf.div(tf.mul(tf.sub(xs, vs), vs), tf.add(vs, 2))))([x, v]);
        return read([...outputs, ...grads]);
      }));
    });
  });
});
