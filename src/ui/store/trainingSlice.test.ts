import { describe, expect, it } from 'vitest';
import type { TrainingEstimate } from '../../contract/events';
import { runRemainingMs, type StepPoint } from './trainingSlice';

const point = (phase: StepPoint['phase'], step: number, totalSteps: number, remainingMs: number): StepPoint => ({
  x: step, phase, step, totalSteps, loss: 1, accuracy: 0.5, remainingMs, imagesPerSec: 100,
});
const estimate: TrainingEstimate = { msPerStep: 50, pretrainSteps: 100, sparseSteps: 40, totalMs: 7000 };

describe('runRemainingMs', () => {
  it('is the engine figure while sparse training runs', () => {
    expect(runRemainingMs(point('sparse', 10, 40, 3000), estimate)).toBe(3000);
  });

  it('adds the sparse phase at the pace of pretraining while pretraining runs', () => {
    // 20 ms a step measured live: 80 steps left of pretraining, then 40 sparse steps.
    expect(runRemainingMs(point('pretrain', 20, 100, 1600), estimate)).toBe(1600 + 40 * 20);
    // The last pretraining step: the estimate's pace.
    expect(runRemainingMs(point('pretrain', 100, 100, 0), estimate)).toBe(40 * 50);
  });

  it('knows nothing before the first step, and only the phase without an estimate', () => {
    expect(runRemainingMs(undefined, estimate)).toBeUndefined();
    expect(runRemainingMs(point('pretrain', 1, 100, NaN), estimate)).toBeUndefined();
    expect(runRemainingMs(point('pretrain', 20, 100, 1600), null)).toBe(1600);
  });
});
