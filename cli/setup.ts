/** Resolves the command line's model and data arguments into engine inputs. */
import { existsSync } from 'node:fs';
import { UserError } from '../src/engine/core/errors';
import type { ImageDataset, ModelSpec } from '../src/engine/core/types';
import { loadBuiltinDigits } from '../src/engine/data/builtinDigits';
import { DEBIAN_FASHION_MNIST_DIR, loadIdxFolder } from '../src/engine/data/node/readFolder';
import { splitDataset } from '../src/engine/data/split';
import { specFromModel } from '../src/engine/io/modelSpec';
import { BUILTIN_MODELS, buildBuiltinModel, isBuiltinModelName } from '../src/engine/zoo';
import { useNodeBackend } from '../src/engine/backend/node';
import { readModelFolder } from './modelFiles';
import { wholeFlag, type Flags } from './args';

export const BUILTIN_DATA = ['digits', 'fashion-mnist'] as const;

export async function selectBackend(flags: Flags): Promise<string> {
  const name = flags.backend ?? 'wasm';
  if (name !== 'wasm' && name !== 'cpu') throw new UserError(`--backend must be 'wasm' or 'cpu' in Node, got '${name}'.`);
  return useNodeBackend(name);
}

export async function loadData(flags: Flags): Promise<ImageDataset> {
  const name = flags.data ?? 'digits';
  if (name === 'digits') return loadBuiltinDigits();
  if (name === 'fashion-mnist') {
    if (!existsSync(DEBIAN_FASHION_MNIST_DIR)) {
      throw new UserError(`Fashion-MNIST is not installed (${DEBIAN_FASHION_MNIST_DIR}); run 'apt-get install dataset-fashion-mnist' or give a folder of IDX files.`);
    }
    return loadIdxFolder(DEBIAN_FASHION_MNIST_DIR);
  }
  return loadIdxFolder(name);
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
  if (valCount >= data.count) throw new UserError(`--val-samples ${valCount} leaves no training images out of ${data.count}.`);
  return splitDataset(data, { valCount, trainCount, seed });
}

/** A built-in model (built for the data's shape) or a model.json path. */
export function loadModel(argument: string | undefined, data: Pick<ImageDataset, 'height' | 'width' | 'channels' | 'numClasses'>): ModelSpec {
  if (!argument) throw new UserError(`Name a model: a model.json path or one of ${Object.keys(BUILTIN_MODELS).join(', ')}.`);
  if (!isBuiltinModelName(argument)) return readModelFolder(argument);
  const model = buildBuiltinModel(argument, { inputShape: [data.height, data.width, data.channels], numClasses: data.numClasses });
  const spec = specFromModel(model);
  model.dispose();
  return spec;
}

export const DEFAULT_DATA_SHAPE = { height: 28, width: 28, channels: 1, numClasses: 10 };
