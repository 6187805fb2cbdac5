/**
 * Models trained on normalized inputs, for tests of the preprocessing: a model
 * trained on pixels in [0, 1] rewritten so that it computes the same on inputs
 * preprocessed as `scaling` says (and only on those), with gray images copied
 * into `channels` channels. Exact for a first Conv2D with valid padding:
 * x01 = x'·std + mean, so the kernel takes ·std/C and the bias +ΣW·mean/C.
 */
import type { ModelSpec } from '../core/types';
import type { InputScaling } from '../../contract/preprocessing';

const pick = (values: number[], c: number): number => (values.length === 1 ? values[0] : values[c]);

export function modelExpecting(spec: ModelSpec, scaling: InputScaling, channels: number): ModelSpec {
  const copy = structuredClone(spec);
  const input = copy.layers.find((layer) => layer.name === copy.inputs[0])!;
  const conv = copy.layers.find((layer) => layer.inbound.includes(input.name))!;
  if (conv.className !== 'Conv2D' || conv.config.padding !== 'valid' || !conv.weights.bias) {
    throw new Error('modelExpecting needs a first Conv2D with valid padding and a bias.');
  }
  const shapeKey = 'batch_input_shape' in input.config ? 'batch_input_shape' : 'batch_shape';
  const shape = input.config[shapeKey] as (number | null)[];
  if (shape[3] !== 1) throw new Error('modelExpecting starts from a model of gray images.');
  input.config = { ...input.config, [shapeKey]: [...shape.slice(0, 3), channels] };

  const { kernel, bias } = conv.weights;
  const [kh, kw, , filters] = kernel.shape;
  const values = new Float32Array(kh * kw * channels * filters);
  const meanShare = Array.from({ length: channels }, (_, c) => pick(scaling.mean, c)).reduce((a, b) => a + b, 0) / channels;
  const biasValues = Float32Array.from(bias.values);
  for (let p = 0; p < kh * kw; p++) {
    for (let o = 0; o < filters; o++) {
      const w = kernel.values[p * filters + o];
      biasValues[o] += w * meanShare;
      for (let c = 0; c < channels; c++) values[(p * channels + c) * filters + o] = (w * pick(scaling.std, c)) / channels;
    }
  }
  conv.weights = { ...conv.weights, kernel: { shape: [kh, kw, channels, filters], values }, bias: { shape: bias.shape, values: biasValues } };
  return copy;
}
