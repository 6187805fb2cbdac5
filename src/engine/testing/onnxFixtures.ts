/**
 * The `.onnx` test fixtures (written by fixtures/onnx/make_fixtures.py, run outside CI) and the comparison every
 * import test makes: the imported spec in tfjs against the file in onnxruntime-web, on the same seeded images.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../core/types';
import { runOnnx } from './onnxRuntime';
import { maxAbsDifference, predictSpec } from './tensors';

/** Largest difference accepted between tfjs's and onnxruntime's outputs (issue 20). */
export const ONNX_TOLERANCE = 1e-4;

export const ONNX_FIXTURES = join(__dirname, 'fixtures/onnx');

export const onnxFixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(ONNX_FIXTURES, name)));

/** Seeded images in [0, 1], NHWC. */
export function seededImages(count: number, height: number, width: number, channels: number, seed = 1): Float32Array {
  let state = seed;
  return Float32Array.from({ length: count * height * width * channels }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  });
}

export function toNchw(nhwc: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const out = new Float32Array(nhwc.length);
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[((i * c + k) * h + y) * w + x] = nhwc[((i * h + y) * w + x) * c + k];
  return out;
}

/** The spec's input shape without the batch: [height, width, channels]. */
export const specInputShape = (spec: ModelSpec): number[] => (spec.layers.find((layer) => layer.name === spec.inputs[0])!.config.batch_input_shape as number[]).slice(1);

export interface OnnxComparison {
  /** The largest difference between the two outputs. */
  difference: number;
  /** The range of onnxruntime's outputs: a comparison of near-constant outputs proves little. */
  spread: number;
  /** onnxruntime's outputs, as the file lays them out. */
  expected: Float32Array;
}

/**
 * tfjs's outputs of the imported spec and onnxruntime's of the file, on the same images. `mapOutput`: the output
 * is an image map (tfjs NHWC, compared in the file's NCHW order); otherwise class scores.
 */
export async function compareWithOnnxRuntime(bytes: Uint8Array, spec: ModelSpec, layout: 'NCHW' | 'NHWC', count = 3, mapOutput?: number[]): Promise<OnnxComparison> {
  const [h, w, c] = specInputShape(spec);
  const nhwc = seededImages(count, h, w, c);
  const input = tf.tensor(nhwc, [count, h, w, c]);
  const expected = await runOnnx(bytes, layout === 'NCHW' ? toNchw(nhwc, [count, h, w, c]) : nhwc, layout === 'NCHW' ? [count, c, h, w] : [count, h, w, c]);
  const predicted = await predictSpec(spec, input);
  input.dispose();
  const actual = mapOutput ? toNchw(predicted, [count, ...mapOutput]) : predicted;
  const spread = expected.reduce((max, v) => Math.max(max, v), -Infinity) - expected.reduce((min, v) => Math.min(min, v), Infinity);
  return { difference: maxAbsDifference(expected, actual), spread, expected };
}
