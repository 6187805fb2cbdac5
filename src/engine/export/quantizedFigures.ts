/** A model's accuracy and size once its weights are quantized, measured on the model that stock tfjs loads from the quantized files. */
import * as tf from '@tensorflow/tfjs';
import type { QuantizedFigures, WeightQuantization } from '../../contract/candidate';
import type { ImageDataset, ModelSpec } from '../core/types';
import { evaluate } from '../eval/evaluate';
import type { OutputKind } from '../../contract/outputKind';
import { artifactsFromSpec } from '../io/modelSpec';
import { quantizeArtifacts, weightDataBytes } from './quantize';

export async function measureQuantized(spec: ModelSpec, quantization: WeightQuantization, data: ImageDataset, outputKind: OutputKind, signal?: AbortSignal): Promise<QuantizedFigures> {
  const artifacts = quantizeArtifacts(artifactsFromSpec(spec), quantization);
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  try {
    const { accuracy } = await evaluate(model, data, { outputKind, signal });
    return { accuracy, weightBytes: weightDataBytes(artifacts) };
  } finally {
    model.dispose();
  }
}
