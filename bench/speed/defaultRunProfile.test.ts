/**
 * Kernels per step of the studio's default run (GFR, teacher, controller,
 * guard), counted on wasm: the fused GFR gates and distillation and the teacher's cached targets keep it at
 * the figure docs/DECISIONS.md gives, and a change that adds kernels to
 * every step shows here.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../src/engine/backend/node';
import { trainingFusionConfig } from '../../src/engine/backend/trainingFusionConfig';
import { defaultRunKernels } from './defaultRunProfile';

describe('kernels per step of the default run', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  afterEach(() => {
    trainingFusionConfig.fused.gfrGates = true;
    trainingFusionConfig.fused.distillation = true;
  });

  it('GFR mode with teacher, controller and guard: ≤ 770 per step (taped gates and distillation: > 900)', async () => {
    const fused = await defaultRunKernels();
    trainingFusionConfig.fused.gfrGates = false;
    trainingFusionConfig.fused.distillation = false;
    const taped = await defaultRunKernels();
    expect(fused.kernelsPerStep).toBeLessThanOrEqual(770);
    expect(taped.kernelsPerStep).toBeGreaterThan(900);
  });
});
