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
import { splitDataset } from '../src/engine/data/split';
import { specFromModel } from '../src/engine/io/modelSpec';
import { BUILTIN_MODELS, buildBuiltinModel, isBuiltinModelName } from '../src/engine/zoo';
import { useNodeBackend } from '../src/engine/backend/node';
import { readModelFiles } from './modelFiles';
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
  const name = flags.data ?? 'digits';
  const data = await readData(name, scaling, size);
  return size ? resizeDataset(data, size[0], size[1]) : data;
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
}

/** The same flags give the same split, so `eval` measures what `prune` reported. */
export function splitData(data: ImageDataset, flags: Flags): DataSplit {
  const valCount = wholeFlag(flags['val-samples'], 'val-samples', Math.min(1000, Math.round(data.count * 0.1)), 1);
  const seed = wholeFlag(flags.seed, 'seed', 1);
  const available = data.count - valCount;
  const trainCount = flags.samples === undefined ? available : Math.min(available, wholeFlag(flags.samples, 'samples', available, 1));
  if (valCount >= data.count) throw new UsageError(`--val-samples ${valCount} leaves no training images out of ${data.count}.`);
  return splitDataset(data, { valCount, trainCount, seed });
}

/** A built-in model (built for the data's shape) or a model file. */
export async function loadModel(argument: string | undefined, data: Pick<ImageDataset, 'height' | 'width' | 'channels' | 'numClasses'>): Promise<ModelSpec> {
  if (!argument) throw new UsageError(`Name a model: a model.json, .keras or .h5 path, or one of ${Object.keys(BUILTIN_MODELS).join(', ')}.`);
  if (!isBuiltinModelName(argument)) return (await readModelFiles(argument)).spec;
  const model = buildBuiltinModel(argument, { inputShape: [data.height, data.width, data.channels], numClasses: data.numClasses });
  const spec = await specFromModel(model);
  model.dispose();
  return spec;
}

export interface Inputs {
  spec: ModelSpec;
  data: ImageDataset;
  scaling: InputScaling;
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
    return { spec: loaded.spec, data: await loadData(flags, scaling, size), scaling };
  }
  const scaling = scalingFlags(flags);
  const data = await loadData(flags, scaling);
  return { spec: await loadModel(argument, data), data, scaling };
}

export const DEFAULT_DATA_SHAPE = { height: 28, width: 28, channels: 1, numClasses: 10 };
