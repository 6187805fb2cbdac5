/**
 * Kernels per training step of the studio's default run: GFR mode from a
 * trained start, so with the distillation teacher, the sparsity controller
 * and the accuracy guard (CompressionSession.train with
 * DEFAULT_TRAIN_SETTINGS), on the speed model at a small batch. Steady state:
 * a run of one epoch plus `steps` + 1 steps less a run of one epoch plus one
 * step, over `steps`, so what a run does once (instrumenting, the teacher's
 * model, recalibration, the optimizer's slots) and the teacher's forward
 * passes (one per image, all in the first epoch) do not count; with one
 * guard reading per epoch of four steps, no reading falls in the
 * difference (a reading costs one forward pass over the calibration images
 * every `every` steps, counted apart). Browser-safe.
 */
import * as tf from '@tensorflow/tfjs';
import type { CriterionName } from '../../src/contract/criteria';
import { CompressionSession } from '../../src/engine/session';
import { DEFAULT_TRAIN_SETTINGS, type TrainSettings } from '../../src/engine/train/sparseTraining';
import { randomImages, speedModelSpec } from './probe';

/** Images per step of the count. */
export const DEFAULT_RUN_BATCH = 8;
/** Steps per epoch: fit images = 4 batches once the calibration share (10%) is held out. */
const STEPS_PER_EPOCH = 4;

export interface DefaultRunKernels {
  kernelsPerStep: number;
  /** Kernels per step by kernel name, most first. */
  byName: Array<{ name: string; perStep: number }>;
}

export interface DefaultRunOptions {
  /** Steps counted (default 2). */
  steps?: number;
  /** Default 'gfr' (the studio's); 'gamma' is the same run without GFR layers, 'l1' plain training. */
  criterion?: CriterionName;
  overrides?: Partial<TrainSettings>;
}

export async function defaultRunKernels({ steps = 2, criterion = 'gfr', overrides = {} }: DefaultRunOptions = {}): Promise<DefaultRunKernels> {
  const train = randomImages(36); // 4 calibration images, 32 to fit
  const session = new CompressionSession(await speedModelSpec(), { train, validation: randomImages(8) });
  const settings = { ...DEFAULT_TRAIN_SETTINGS, batchSize: DEFAULT_RUN_BATCH, epochs: 2, guardReadings: 1, ...overrides };
  await session.reference();
  const count = async (maxSteps: number) => {
    const info = await tf.profile(async () => { await session.train(criterion, { ...settings, maxSteps }); });
    const names = new Map<string, number>();
    for (const kernel of info.kernels) if (!kernel.name.endsWith('__op')) names.set(kernel.name, (names.get(kernel.name) ?? 0) + 1);
    return names;
  };
  await count(STEPS_PER_EPOCH + 1); // sets kernels up
  const once = await count(STEPS_PER_EPOCH + 1);
  const many = await count(STEPS_PER_EPOCH + 1 + steps);
  const byName = [...many].map(([name, n]) => ({ name, perStep: (n - (once.get(name) ?? 0)) / steps }))
    .filter((k) => k.perStep !== 0).sort((a, b) => b.perStep - a.perStep);
  return { kernelsPerStep: byName.reduce((sum, k) => sum + k.perStep, 0), byName };
}
