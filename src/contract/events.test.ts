import { describe, expect, it } from 'vitest';
import { thinPoints, trainPointOf, type TrainStepEvent } from './events';

const event: TrainStepEvent = {
  kind: 'step', step: 7, totalSteps: 20, epoch: 1, loss: 0.5, crossEntropy: 0.4, accuracy: 0.75, imagesPerSec: 900, elapsedMs: 70, remainingMs: 130,
};

describe('a step event as a chart point', () => {
  it('keeps the step, the loss, the accuracy and the speed, with sparsity and guard figures only where the event has them', () => {
    expect(trainPointOf(event, 'pretrain')).toEqual({ phase: 'pretrain', step: 7, totalSteps: 20, loss: 0.5, accuracy: 0.75, imagesPerSec: 900 });
    const sparse = trainPointOf({
      ...event,
      sparsity: { zeroShare: 0.25, freedFlopsShare: 0.4, targetKind: 'flops', targetShare: 0.3, lambda: 0.2, zeroShareByGroup: { a: 0.25 } },
      guard: { step: 5, accuracy: 0.9, floor: 0.92, restoredFrom: 3 },
    }, 'sparse');
    expect(sparse).toMatchObject({ phase: 'sparse', zeroShare: 0.25, freedFlopsShare: 0.4, targetShare: 0.3, targetKind: 'flops', guardAccuracy: 0.9, guardFloor: 0.92, guardRestoredFrom: 3 });
    expect(Object.keys(trainPointOf({ ...event, guard: { step: 5, accuracy: 0.9, floor: 0.92 } }, 'sparse'))).not.toContain('guardRestoredFrom');
  });
});

describe('a long curve thinned', () => {
  it('keeps every k-th point (at most `max` of them) and the last, and leaves a short curve as it is', () => {
    const points = Array.from({ length: 10 }, (_, i) => i);
    expect(thinPoints(points, 10)).toBe(points);
    expect(thinPoints(points, 4)).toEqual([0, 3, 6, 9]);
    expect(thinPoints(points, 3)).toEqual([0, 4, 8, 9]);
  });
});
