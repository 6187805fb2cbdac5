import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from './src/engine/backend/node';
import { GfrLayer } from './src/engine/gfr/gfrLayer';
import { trainingFusionConfig } from './src/engine/backend/trainingFusionConfig';
async function main() {
  await useNodeBackend('wasm');
  const layer = new GfrLayer({ reduction: 4, temperature: 1 });
  const x = tf.randomNormal([8, 7, 7, 16]);
  layer.apply(x, { training: true });
  const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  for (const on of [false, true, false, true]) {
    trainingFusionConfig.fused.gfrGates = on;
    const info = await tf.profile(() => tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.add(tf.sum(layer.apply(x, { training: true }) as tf.Tensor), tf.sum(layer.lastGates())) as tf.Scalar, vars);
      return Object.values(grads);
    }));
    const names = info.kernels.filter((k) => !k.name.endsWith('__op')).map((k) => k.name);
    console.log(on, names.length, names.join(' '));
  }
}
void main();
