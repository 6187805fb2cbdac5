/**
 * Training-step throughput of a small CNN on a Node backend.
 * Usage: npx tsx src/engine/backend/trainBench.ts [wasm|cpu] [steps]
 */
import * as tf from '@tensorflow/tfjs';
import { type NodeBackendName, useNodeBackend } from './node';

const BATCH = 64;

function smallCnn(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', useBias: false }),
      tf.layers.batchNormalization(),
      tf.layers.activation({ activation: 'relu' }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 10 }),
    ],
  });
}

async function main(): Promise<void> {
  const backend = (process.argv[2] ?? 'wasm') as NodeBackendName;
  const steps = Number(process.argv[3] ?? 10);
  await useNodeBackend(backend);
  const model = smallCnn();
  const xs = tf.randomNormal([BATCH, 28, 28, 1]);
  const ys = tf.tidy(() => tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32'), 10));
  const optimizer = tf.train.adam(1e-3);
  const step = () => {
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor),
      true,
    );
    loss?.dataSync();
    loss?.dispose();
  };
  // Warm-up: weight creation, kernel setup, JIT.
  for (let i = 0; i < Math.min(3, steps); i++) step();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const rate = (ms: number) => ((BATCH * 1000) / ms).toFixed(0);
  console.log(
    `${tf.getBackend()}: median ${median.toFixed(1)} ms/step (${rate(median)} images/s), ` +
      `best ${times[0].toFixed(1)} ms/step (${rate(times[0])} images/s), batch ${BATCH}`,
  );
}

void main();
