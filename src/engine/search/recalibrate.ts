/**
 * BN recalibration (docs/METHOD.md §5.4, after EagleEye's adaptive BN): forward
 * passes in training mode on a few training batches, no weight update; each
 * BN's moving mean and variance become the statistics of its input over all
 * those batches.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_SEARCH_SETTINGS } from '../../contract/settings';
import { throwIfAborted } from '../core/abort';
import type { ImageDataset } from '../core/types';
import { batches } from '../data/split';
import { evaluate, type Evaluation } from '../eval/evaluate';
import { isBatchNorm, keepingStatistics, movingStatistics } from '../eval/movingStatistics';
import type { OutputKind } from '../../contract/outputKind';

export interface RecalibrationOptions {
  batches: number;
  batchSize: number;
  seed: number;
  signal?: AbortSignal;
  /** Only these BN layers (default: all). */
  layers?: string[];
}

export const DEFAULT_RECALIBRATION: RecalibrationOptions = { batches: DEFAULT_SEARCH_SETTINGS.recalibrationBatches, batchSize: DEFAULT_SEARCH_SETTINGS.batchSize, seed: 3 };

export async function recalibrateBatchNorm(model: tf.LayersModel, data: ImageDataset, options: RecalibrationOptions = DEFAULT_RECALIBRATION): Promise<void> {
  const normalizations = chosenBatchNorms(model, options.layers);
  if (normalizations.length === 0) return;
  // Training-mode passes move every BN's moving statistics: the layers not asked for get theirs back.
  const others = movingStatistics(model.layers.filter((layer) => !normalizations.includes(layer)));
  await keepingStatistics(others, () => measureStatistics(model, normalizations, data, options));
}

function chosenBatchNorms(model: tf.LayersModel, names?: string[]): tf.layers.Layer[] {
  return model.layers.filter((layer) => isBatchNorm(layer) && (!names || names.includes(layer.name)));
}

async function measureStatistics(model: tf.LayersModel, normalizations: tf.layers.Layer[], data: ImageDataset, options: RecalibrationOptions): Promise<void> {
  const probe = tf.model({ inputs: model.inputs, outputs: normalizations.map((layer) => layer.input as tf.SymbolicTensor) });
  const sums = normalizations.map(() => ({ sum: new Float64Array(0), squares: new Float64Array(0), count: 0 }));
  let seen = 0;
  for (const batch of batches(data, options.batchSize, { shuffle: true, seed: options.seed })) {
    if (seen++ >= options.batches) break;
    throwIfAborted(options.signal);
    const moments = tf.tidy(() => {
      const x = tf.tensor4d(batch.images, [batch.size, data.height, data.width, data.channels]);
      const inputs = probe.apply(x, { training: true }) as tf.Tensor[];
      return (Array.isArray(inputs) ? inputs : [inputs]).map((input) => {
        const channels = input.shape[input.shape.length - 1] as number;
        const flat = input.reshape([-1, channels]);
        return tf.stack([tf.sum(flat, 0), tf.sum(tf.square(flat), 0), tf.fill([channels], flat.shape[0] as number)]);
      });
    });
    const values = await Promise.all(moments.map((tensor) => tensor.data()));
    moments.forEach((tensor) => tensor.dispose());
    values.forEach((data, index) => accumulate(sums[index], data));
  }
  normalizations.forEach((layer, index) => {
    const { sum, squares, count } = sums[index];
    const mean = Float32Array.from(sum, (value) => value / count);
    const variance = Float32Array.from(squares, (value, channel) => Math.max(0, value / count - mean[channel] ** 2));
    writeWeight(layer, 'moving_mean', mean);
    writeWeight(layer, 'moving_variance', variance);
  });
}

function accumulate(target: { sum: Float64Array; squares: Float64Array; count: number }, data: ArrayLike<number>): void {
  const channels = data.length / 3;
  if (target.sum.length === 0) {
    target.sum = new Float64Array(channels);
    target.squares = new Float64Array(channels);
  }
  for (let c = 0; c < channels; c++) {
    target.sum[c] += data[c];
    target.squares[c] += data[channels + c];
  }
  target.count += data[2 * channels];
}

function writeWeight(layer: tf.layers.Layer, key: string, values: Float32Array): void {
  const variable = layer.weights.find((weight) => weight.originalName.endsWith(`/${key}`));
  if (!variable) return;
  const tensor = tf.tensor(values, variable.shape as number[]);
  variable.write(tensor);
  tensor.dispose();
}

export interface RecalibrationChoice {
  /** Whether the recalibrated statistics were kept. */
  kept: boolean;
  /** The model's evaluation on the calibration images (with its hits), with the statistics it kept. */
  calibration: Evaluation;
  /** Its calibration accuracy with its own statistics, and with the recalibrated ones (absent without a BN to recalibrate). */
  accuracyBefore: number;
  accuracyAfter?: number;
}

/**
 * Recalibrates on `fit` images, then keeps the new statistics only if they
 * measure better on the held-out `calibration` images (accuracy, then loss):
 * on a well-trained model a few batches estimate the statistics worse than
 * training did (the ResNet-20 of issue 10 lost 2 points), so recalibration
 * must never be taken on trust.
 */
export async function recalibrateIfBetter(
  model: tf.LayersModel,
  data: { fit: ImageDataset; calibration: ImageDataset; outputKind: OutputKind },
  options: RecalibrationOptions,
): Promise<RecalibrationChoice> {
  const evaluateOn = () => evaluate(model, data.calibration, { outputKind: data.outputKind, signal: options.signal, keepHits: true });
  const before = await evaluateOn();
  const statistics = movingStatistics(chosenBatchNorms(model, options.layers));
  if (statistics.length === 0) return { kept: false, calibration: before, accuracyBefore: before.accuracy };
  const saved = statistics.map((variable) => tf.clone(variable.read()));
  try {
    await recalibrateBatchNorm(model, data.fit, options);
    const after = await evaluateOn();
    const better = after.accuracy > before.accuracy || (after.accuracy === before.accuracy && after.loss < before.loss);
    const accuracies = { accuracyBefore: before.accuracy, accuracyAfter: after.accuracy };
    if (better) return { kept: true, calibration: after, ...accuracies };
    statistics.forEach((variable, index) => variable.write(saved[index]));
    return { kept: false, calibration: before, ...accuracies };
  } finally {
    saved.forEach((tensor) => tensor.dispose());
  }
}
