/**
 * A quick end-to-end check of the active backend: a 3×3 conv2d forward pass
 * on a 1×8×8×1 input, compared with a plain-JavaScript convolution, then one
 * gradient step that must lower the loss. Small enough to run in well under a
 * second on a GPU; on a software adapter most of the time is shader compiles.
 */

import * as tf from '@tensorflow/tfjs';

import { throwIfAborted } from '../engine/core/abort';
import type { BackendName } from '../contract/backends';
import type { SelfTestResult } from './messages';

const SIZE = 8;
const K = 3;
const LEARNING_RATE = 0.05;

/** Input: a smooth ramp with a bump, so every kernel tap matters. */
function makeInput(): Float32Array {
  const x = new Float32Array(SIZE * SIZE);
  for (let i = 0; i < SIZE; i++) {
    for (let j = 0; j < SIZE; j++) x[i * SIZE + j] = (i - j) / SIZE + Math.sin(i * j * 0.3) * 0.25;
  }
  return x;
}

/** Reference 'same' convolution (zero padding, stride 1), single channel, kernel in HWIO = row-major 3×3. */
function referenceConv(x: Float32Array, kernel: Float32Array): Float32Array {
  const y = new Float32Array(SIZE * SIZE);
  const r = (K - 1) / 2;
  for (let i = 0; i < SIZE; i++) {
    for (let j = 0; j < SIZE; j++) {
      let acc = 0;
      for (let a = 0; a < K; a++) {
        for (let b = 0; b < K; b++) {
          const ii = i + a - r;
          const jj = j + b - r;
          if (ii >= 0 && ii < SIZE && jj >= 0 && jj < SIZE) acc += x[ii * SIZE + jj] * kernel[a * K + b];
        }
      }
      y[i * SIZE + j] = acc;
    }
  }
  return y;
}

type Measured = Omit<SelfTestResult, 'backend' | 'leakedTensors' | 'ms'>;

async function convAndStep(backend: BackendName, signal: AbortSignal): Promise<Measured> {
  const xValues = makeInput();
  const kernelValues = Float32Array.from({ length: K * K }, (_, i) => 0.1 * (i % 3) - 0.05);
  // The target is what a Laplacian-like kernel would produce: the step must move towards it.
  const targetKernel = Float32Array.from([0, 1, 0, 1, -4, 1, 0, 1, 0]);
  const expected = referenceConv(xValues, kernelValues);

  const x = tf.tensor4d(xValues, [1, SIZE, SIZE, 1]);
  const target = tf.tensor4d(referenceConv(xValues, targetKernel), [1, SIZE, SIZE, 1]);
  const initial = tf.tensor4d(kernelValues, [K, K, 1, 1]);
  const kernel = tf.variable(initial, true);
  initial.dispose();
  const loss = (): tf.Scalar => tf.losses.meanSquaredError(target, tf.conv2d(x, kernel, 1, 'same'));

  try {
    const output = tf.conv2d(x, kernel, 1, 'same');
    const outValues = await output.data();
    output.dispose();
    let maxAbsError = 0;
    for (let i = 0; i < expected.length; i++) {
      maxAbsError = Math.max(maxAbsError, Math.abs(outValues[i] - expected[i]));
    }
    throwIfAborted(signal);

    if (tf.getKernel('Conv2DBackpropFilter', backend) === undefined) {
      const lossT = tf.tidy(loss);
      const [lossBefore] = await lossT.data();
      lossT.dispose();
      const stepSkipped = `the ${backend} backend has no Conv2DBackpropFilter kernel, so it cannot take the gradient of a convolution`;
      return { lossBefore, lossAfter: null, gradNorm: null, stepSkipped, maxAbsError };
    }

    const { value, grads } = tf.variableGrads(loss);
    const grad = grads[kernel.name];
    const gradNormT = tf.norm(grad);
    const [lossBefore] = await value.data();
    const [gradNorm] = await gradNormT.data();
    const stepped = tf.tidy(() => tf.sub<tf.Tensor4D>(kernel, tf.mul(grad, LEARNING_RATE)));
    kernel.assign(stepped);
    stepped.dispose();
    tf.dispose([value, gradNormT, ...Object.values(grads)]);
    throwIfAborted(signal);

    const after = tf.tidy(loss);
    const [lossAfter] = await after.data();
    after.dispose();

    return { lossBefore, lossAfter, gradNorm, stepSkipped: null, maxAbsError };
  } finally {
    tf.dispose([x, target, kernel]);
  }
}

export async function runSelfTest(backend: BackendName, signal: AbortSignal): Promise<SelfTestResult> {
  const start = performance.now();
  const tensorsBefore = tf.memory().numTensors;
  const measured = await convAndStep(backend, signal);
  return {
    backend,
    ...measured,
    leakedTensors: tf.memory().numTensors - tensorsBefore,
    ms: performance.now() - start,
  };
}
