/**
 * A model from the files a user has: a tfjs LayersModel (model.json with its
 * weight shards, or one zip holding them), a Keras 3 `.keras` file, a legacy
 * Keras `.h5` file or an `.onnx` file (PyTorch's export, `onnx/importOnnx.ts`). Shared by the studio (dropped files) and the command line
 * (files on disk), so both give the same errors.
 */
import type * as tf from '@tensorflow/tfjs';
import { concatBytes } from '../core/bytes';
import { UserError } from '../core/errors';
import { checkJsonDepth } from '../core/limits';
import type { ModelSpec } from '../core/types';
import type { InputScaling } from '../../contract/preprocessing';
import { archiveBudget, MAX_UNZIPPED_BYTES, unzipSafely } from '../core/zip';
import { isHdf5 } from './hdf5';
import { specFromKerasArchive } from './kerasArchive';
import { specFromKerasH5 } from './kerasH5';
import { specFromArtifacts } from './modelSpec';
import { specFromOnnx, type OnnxOrigin } from './onnx/importOnnx';

export { MAX_UNZIPPED_BYTES };

export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

/** Largest model.json accepted: a topology is small, anything larger is not one. */
export const MAX_MODEL_JSON_BYTES = 32 * 1024 * 1024;
/** Largest single model file (shard, zip, .keras, .h5, .onnx) accepted. */
export const MAX_MODEL_FILE_BYTES = 1024 * 1024 * 1024;

interface ModelJson {
  format?: unknown;
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  userDefinedMetadata?: { gfrStudio?: { inputScaling?: InputScaling } };
}

export type ModelFormat = 'tfjs' | 'keras' | 'h5' | 'onnx';

export interface LoadedModel {
  spec: ModelSpec;
  format: ModelFormat;
  /**
   * The preprocessing GFR Studio wrote into an exported model.json, if any; for an .onnx file, the (x − mean) / std
   * its first nodes applied to the input (taken out of the model).
   */
  inputScaling?: InputScaling;
  /** An .onnx file's opset, producer, input name and layout: what an ONNX export needs to write it back the same way. */
  onnx?: OnnxOrigin;
  /** An .onnx file's BatchNormalizations rebuilt after convolutions whose BN the export folded away (docs/METHOD.md §11.3). */
  rebuiltBatchNorms?: string[];
}

const baseName = (path: string): string => path.split(/[\\/]/).pop() ?? path;
const isKerasArchive = (name: string): boolean => /\.keras$/i.test(name);
const isH5 = (file: NamedBytes): boolean => /\.(h5|hdf5)$/i.test(file.name) || isHdf5(file.bytes);
const isOnnx = (name: string): boolean => /\.onnx$/i.test(name);

/** Any supported model format: what the studio and the command line call. */
export async function loadModelFiles(files: NamedBytes[]): Promise<LoadedModel> {
  if (files.length === 0) throw new UserError('No model files were given: give model.json with its .bin files, a zip of them, a .keras, an .h5 or an .onnx file.');
  for (const file of files) {
    if (file.bytes.byteLength > MAX_MODEL_FILE_BYTES) {
      throw new UserError(`${file.name} is ${file.bytes.byteLength} bytes; model files of at most ${MAX_MODEL_FILE_BYTES} bytes are read.`);
    }
  }
  const onnx = files.find((file) => isOnnx(file.name));
  if (onnx) {
    const imported = specFromOnnx(onnx.bytes, onnx.name);
    return { spec: imported.spec, format: 'onnx', inputScaling: imported.inputScaling, onnx: imported.origin, rebuiltBatchNorms: imported.rebuiltBatchNorms };
  }
  const keras = files.find((file) => isKerasArchive(file.name));
  if (keras) return { spec: await specFromKerasArchive(keras.bytes, keras.name), format: 'keras' };
  const h5 = files.find(isH5);
  if (h5) return { spec: await specFromKerasH5(h5.bytes, h5.name), format: 'h5' };
  const all = expandZips(files);
  if (!all.some((file) => baseName(file.name) === 'model.json') && all.some((file) => baseName(file.name) === 'config.json')) {
    const zip = files.find((file) => file.name.toLowerCase().endsWith('.zip'))!;
    return { spec: await specFromKerasArchive(zip.bytes, zip.name), format: 'keras' };
  }
  return readTfjsModel(all);
}

/** tfjs LayersModel files only (synchronous); Keras files need `loadModelFiles`. */
export function specFromFiles(files: NamedBytes[]): ModelSpec {
  if (files.some((file) => isKerasArchive(file.name) || isH5(file) || isOnnx(file.name))) {
    throw new UserError('Keras .keras and .h5 files and .onnx files are read by loadModelFiles.');
  }
  return readTfjsModel(expandZips(files)).spec;
}

/** The zips expanded, all drawing on one allowance. */
function expandZips(files: NamedBytes[]): NamedBytes[] {
  const budget = archiveBudget();
  return files.flatMap((file) => (file.name.toLowerCase().endsWith('.zip') ? unzipSafely(file.bytes, file.name, false, budget) : [file]));
}

/** Finds model.json and the shards it names (matched by file name). */
function readTfjsModel(all: NamedBytes[]): LoadedModel {
  const jsons = all.filter((file) => file.name.toLowerCase().endsWith('.json'));
  const modelFile = jsons.find((file) => baseName(file.name) === 'model.json') ?? (jsons.length === 1 ? jsons[0] : undefined);
  if (!modelFile) {
    throw new UserError(jsons.length ? `Several .json files were given (${jsons.map((f) => f.name).join(', ')}); include the one named model.json.` : 'No model.json among the files: give a tfjs LayersModel (model.json with its .bin weight files, or one zip), a .keras, an .h5 or an .onnx file.');
  }
  const json = parseModelJson(modelFile);
  const manifest = json.weightsManifest ?? [];
  if (!Array.isArray(manifest) || !manifest.every((group) => Array.isArray(group?.paths) && Array.isArray(group?.weights))) {
    throw new UserError(`The weightsManifest of ${modelFile.name} is not a list of { paths, weights } groups.`);
  }
  const byName = new Map(all.map((file) => [baseName(file.name), file.bytes]));
  const shards = manifest.flatMap((group) => group.paths.map((path) => {
    const bytes = byName.get(baseName(String(path)));
    if (!bytes) throw new UserError(`Weight file '${path}' named in ${modelFile.name} is missing; add it with model.json.`);
    return bytes;
  }));
  const spec = specFromArtifacts({
    modelTopology: json.modelTopology as object,
    weightSpecs: manifest.flatMap((group) => group.weights),
    weightData: concatBytes(shards),
  });
  return { spec, format: 'tfjs', inputScaling: rememberedScaling(json, modelFile.name) };
}

/** The message for a tfjs GraphModel, which has no layers to prune. */
export const GRAPH_MODEL_MESSAGE = 'is a TensorFlow.js GraphModel (a frozen graph of operations, no layers), which cannot be pruned here. '
  + 'Convert the original Keras or SavedModel with `tensorflowjs_converter --output_format tfjs_layers_model` to get a LayersModel.';

/** True for a GraphModel's model.json: a topology that is a GraphDef (a list of nodes), or one said to be of a 'graph-model'. */
export function isGraphModel(json: { format?: unknown; modelTopology?: unknown }): boolean {
  const topology = json.modelTopology as { node?: unknown } | undefined;
  return topology != null && (json.format === 'graph-model' || Array.isArray(topology.node));
}

/** A LayersModel that tfjs's own IO handlers loaded (tf.io.http, for a model by URL). */
export function modelFromArtifacts(artifacts: tf.io.ModelArtifacts, name: string): LoadedModel {
  if (isGraphModel(artifacts)) throw new UserError(`${name} ${GRAPH_MODEL_MESSAGE}`);
  if (!artifacts.modelTopology) throw new UserError(`${name} has no modelTopology: it is not a tfjs LayersModel model.json.`);
  return { spec: specFromArtifacts(artifacts), format: 'tfjs', inputScaling: rememberedScaling(artifacts, name) };
}

function rememberedScaling(json: Pick<ModelJson, 'userDefinedMetadata'> | tf.io.ModelArtifacts, name: string): InputScaling | undefined {
  const scaling = (json.userDefinedMetadata as ModelJson['userDefinedMetadata'])?.gfrStudio?.inputScaling;
  if (scaling === undefined) return undefined;
  const numbers = (list: unknown): list is number[] => Array.isArray(list) && list.length > 0 && list.every(Number.isFinite);
  const order = scaling?.channelOrder;
  if (!numbers(scaling?.mean) || !numbers(scaling?.std) || !scaling.std.every((value) => value > 0) || (order !== undefined && order !== 'rgb' && order !== 'bgr')) {
    throw new UserError(`The input scaling stored in ${name} (userDefinedMetadata.gfrStudio.inputScaling) is not { mean: numbers, std: numbers > 0, channelOrder?: 'rgb' | 'bgr' }.`);
  }
  return { mean: [...scaling.mean], std: [...scaling.std], ...(order === 'bgr' ? { channelOrder: order } : {}) };
}

/** The artifacts with the model's input scaling remembered in model.json's userDefinedMetadata. */
export function withInputScaling(artifacts: tf.io.ModelArtifacts, inputScaling: InputScaling): tf.io.ModelArtifacts {
  return { ...artifacts, userDefinedMetadata: { ...artifacts.userDefinedMetadata, gfrStudio: { inputScaling } } };
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
  checkJsonDepth(json, file.name);
  if (json && typeof json === 'object' && isGraphModel(json)) throw new UserError(`${file.name} ${GRAPH_MODEL_MESSAGE}`);
  if (!json || typeof json !== 'object' || !(json as ModelJson).modelTopology) {
    throw new UserError(`${file.name} has no modelTopology: it is not a tfjs LayersModel model.json.`);
  }
  return json as ModelJson;
}

/** model.json (with a one-shard manifest) and weights.bin for a spec's artifacts. */
export function modelFilesFromArtifacts(artifacts: tf.io.ModelArtifacts): NamedBytes[] {
  const modelJson = {
    format: 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
  };
  return [
    { name: 'model.json', bytes: new TextEncoder().encode(JSON.stringify(modelJson)) },
    { name: 'weights.bin', bytes: new Uint8Array(artifacts.weightData as ArrayBuffer) },
  ];
}
