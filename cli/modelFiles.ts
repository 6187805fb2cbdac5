/** Node-only: reads a tfjs LayersModel folder (model.json + shards) and writes one. */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../src/engine/core/errors';
import type { ModelSpec } from '../src/engine/core/types';
import { specFromArtifacts } from '../src/engine/io/modelSpec';

/** Largest model.json read (a topology is small; anything larger is not one). */
const MAX_TOPOLOGY_BYTES = 32 * 1024 * 1024;

export function readModelFolder(path: string): ModelSpec {
  const file = resolve(path);
  let size: number;
  try {
    const stats = statSync(file);
    if (stats.isDirectory()) return readModelFolder(join(file, 'model.json'));
    size = stats.size;
  } catch {
    throw new UserError(`Model file "${path}" does not exist. Give a model.json (with its weight files beside it) or a built-in model name.`);
  }
  if (size > MAX_TOPOLOGY_BYTES) throw new UserError(`"${path}" is ${size} bytes; a model.json is at most ${MAX_TOPOLOGY_BYTES} bytes.`);
  let json: { modelTopology?: unknown; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError(`"${path}" is not valid JSON (${(error as Error).message}); give the model.json that tfjs wrote.`);
  }
  if (!json || typeof json !== 'object' || !json.modelTopology) {
    throw new UserError(`"${path}" has no modelTopology: it is not a tfjs LayersModel model.json.`);
  }
  const manifest = json.weightsManifest ?? [];
  const buffers = manifest.flatMap((group) => group.paths.map((shard) => readShard(join(dirname(file), shard), shard)));
  return specFromArtifacts({
    modelTopology: json.modelTopology as object,
    weightSpecs: manifest.flatMap((group) => group.weights),
    weightData: concat(buffers),
  });
}

function readShard(path: string, name: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch {
    throw new UserError(`Weight file "${name}" named in model.json is missing; put it beside model.json.`);
  }
}

function concat(parts: Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  return joined.buffer;
}

/** Writes DIR/model.json and DIR/weights.bin, the layout tf.loadLayersModel('file://…') and browsers read. */
export function writeModelFolder(dir: string, artifacts: tf.io.ModelArtifacts): void {
  mkdirSync(dir, { recursive: true });
  const weights = artifacts.weightData as ArrayBuffer;
  writeFileSync(join(dir, 'weights.bin'), new Uint8Array(weights));
  const modelJson = {
    format: 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson));
}
