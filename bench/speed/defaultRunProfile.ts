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
import { trainingFusionConfig } from '../../src/engine/backend/trainingFusionConfig';
import { median } from '../../src/engine/eval/latency';
import { DEFAULT_TRAIN_SETTINGS, type TrainSettings } from '../../src/contract/settings';
import { randomImages, SPEED_BATCH, speedModelSpec } from './probe';
import type { FastPathVariant } from './types';

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

/**
 * Step time of the default run at the studio's batch size, the GFR fusions
 * (trainingFusionConfig.fused.gfrGates and .distillation) on against off,
 * alternated call by call in one process. Counted: the steps of the second
 * epoch (the teacher's targets known) without a guard reading; each call's
 * setup (instrumenting, the teacher's model, recalibration) is not a step.
 */
export async function measureDefaultRunSteps(rounds: number, batchSize = SPEED_BATCH): Promise<FastPathVariant[]> {
  const fit = STEPS_PER_EPOCH * batchSize;
  const train = randomImages(Math.round(fit / 0.9)); // 10% held out for calibration
  const session = new CompressionSession(await speedModelSpec(), { train, validation: randomImages(8) });
  const settings = { ...DEFAULT_TRAIN_SETTINGS, batchSize, epochs: 2, guardReadings: 1 };
  await session.reference();
  const variants = [{ name: 'GFR gates and distillation fused', on: true, times: [] as number[] }, { name: 'taped (before)', on: false, times: [] as number[] }];
  try {
    for (let round = 0; round < rounds; round++) {
      for (const variant of variants) {
        trainingFusionConfig.fused.gfrGates = variant.on;
        trainingFusionConfig.fused.distillation = variant.on;
        let previous = 0;
        await session.train('gfr', settings, {
          onEvent(event) {
            if (event.kind !== 'step') return;
            if (event.step > STEPS_PER_EPOCH && event.guard?.step !== event.step) variant.times.push(event.elapsedMs - previous);
            previous = event.elapsedMs;
          },
        });
      }
    }
  } finally {
    trainingFusionConfig.fused.gfrGates = true;
    trainingFusionConfig.fused.distillation = true;
  }
  return variants.map((v) => ({ name: v.name, medianMs: median(v.times), minMs: Math.min(...v.times) }));
}
