/** Resolves the command line's model and data arguments into engine inputs. */
import { existsSync } from 'node:fs';
import { UserError } from '../src/engine/core/errors';
import type { ImageDataset, ModelSpec } from '../src/engine/core/types';
import type { InputScaling } from '../src/contract/preprocessing';
import { loadBuiltinDigits } from '../src/engine/data/builtinDigits';
import { loadImageFolder, isImageFolderPath } from '../src/engine/data/node/readImageFolder';
import { DEBIAN_FASHION_MNIST_DIR, loadIdxFolder } from '../src/engine/data/node/readFolder';
import { resizeDataset } from '../src/engine/data/resize';
import { parseScaling } from '../src/engine/data/scaling';
import { splitDataset, subsetDataset } from '../src/engine/data/split';
import { checkValidationImages, type ImageShape } from '../src/engine/data/validationImages';
import { shuffledIndices } from '../src/engine/core/random';
import { analyzeModel } from '../src/engine/graph/analyze';
import { specFromModel } from '../src/engine/io/modelSpec';
import { BUILTIN_MODELS, buildBuiltinModel, isBuiltinModelName } from '../src/engine/zoo';
import { useNodeBackend } from '../src/engine/backend/node';
import type { OnnxOrigin } from '../src/engine/io/onnx/importOnnx';
import { readModelFiles } from './modelFiles';
import { measureRebuiltOn } from '../src/engine/io/onnx/batchNorm';
import { UsageError, wholeFlag, type Flags } from './args';

export const BUILTIN_DATA = ['digits', 'fashion-mnist'] as const;

export async function selectBackend(flags: Flags): Promise<string> {
  const name = flags.backend ?? 'wasm';
  if (name !== 'wasm' && name !== 'cpu') throw new UsageError(`--backend must be 'wasm' or 'cpu' in Node, got '${name}'.`);
  return useNodeBackend(name);
}

/** Height, width and channels of a model's input, when its InputLayer says. */
export type InputSize = [number, number, number];

export function inputSizeOf(spec: ModelSpec): InputSize | undefined {
  const input = spec.layers.find((layer) => layer.name === spec.inputs[0]);
  const shape = input?.config.batch_input_shape;
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.slice(1).every((size) => Number.isInteger(size) && size > 0)) return undefined;
  return shape.slice(1) as InputSize;
}

/**
 * --mean/--std when given (applied after scaling pixels to [0, 1]), else the
 * scaling remembered in the model's files, else none.
 */
export function scalingFlags(flags: Flags, remembered?: InputScaling, channels?: number): InputScaling {
  if (flags.mean === undefined && flags.std === undefined) return remembered ?? { mean: [0], std: [1] };
  return parseScaling(flags.mean, flags.std, channels);
}

/** The data, scaled, and resized to `size` when the model expects another height and width. */
export async function loadData(flags: Flags, scaling: InputScaling, size?: InputSize): Promise<ImageDataset> {
  return loadNamedData(flags.data ?? 'digits', scaling, size);
}

/** `--data` or `--val-data`: a built-in name, an IDX folder, an image folder or zip; scaled, resized to `size`. */
async function loadNamedData(name: string, scaling: InputScaling, size?: InputSize): Promise<ImageDataset> {
  const data = await readData(name, scaling, size);
  return size ? resizeDataset(data, size[0], size[1]) : data;
}

const VAL_DATA_ADVICE = 'Give --val-data images of the same size, channels and classes as the model and --data (for an image folder: one subfolder per class, the same classes), or leave --val-data out to hold out part of --data.';

/**
 * `--val-data`, read as `--data` is (same forms, same --mean/--std, resized to `size`) and checked against
 * `expected` (the data, or the model): a UserError names what differs. Notes: what fits but looks wrong.
 */
export async function loadValidationData(flags: Flags, scaling: InputScaling, size: InputSize | undefined, expected: ImageShape, what: string): Promise<{ validation: ImageDataset; notes: string[] }> {
  const validation = await loadNamedData(flags['val-data']!, scaling, size);
  const notes = checkValidationImages(validation, expected, VAL_DATA_ADVICE, what);
  return { validation, notes };
}

/** The shape a model takes and the classes it predicts, as its layers say (what `--val-data` must match for `eval`). */
export function modelImageShape(spec: ModelSpec): ImageShape | undefined {
  const analysis = analyzeModel(spec);
  const size = inputSizeOf(spec);
  const output = analysis.layers.find((layer) => layer.name === spec.outputs[0])?.outputShape;
  const classes = output?.[output.length - 1];
  if (!size || typeof classes !== 'number') return undefined;
  return { height: size[0], width: size[1], channels: size[2], numClasses: classes };
}

async function readData(name: string, scaling: InputScaling, size?: InputSize): Promise<ImageDataset> {
  if (name === 'digits') return loadBuiltinDigits(scaling);
  if (name === 'fashion-mnist') {
    if (!existsSync(DEBIAN_FASHION_MNIST_DIR)) {
      throw new UserError(`Fashion-MNIST is not installed (${DEBIAN_FASHION_MNIST_DIR}); run 'apt-get install dataset-fashion-mnist' or give a folder of IDX files.`);
    }
    return loadIdxFolder(DEBIAN_FASHION_MNIST_DIR, scaling);
  }
  if (isImageFolderPath(name)) {
    return loadImageFolder(name, { scaling, ...(size ? { height: size[0], width: size[1], channels: size[2] } : {}) });
  }
  return loadIdxFolder(name, scaling);
}

export interface DataSplit {
  train: ImageDataset;
  validation: ImageDataset;
  /** The validation images are `--val-data`'s: all of `train` trains and calibrates. */
  separateValidation?: boolean;
}

/**
 * The same flags give the same split, so `eval` measures what `prune` reported. With `--val-data` images
 * (`validation`), nothing of `data` is held out: all of it trains and calibrates (`--samples`: a seeded share),
 * and `--val-samples N` takes a seeded N of the `--val-data` images (default: all of them).
 */
export function splitData(data: ImageDataset, flags: Flags, validation?: ImageDataset): DataSplit {
  if (validation) {
    return { train: seededSubset(data, flags, 'samples'), validation: ownValidation(validation, flags), separateValidation: true };
  }
  const valCount = wholeFlag(flags['val-samples'], 'val-samples', Math.min(1000, Math.round(data.count * 0.1)), 1);
  const seed = wholeFlag(flags.seed, 'seed', 1);
  const available = data.count - valCount;
  const trainCount = flags.samples === undefined ? available : Math.min(available, wholeFlag(flags.samples, 'samples', available, 1));
  if (valCount >= data.count) throw new UsageError(`--val-samples ${valCount} leaves no training images out of ${data.count}.`);
  return splitDataset(data, { valCount, trainCount, seed });
}

/** The `--val-data` images measured on: all of them, or a seeded `--val-samples N`. */
export const ownValidation = (validation: ImageDataset, flags: Flags): ImageDataset => seededSubset(validation, flags, 'val-samples');

/** `--samples N` of `data` (or `--val-samples N` of the `--val-data` images), seeded; all of them when the flag is absent. */
function seededSubset(data: ImageDataset, flags: Flags, flag: 'samples' | 'val-samples'): ImageDataset {
  if (flags[flag] === undefined) return data;
  const seed = wholeFlag(flags.seed, 'seed', 1);
  const count = wholeFlag(flags[flag], flag, data.count, 1);
  const what = flag === 'samples' ? '--data' : '--val-data';
  if (count > data.count) throw new UsageError(`--${flag} ${count} is more than the ${data.count} images of ${what}; give at most ${data.count}, or leave it out to use them all.`);
  return count === data.count ? data : subsetDataset(data, shuffledIndices(data.count, seed).subarray(0, count), data.source);
}

/** A built-in model (built for the data's shape, its initializers seeded by `seed`) or a model file. */
export async function loadModel(argument: string | undefined, data: Pick<ImageDataset, 'height' | 'width' | 'channels' | 'numClasses'>, seed = 1): Promise<ModelSpec> {
  if (!argument) throw new UsageError(`Name a model: a model.json, .keras, .h5 or .onnx path, or one of ${Object.keys(BUILTIN_MODELS).join(', ')}.`);
  if (!isBuiltinModelName(argument)) return (await readModelFiles(argument)).spec;
  const model = buildBuiltinModel(argument, { inputShape: [data.height, data.width, data.channels], numClasses: data.numClasses, seed });
  const spec = await specFromModel(model);
  model.dispose();
  return spec;
}

export interface Inputs {
  spec: ModelSpec;
  data: ImageDataset;
  scaling: InputScaling;
  /** `--val-data`'s images, checked against the data (and so the model). */
  validation?: ImageDataset;
  /** What fits but may be a mistake (validation classes named differently), for a warning. */
  notes: string[];
  /** Where an .onnx model came from (opset, input name and layout): the pruned model goes back the same way. */
  onnx?: OnnxOrigin;
}

/**
 * Model and data together: a model file fixes the input size (data of another
 * size is resized) and may carry its input scaling; a built-in model is built
 * for the data.
 */
export async function loadInputs(argument: string | undefined, flags: Flags): Promise<Inputs> {
  if (argument && !isBuiltinModelName(argument)) {
    const loaded = await readModelFiles(argument);
    const size = inputSizeOf(loaded.spec);
    const scaling = scalingFlags(flags, loaded.inputScaling, size?.[2]);
    const data = await loadData(flags, scaling, size);
    const spec = await measureRebuiltOn(loaded.spec, loaded.rebuiltBatchNorms ?? [], data);
    return { spec, data, scaling, ...(loaded.onnx ? { onnx: loaded.onnx } : {}), ...(await withValidation(flags, scaling, size, data)) };
  }
  const scaling = scalingFlags(flags);
  const data = await loadData(flags, scaling);
  // A built-in model is built for the data: the validation images are resized to the data's size.
  const validation = await withValidation(flags, scaling, [data.height, data.width, data.channels], data);
  return { spec: await loadModel(argument, data, wholeFlag(flags.seed, 'seed', 1)), data, scaling, ...validation };
}

async function withValidation(flags: Flags, scaling: InputScaling, size: InputSize | undefined, data: ImageDataset): Promise<{ validation?: ImageDataset; notes: string[] }> {
  if (flags['val-data'] === undefined) return { notes: [] };
  return loadValidationData(flags, scaling, size, data, `--data (${data.source})`);
}

/**
 * `eval` with `--val-data` and a model file: only the validation images are read (not `--data`), checked
 * against the model's input and classes. Undefined when `eval` reads `--data` as usual.
 */
export async function loadEvalInputs(argument: string | undefined, flags: Flags): Promise<{ spec: ModelSpec; validation: ImageDataset; notes: string[] } | undefined> {
  if (flags['val-data'] === undefined || !argument || isBuiltinModelName(argument)) return undefined;
  const loaded = await readModelFiles(argument);
  const size = inputSizeOf(loaded.spec);
  const scaling = scalingFlags(flags, loaded.inputScaling, size?.[2]);
  const shape = modelImageShape(loaded.spec);
  const read = shape
    ? await loadValidationData(flags, scaling, size, shape, 'the model')
    : { validation: await loadNamedData(flags['val-data'], scaling, size), notes: [] };
  return { spec: loaded.spec, ...read };
}

export const DEFAULT_DATA_SHAPE = { height: 28, width: 28, channels: 1, numClasses: 10 };
