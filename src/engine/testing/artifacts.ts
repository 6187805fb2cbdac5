/** Model artifacts as files, written the way the tfjs converter and model.save() write them. */
import * as tf from '@tensorflow/tfjs';
import type { NamedBytes } from '../io/modelFiles';

/** The artifacts `model.save()` produces. */
export async function savedArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return saved!;
}

/** model.json plus the weight bytes cut into `shards` files (group1-shard1ofN.bin...). */
export function shardedFiles(artifacts: tf.io.ModelArtifacts, shards = 3, weightBytes?: Uint8Array): NamedBytes[] {
  const bytes = weightBytes ?? new Uint8Array(artifacts.weightData as ArrayBuffer);
  const size = Math.ceil(bytes.length / shards);
  const paths = Array.from({ length: shards }, (_, i) => `group1-shard${i + 1}of${shards}.bin`);
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'keras v2.15.0',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
  };
  return [
    { name: 'model.json', bytes: new TextEncoder().encode(JSON.stringify(modelJson)) },
    ...paths.map((name, i) => ({ name, bytes: bytes.slice(i * size, (i + 1) * size) })),
  ];
}

/** Reads model.json + weights.bin back with stock tfjs, nothing of the engine. */
export async function stockLoad(files: NamedBytes[]): Promise<tf.LayersModel> {
  const json = JSON.parse(new TextDecoder().decode(files.find((f) => f.name === 'model.json')!.bytes));
  const weights = files.find((f) => f.name === json.weightsManifest[0].paths[0])!.bytes;
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
  }));
}
