/** Loads and splits a task's data the same way in every process, so that all criteria see the same images. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readModelFiles } from '../../cli/modelFiles';
import type { ImageDataset, ModelSpec } from '../../src/engine/core/types';
import { shuffledIndices } from '../../src/engine/core/random';
import { loadBuiltinDigits } from '../../src/engine/data/builtinDigits';
import { DEBIAN_FASHION_MNIST_DIR, loadIdxFolder } from '../../src/engine/data/node/readFolder';
import { parseScaling } from '../../src/engine/data/scaling';
import { subsetDataset } from '../../src/engine/data/split';
import type { SessionData } from '../../src/engine/session';
import { isModelFile, type ModelFile, type QualityTask } from './tasks';

export const SPLIT_SEED = 1;

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Real networks and images, beside the repository (a read-only copy in CI), read in place and never
 * copied into the repository: their licenses are theirs (../shared/real/README.md).
 */
export const REAL_DIR = resolve(REPO_ROOT, '../shared/real');

/** The 8,000 CIFAR-10 images of `cifar10-8k`, in REAL_DIR. */
export const CIFAR10_8K_DIR = join(REAL_DIR, 'cifar10-8k');

const CIFAR10_CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

export interface TaskData extends SessionData {
  source: string;
  /** Set when the task's dataset is missing and the built-in digits stand in for it. */
  substitute?: string;
}

/** The files a task reads from REAL_DIR. */
function realFiles(task: QualityTask): string[] {
  return [
    ...(isModelFile(task.model) ? [join(REAL_DIR, task.model.path)] : []),
    ...(task.data === 'cifar10-8k' ? [CIFAR10_8K_DIR] : []),
  ];
}

/** Why the task cannot run here (its files in REAL_DIR are missing), or null when it can. */
export function realFilesProblem(task: QualityTask): string | null {
  const missing = realFiles(task).filter((path) => !existsSync(path));
  if (missing.length === 0) return null;
  return `${task.name} skipped: ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} missing (the real network and images are read in place from ${REAL_DIR}, beside the repository, never committed)`;
}

/**
 * The seeded split of `count` images: validation first, then training images from the rest
 * (disjoint; the same seed gives the same indices in every process).
 */
export function splitIndices(count: number, valCount: number, trainCount: number, seed = SPLIT_SEED): { train: Int32Array; validation: Int32Array } {
  const order = shuffledIndices(count, seed);
  return { validation: order.slice(0, valCount), train: order.slice(valCount, valCount + trainCount) };
}

export async function loadTaskData(task: QualityTask): Promise<TaskData> {
  let data: ImageDataset;
  let substitute: string | undefined;
  if (task.data === 'cifar10-8k') {
    const scaling = isModelFile(task.model) ? parseScaling(task.model.preprocessing) : undefined;
    data = { ...loadIdxFolder(CIFAR10_8K_DIR, scaling), classNames: [...CIFAR10_CLASS_NAMES] };
  } else if (task.data === 'fashion-mnist' && existsSync(DEBIAN_FASHION_MNIST_DIR)) {
    data = loadIdxFolder(DEBIAN_FASHION_MNIST_DIR);
  } else {
    if (task.data === 'fashion-mnist') substitute = `Fashion-MNIST is not installed at ${DEBIAN_FASHION_MNIST_DIR}; the built-in digits stand in`;
    data = await loadBuiltinDigits();
  }
  const valCount = Math.min(task.valCount, Math.floor(data.count / 2));
  const trainCount = Math.min(task.trainCount, data.count - valCount);
  const indices = splitIndices(data.count, valCount, trainCount);
  return {
    train: subsetDataset(data, indices.train, `${data.source}, train split`),
    validation: subsetDataset(data, indices.validation, `${data.source}, validation split`),
    source: data.source,
    ...(substitute ? { substitute } : {}),
  };
}

/** The network of a task that starts from a model file, as the command line reads it. */
export async function readTaskModel(model: ModelFile): Promise<ModelSpec> {
  return (await readModelFiles(join(REAL_DIR, model.path))).spec;
}
