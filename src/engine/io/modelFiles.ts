/**
 * A tfjs LayersModel from the files a user has: model.json with its weight
 * shards, or one zip holding them. Shared by the studio (dropped files) and
 * the command line (a folder on disk), so both give the same errors.
 */
import { unzipSync } from 'fflate';
import type * as tf from '@tensorflow/tfjs';
import { concatBytes } from '../core/bytes';
import { UserError } from '../core/errors';
import type { ModelSpec } from '../core/types';
import { specFromArtifacts } from './modelSpec';

export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

/** Largest model.json accepted: a topology is small, anything larger is not one. */
export const MAX_MODEL_JSON_BYTES = 32 * 1024 * 1024;

interface ModelJson {
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

const baseName = (path: string): string => path.split(/[\\/]/).pop() ?? path;

/** Expands zips, then finds model.json and the shards it names (matched by file name). */
export function specFromFiles(files: NamedBytes[]): ModelSpec {
  const all = files.flatMap((file) => (file.name.toLowerCase().endsWith('.zip') ? unzipModel(file) : [file]));
  const jsons = all.filter((file) => file.name.toLowerCase().endsWith('.json'));
  const modelFile = jsons.find((file) => baseName(file.name) === 'model.json') ?? (jsons.length === 1 ? jsons[0] : undefined);
  if (!modelFile) {
    throw new UserError(jsons.length ? `Several .json files were given (${jsons.map((f) => f.name).join(', ')}); include the one named model.json.` : 'No model.json among the files: give a tfjs LayersModel (model.json with its .bin weight files, or one zip).');
  }
  const json = parseModelJson(modelFile);
  const manifest = json.weightsManifest ?? [];
  const byName = new Map(all.map((file) => [baseName(file.name), file.bytes]));
  const shards = manifest.flatMap((group) => group.paths.map((path) => {
    const bytes = byName.get(baseName(path));
    if (!bytes) throw new UserError(`Weight file '${path}' named in ${modelFile.name} is missing; add it with model.json.`);
    return bytes;
  }));
  return specFromArtifacts({
    modelTopology: json.modelTopology as object,
    weightSpecs: manifest.flatMap((group) => group.weights),
    weightData: concatBytes(shards),
  });
}

function parseModelJson(file: NamedBytes): ModelJson {
  if (file.bytes.byteLength > MAX_MODEL_JSON_BYTES) {
    throw new UserError(`${file.name} is ${file.bytes.byteLength} bytes; a model.json is at most ${MAX_MODEL_JSON_BYTES} bytes.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(file.bytes));
  } catch (error) {
    throw new UserError(`${file.name} is not valid JSON (${(error as Error).message}); give the model.json that tfjs wrote.`);
  }
  if (!json || typeof json !== 'object' || !(json as ModelJson).modelTopology) {
    throw new UserError(`${file.name} has no modelTopology: it is not a tfjs LayersModel model.json.`);
  }
  return json as ModelJson;
}

/** Largest total size a zip may expand to: refuses zip bombs before inflating. */
export const MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024;

function unzipModel(file: NamedBytes): NamedBytes[] {
  let total = 0;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(file.bytes, {
      filter: (entry) => {
        if (entry.name.split('/').includes('..') || entry.name.startsWith('/')) {
          throw new UserError(`${file.name} holds an entry '${entry.name}' that points outside the archive; it was refused.`);
        }
        total += entry.originalSize;
        if (total > MAX_UNZIPPED_BYTES) throw new UserError(`${file.name} expands to more than ${MAX_UNZIPPED_BYTES} bytes; it was refused.`);
        return !entry.name.endsWith('/');
      },
    });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${file.name} is not a readable zip (${(error as Error).message}).`);
  }
  return Object.entries(entries).map(([name, bytes]) => ({ name, bytes }));
}

/** model.json (with a one-shard manifest) and weights.bin for a spec's artifacts. */
export function modelFilesFromArtifacts(artifacts: tf.io.ModelArtifacts): NamedBytes[] {
  const modelJson = {
    format: 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
  };
  return [
    { name: 'model.json', bytes: new TextEncoder().encode(JSON.stringify(modelJson)) },
    { name: 'weights.bin', bytes: new Uint8Array(artifacts.weightData as ArrayBuffer) },
  ];
}
