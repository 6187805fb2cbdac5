/** Loads and splits a task's data the same way in every process, so that all criteria see the same images. */
import { existsSync } from 'node:fs';
import type { ImageDataset } from '../../src/engine/core/types';
import { loadBuiltinDigits } from '../../src/engine/data/builtinDigits';
import { DEBIAN_FASHION_MNIST_DIR, loadIdxFolder } from '../../src/engine/data/node/readFolder';
import { splitDataset } from '../../src/engine/data/split';
import type { SessionData } from '../../src/engine/session';
import type { QualityTask } from './tasks';

export const SPLIT_SEED = 1;

export interface TaskData extends SessionData {
  source: string;
  /** Set when the task's dataset is missing and the built-in digits stand in for it. */
  substitute?: string;
}

export async function loadTaskData(task: QualityTask): Promise<TaskData> {
  let data: ImageDataset;
  let substitute: string | undefined;
  if (task.data === 'fashion-mnist' && existsSync(DEBIAN_FASHION_MNIST_DIR)) {
    data = loadIdxFolder(DEBIAN_FASHION_MNIST_DIR);
  } else {
    if (task.data === 'fashion-mnist') substitute = `Fashion-MNIST is not installed at ${DEBIAN_FASHION_MNIST_DIR}; the built-in digits stand in`;
    data = await loadBuiltinDigits();
  }
  const valCount = Math.min(task.valCount, Math.floor(data.count / 2));
  const trainCount = Math.min(task.trainCount, data.count - valCount);
  const split = splitDataset(data, { valCount, trainCount, seed: SPLIT_SEED });
  return { ...split, source: data.source, ...(substitute ? { substitute } : {}) };
}
