/**
 * The trained-start task on a real network (issue 19): its seeded 6,000/2,000 split, its model file,
 * and its skipping where ../shared/real is missing (a clone without it).
 */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../src/engine/backend/node';
import { analyzeModel } from '../../src/engine/graph/analyze';
import { CIFAR10_8K_DIR, loadTaskData, readTaskModel, REAL_DIR, realFilesProblem, splitIndices } from './data';
import { selectTasks } from './quality';
import { FULL_TASKS, isModelFile, protocolProblem, protocolTask, type QualityTask } from './tasks';

const task = protocolTask(FULL_TASKS.find((candidate) => candidate.name === 'resnet56-cifar')!, 'trained');
const haveReal = existsSync(REAL_DIR) && realFilesProblem(task) === null;

describe('resnet56-cifar', () => {
  it('splits 8,000 images into 6,000 and 2,000 disjoint indices, the same for the same seed', () => {
    const { train, validation } = splitIndices(8000, task.valCount, task.trainCount);
    expect([train.length, validation.length]).toEqual([6000, 2000]);
    const all = new Set([...train, ...validation]);
    expect(all.size).toBe(8000);
    expect(Math.min(...all)).toBe(0);
    expect(Math.max(...all)).toBe(7999);
    const again = splitIndices(8000, task.valCount, task.trainCount);
    expect(Array.from(again.validation)).toEqual(Array.from(validation));
    expect(Array.from(again.train)).toEqual(Array.from(train));
    expect(Array.from(splitIndices(8000, 2000, 6000, 2).validation)).not.toEqual(Array.from(validation));
  });

  it('runs in the trained protocol only, from its file as loaded', () => {
    expect(isModelFile(task.model)).toBe(true);
    expect(task.pretrainEpochs).toBe(0);
    expect(task.sparseEpochs).toBeLessThanOrEqual(3);
    expect(task.batchSize).toBe(64);
    expect(protocolProblem(task, 'trained')).toBeNull();
    expect(protocolProblem(task, 'short')).toMatch(/trained protocol only/);
    expect(protocolProblem(task, 'trained', 'quick')).toMatch(/left out of quick mode/);
    expect(selectTasks('full', 'short').skipped.map((skip) => skip.task)).toContain('resnet56-cifar');
    // CI's quick run names no task: it runs the others and says why this one does not run.
    const quick = selectTasks('quick', 'trained');
    expect(quick.tasks.map((t) => t.name)).toEqual(['vgg-fashion', 'resnet-fashion', 'lenet-digits']);
    expect(quick.skipped).toEqual([{ task: 'resnet56-cifar', reason: expect.stringMatching(/quick mode/) }]);
  });

  it('is skipped with a reason when its files are missing', () => {
    const elsewhere: QualityTask = { ...task, model: { path: 'no-such-network/model.json', preprocessing: 'imagenet' } };
    expect(realFilesProblem(elsewhere)).toMatch(/^resnet56-cifar skipped: .*no-such-network\/model\.json is missing/);
    const { tasks, skipped } = selectTasks('full', 'trained', ['resnet56-cifar']);
    if (haveReal) expect(tasks.map((t) => t.name)).toEqual(['resnet56-cifar']);
    else expect(skipped).toEqual([{ task: 'resnet56-cifar', reason: realFilesProblem(task) }]);
  });
});

describe.skipIf(!haveReal)(`resnet56-cifar's files in ${REAL_DIR} (skipped: the folder is missing, as in a clone without ../shared/real)`, () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  it('loads 6,000 training and 2,000 validation images of CIFAR-10, ImageNet-normalized', async () => {
    const data = await loadTaskData(task);
    expect([data.train.count, data.validation.count]).toEqual([6000, 2000]);
    expect([data.train.height, data.train.width, data.train.channels, data.train.numClasses]).toEqual([32, 32, 3, 10]);
    expect(data.source).toContain(CIFAR10_8K_DIR);
    // (x − mean) / std of pixels in [0, 1]: below 0 and above 1 both occur.
    const pixels = data.validation.images;
    let low = Infinity;
    let high = -Infinity;
    for (let i = 0; i < pixels.length; i++) {
      low = Math.min(low, pixels[i]);
      high = Math.max(high, pixels[i]);
    }
    expect(low).toBeLessThan(-1.5);
    expect(high).toBeGreaterThan(2);
  });

  it('loads the ResNet-56 model file', async () => {
    if (!isModelFile(task.model)) throw new Error('resnet56-cifar starts from a model file');
    const spec = await readTaskModel(task.model);
    const analysis = analyzeModel(spec);
    expect(analysis.params).toBe(859_642);
    expect(analysis.prunableChannels).toBeGreaterThan(0);
  });
});
