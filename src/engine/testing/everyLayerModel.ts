/** A test model with every layer class the engine handles (GFR aside) and every activation the ONNX export writes. */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../core/types';
import { HardSigmoidLayer } from '../io/hardActivations';
import { specFromModel } from '../io/modelSpec';
import { randomizeNormalization } from './tinyModels';

/**
 * Every converter and activation on odd sizes (asymmetric 'same' padding at stride 2), with BNs that follow
 * no convolution (written as BatchNormalization nodes) and a convolution with an activation (not folded).
 */
export async function everyLayerModel(): Promise<ModelSpec> {
  const L = tf.layers;
  const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor;
  const input = tf.input({ shape: [9, 9, 2], name: 'input' });
  let x = apply(L.zeroPadding2d({ padding: [[1, 0], [0, 2]], name: 'pad' }), input);
  x = apply(L.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'elu', kernelInitializer: seeded(1), name: 'conv_elu' }), x);
  x = apply(L.batchNormalization({ name: 'bn_after_activation' }), x);
  x = apply(L.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: seeded(2), name: 'dw' }), x);
  x = apply(L.batchNormalization({ name: 'bn_dw' }), x);
  x = apply(L.conv2d({ filters: 6, kernelSize: 3, padding: 'same', dilationRate: 2, kernelInitializer: seeded(3), name: 'conv_dilated' }), x);
  x = apply(L.leakyReLU({ alpha: 0.2, name: 'leaky' }), x);
  // hardSwish: GFR Studio's own activation (io/hardActivations.ts), as HardSigmoidLayer is its own layer.
  const branches = ['sigmoid', 'tanh', 'hardSigmoid', 'swish', 'selu', 'softplus', 'softsign', 'relu6', 'hardSwish'].map((activation, i) =>
    apply(L.activation({ activation: activation as 'relu', name: `act_${i}` }), apply(L.conv2d({ filters: 2, kernelSize: 1, kernelInitializer: seeded(10 + i), name: `conv_${i}` }), x)));
  branches.push(apply(new HardSigmoidLayer({ alpha: 0.3, beta: 0.4, name: 'hard_sigmoid_layer' }), apply(L.conv2d({ filters: 2, kernelSize: 1, kernelInitializer: seeded(20), name: 'conv_hs' }), x)));
  x = apply(L.concatenate({ name: 'concat_maps' }), branches);
  x = apply(L.elu({ name: 'elu' }), x);
  x = apply(L.reLU({ maxValue: 4, name: 'relu_capped' }), x);
  x = apply(L.dropout({ rate: 0.5, name: 'dropout' }), x);
  const averaged = apply(L.averagePooling2d({ poolSize: 2, strides: 2, padding: 'same', name: 'avg_same' }), x);
  const maxed = apply(L.maxPooling2d({ poolSize: 3, strides: 1, padding: 'valid', name: 'max_valid' }), x);
  const flat = apply(L.flatten({ name: 'flatten' }), averaged);
  const pooled = apply(L.globalMaxPooling2d({ name: 'gmp' }), maxed);
  const gap = apply(L.globalAveragePooling2d({ name: 'gap' }), x);
  let y = apply(L.concatenate({ name: 'concat_flat' }), [flat, pooled, gap]);
  y = apply(L.dense({ units: 8, activation: 'relu', kernelInitializer: seeded(30), name: 'fc1' }), y);
  y = apply(L.batchNormalization({ name: 'bn_dense' }), y);
  const z = apply(L.dense({ units: 8, kernelInitializer: seeded(31), name: 'fc2' }), y);
  y = apply(L.add({ name: 'add' }), [y, z]);
  y = apply(L.dense({ units: 4, activation: 'softmax', kernelInitializer: seeded(32), name: 'predictions' }), y);
  const model = tf.model({ inputs: input, outputs: y, name: 'coverage' });
  const spec = randomizeNormalization(await specFromModel(model));
  model.dispose();
  return spec;
}
