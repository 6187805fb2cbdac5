import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeDiff, pseudoRandom, wasmDataIds } from '../testing/kernelValues';
import { useNodeBackend } from './node';
import { registerWasmTrainingKernels, wasmTrainingConfig } from './wasmTraining';

interface ConvCase {
  kind: 'conv' | 'depthwise';
  fused: boolean;
  stride: number;
  pad: 'same' | 'valid' | number;
  inShape: [number, number, number, number];
  /** Output channels (conv) or channel multiplier (depthwise). */
  out: number;
  kernel?: number;
}

function filterShape(c: ConvCase): [number, number, number, number] {
  const k = c.kernel ?? 3;
  return [k, k, c.inShape[3], c.out];
}

function outChannels(c: ConvCase): number {
  return c.kind === 'conv' ? c.out : c.inShape[3] * c.out;
}

/** Gradients of Σ(conv(x, w [, b]) · r) w.r.t. x, w (and b when fused), read back as arrays. */
function convGrads(c: ConvCase): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(pseudoRandom(tf.util.sizeFromShape(c.inShape), 1), c.inShape);
    const w = tf.tensor4d(pseudoRandom(tf.util.sizeFromShape(filterShape(c)), 2), filterShape(c));
    const b = tf.tensor1d(pseudoRandom(outChannels(c), 3));
    const forward = (xs: tf.Tensor4D, ws: tf.Tensor4D, bs: tf.Tensor1D): tf.Tensor4D => {
      if (c.kind === 'conv') {
        return c.fused
          ? tf.fused.conv2d({ x: xs, filter: ws, strides: c.stride, pad: c.pad, bias: bs, activation: 'relu' })
          : tf.conv2d(xs, ws, c.stride, c.pad);
      }
      return c.fused
        ? tf.fused.depthwiseConv2d({ x: xs, filter: ws, strides: c.stride, pad: c.pad, bias: bs, activation: 'relu' })
        : tf.depthwiseConv2d(xs, ws, c.stride, c.pad);
    };
    const loss = (xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor): tf.Scalar => {
      const y = forward(xs as tf.Tensor4D, ws as tf.Tensor4D, bs as tf.Tensor1D);
      const r = tf.tensor(pseudoRandom(y.size, 4), y.shape);
      return tf.sum(tf.mul(y, r));
    };
    const grads = c.fused ? tf.grads(loss)([x, w, b]) : tf.grads((xs, ws) => loss(xs, ws, b))([x, w]);
    return grads.map((g) => g.dataSync() as Float32Array);
  });
}

async function onBackend<T>(name: 'wasm' | 'cpu', f: () => T): Promise<T> {
  await tf.setBackend(name);
  return f();
}

const cases: ConvCase[] = [];
for (const kind of ['conv', 'depthwise'] as const) {
  for (const fused of [false, true]) {
    for (const stride of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) {
        cases.push({ kind, fused, stride, pad, inShape: [2, 7, 6, 3], out: kind === 'conv' ? 4 : 1 });
      }
    }
  }
}
cases.push({ kind: 'depthwise', fused: false, stride: 2, pad: 'same', inShape: [2, 6, 7, 3], out: 2 });
cases.push({ kind: 'conv', fused: false, stride: 1, pad: 'same', inShape: [3, 5, 5, 1], out: 2, kernel: 1 });
cases.push({ kind: 'conv', fused: true, stride: 2, pad: 'same', inShape: [2, 8, 8, 2], out: 3, kernel: 5 });
// Padding wider than the filter: Conv2DBackpropInput falls back to wasm's own kernel.
cases.push({ kind: 'conv', fused: false, stride: 1, pad: 3, inShape: [1, 4, 4, 2], out: 2 });

describe('wasm training kernels', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  afterEach(async () => {
    await tf.setBackend('wasm');
  });

  it.each(cases)('$kind fused=$fused stride=$stride pad=$pad in=$inShape out=$out k=$kernel matches cpu', async (c) => {
    const expected = await onBackend('cpu', () => convGrads(c));
    const startTensors = tf.memory().numTensors;
    const actual = await onBackend('wasm', () => {
      const ids = wasmDataIds();
      const grads = convGrads(c);
      expect(wasmDataIds()).toBe(ids);
      return grads;
    });
    expect(tf.memory().numTensors).toBe(startTensors);
    expect(actual).toHaveLength(expected.length);
    actual.forEach((a, i) => expect(maxRelativeDiff(a, expected[i])).toBeLessThan(1e-4));
  });

  it('splits the im2col buffer over the batch without changing the result', async () => {
    const c: ConvCase = { kind: 'conv', fused: true, stride: 2, pad: 'same', inShape: [5, 6, 6, 2], out: 3 };
    const whole = await onBackend('wasm', () => convGrads(c));
    const saved = wasmTrainingConfig.maxPatchBytes;
    wasmTrainingConfig.maxPatchBytes = 2 * 4 * 9 * 2 * 9; // two images of 3×3 outputs per chunk
    try {
      const ids = wasmDataIds();
      const chunked = convGrads(c);
      expect(wasmDataIds()).toBe(ids);
      chunked.forEach((a, i) => expect(maxRelativeDiff(a, whole[i])).toBeLessThan(1e-5));
    } finally {
      wasmTrainingConfig.maxPatchBytes = saved;
    }
  });

  it.each([
    { shape: [1, 1, 1, 5], reps: [3, 4, 2, 1], dtype: 'float32' },
    { shape: [2, 3, 1], reps: [2, 1, 40], dtype: 'float32' },
    { shape: [4, 1], reps: [1, 3], dtype: 'int32' },
    { shape: [3, 2], reps: [2, 2], dtype: 'bool' },
    { shape: [5], reps: [1], dtype: 'float32' },
  ] as const)('Tile $shape by $reps ($dtype) matches cpu', async ({ shape, reps, dtype }) => {
    const size = tf.util.sizeFromShape([...shape]);
    const values = Array.from(pseudoRandom(size, 7), (v) => (dtype === 'float32' ? v : v > 0 ? 1 : 0) * (dtype === 'int32' ? 9 : 1));
    const run = () => tf.tidy(() => Array.from(tf.tile(tf.tensor(values, [...shape], dtype), [...reps]).dataSync()));
    const expected = await onBackend('cpu', run);
    const actual = await onBackend('wasm', () => {
      const ids = wasmDataIds();
      const result = run();
      expect(wasmDataIds()).toBe(ids);
      return result;
    });
    expect(actual).toEqual(expected);
  });

  it.each([
    { inShape: [2, 6, 6, 3], size: 2, stride: 2, pad: 'valid' },
    { inShape: [2, 7, 5, 2], size: 3, stride: 2, pad: 'same' },
    { inShape: [1, 5, 5, 4], size: 2, stride: 1, pad: 'same' },
  ] as const)('MaxPoolGrad $inShape size=$size stride=$stride $pad matches cpu', async ({ inShape, size, stride, pad }) => {
    const grad = () =>
      tf.tidy(() => {
        // Rounded values give ties, and a negative shift gives all-negative windows.
        const values = Array.from(pseudoRandom(tf.util.sizeFromShape([...inShape]), 8), (v) => Math.round(v * 3) - 1);
        const x = tf.tensor4d(values, [...inShape]);
        const f = (t: tf.Tensor) => {
          const y = tf.maxPool(t as tf.Tensor4D, size, stride, pad);
          return tf.sum(tf.mul(y, tf.tensor(pseudoRandom(y.size, 9), y.shape)));
        };
        return tf.grad(f)(x).dataSync() as Float32Array;
      });
    const expected = await onBackend('cpu', grad);
    const actual = await onBackend('wasm', () => {
      const ids = wasmDataIds();
      const result = grad();
      expect(wasmDataIds()).toBe(ids);
      return result;
    });
    expect(maxRelativeDiff(actual, expected)).toBeLessThan(1e-6);
  });

  it('rejects NCHW with a clear error', () => {
    tf.tidy(() => {
      const x = tf.zeros([1, 2, 4, 4]);
      const dy = tf.zeros([1, 2, 4, 4]);
      const run = () =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
          strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 2],
        });
      expect(run).toThrow(/NHWC/);
    });
  });

  it('useNodeBackend switches between cpu and wasm, repeatedly', async () => {
    expect(await useNodeBackend('cpu')).toBe('cpu');
    expect(await useNodeBackend('wasm')).toBe('wasm');
    expect(await useNodeBackend('wasm')).toBe('wasm');
    expect(tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')).toBe(false);
  });

  it('registers idempotently and only for wasm', () => {
    const before = tf.getKernel('Conv2DBackpropFilter', 'wasm');
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBe(before);
    for (const name of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter']) {
      expect(tf.getKernel(name, 'cpu').kernelFunc).not.toBe(tf.getKernel(name, 'wasm').kernelFunc);
    }
  });

  it('trains a conv + depthwise + BN + dense model with an optimizer', () => {
    expect(tf.getBackend()).toBe('wasm');
    const startTensors = tf.memory().numTensors;
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'valid', useBias: false }),
        tf.layers.batchNormalization(),
        tf.layers.activation({ activation: 'relu' }),
        tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', useBias: false }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    const xs = tf.tensor4d(pseudoRandom(16 * 64, 5), [16, 8, 8, 1]);
    const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 3), 'int32'), 3));
    const optimizer = tf.train.adam(0.02);
    const lossFn = (): tf.Scalar =>
      tf.losses.softmaxCrossEntropy(labels, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar;
    const losses: number[] = [];
    const afterSetup = tf.memory().numTensors;
    for (let step = 0; step < 12; step++) {
      const loss = optimizer.minimize(lossFn, true);
      if (loss == null) throw new Error('minimize returned no loss');
      losses.push(loss.dataSync()[0]);
      loss.dispose();
      if (step === 0) expect(tf.memory().numTensors).toBeGreaterThanOrEqual(afterSetup);
    }
    // Steady state: each step allocates nothing that outlives it.
    const afterTraining = tf.memory().numTensors;
    tf.dispose(optimizer.minimize(lossFn, true) ?? []);
    expect(tf.memory().numTensors).toBe(afterTraining);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.7);

    optimizer.dispose();
    model.dispose();
    tf.dispose([xs, labels]);
    expect(tf.memory().numTensors).toBe(startTensors);
  });
});
