/**
 * Kernels per training step and where a step's time goes, per kernel: the
 * engine's training loop (trainSparse, plain mode, as measureTraining runs
 * it) under `tf.profile`. A run of 1 step is subtracted from a run of 1 +
 * `steps` steps, so that what a run does once (the optimizer's slots, the
 * first step's allocations) does not count. Only kernels the engine
 * dispatches count; a kernel that calls another inside itself counts once,
 * and the named scopes of custom gradients (`…__op`) are not kernels.
 * Browser-safe (no Node imports).
 */
import * as tf from '@tensorflow/tfjs';
import { modelFromSpec } from '../../src/engine/io/modelSpec';
import { trainSparse } from '../../src/engine/train/sparseTraining';
import { randomImages, speedModelSpec } from './probe';
import type { KernelProfile, StepProfile } from './types';
import { DEFAULT_TRAIN_SETTINGS } from '../../src/contract/settings';

interface ProfiledRun {
  kernels: Map<string, KernelProfile>;
  count: number;
  elapsedMs: number;
}

async function profiledRun(model: tf.LayersModel, batchSize: number, steps: number): Promise<ProfiledRun> {
  const data = randomImages(steps * batchSize);
  const settings = { ...DEFAULT_TRAIN_SETTINGS, epochs: 1, batchSize, maxSteps: steps, lambdaGamma: 0, lambdaS: 0, target: 0 };
  let elapsedMs = 0;
  const info = await tf.profile(async () => {
    elapsedMs = (await trainSparse(model, data, settings)).elapsedMs;
  });
  const kernels = kernelsOf(info);
  const count = [...kernels.values()].reduce((sum, kernel) => sum + kernel.callsPerStep, 0);
  return { kernels, count, elapsedMs };
}

/** Calls and time of each kernel a profiled run dispatched (the scopes of custom gradients, `…__op`, left out). */
export function kernelsOf(info: Awaited<ReturnType<typeof tf.profile>>): Map<string, KernelProfile> {
  const kernels = new Map<string, KernelProfile>();
  for (const kernel of info.kernels) {
    if (kernel.name.endsWith('__op')) continue;
    const entry = kernels.get(kernel.name) ?? { name: kernel.name, callsPerStep: 0, msPerStep: 0 };
    entry.callsPerStep += 1;
    entry.msPerStep += typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0;
    kernels.set(kernel.name, entry);
  }
  return kernels;
}

/** Per step: a run of 1 + `steps` steps less a run of 1 step, slowest kernel first. */
export function kernelsPerStep(once: Map<string, KernelProfile>, many: Map<string, KernelProfile>, steps: number): KernelProfile[] {
  return [...many.values()]
    .map((k) => {
      const base = once.get(k.name);
      return { name: k.name, callsPerStep: (k.callsPerStep - (base?.callsPerStep ?? 0)) / steps, msPerStep: Math.max(0, k.msPerStep - (base?.msPerStep ?? 0)) / steps };
    })
    .filter((k) => k.callsPerStep > 0)
    .sort((a, b) => b.msPerStep - a.msPerStep);
}

/** Profiles `steps` training steps of the speed model at `batchSize` on the active backend. */
export async function profileTrainingStep(batchSize: number, steps: number): Promise<StepProfile> {
  const model = await modelFromSpec(await speedModelSpec());
  try {
    await profiledRun(model, batchSize, 1); // warm-up: kernel setup, allocation
    const once = await profiledRun(model, batchSize, 1);
    const many = await profiledRun(model, batchSize, 1 + steps);
    const kernels = kernelsPerStep(once.kernels, many.kernels, steps);
    return {
      backend: tf.getBackend(),
      batchSize,
      steps,
      kernelsPerStep: (many.count - once.count) / steps,
      profiledStepMs: (many.elapsedMs - once.elapsedMs) / steps,
      kernels,
    };
  } finally {
    model.dispose();
  }
}
