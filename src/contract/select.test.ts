import { describe, expect, it } from 'vitest';
import type { Candidate } from './candidate';
import { passesTolerance, selectCandidate, verdictFor, type ReferenceAccuracy } from './select';

const candidate = (index: number, ratio: number, accuracy: number, calibrationAccuracy: number, flops = 100 - ratio * 100): Candidate =>
  ({ index, ratio, accuracy, calibrationAccuracy, calibrationNoise: 0, flops, stage: ratio === 0 ? 'baseline' : 'grid' }) as Candidate;

// Validation and calibration disagree on purpose: the tolerance rule must read the calibration figures.
const reference: ReferenceAccuracy = { accuracy: 0.8, calibrationAccuracy: 0.9 };

describe('passesTolerance', () => {
  it('compares calibration accuracy with the reference\'s calibration accuracy', () => {
    const measured = (calibrationAccuracy: number, calibrationNoise = 0) => ({ calibrationAccuracy, calibrationNoise });
    expect(passesTolerance(measured(0.891), reference, 1)).toBe(true);
    expect(passesTolerance(measured(0.89), reference, 1)).toBe(true);
    expect(passesTolerance(measured(0.889), reference, 1)).toBe(false);
    // 0.85 is above the validation reference (0.8) but 5 points below the calibration one.
    expect(passesTolerance(measured(0.85), reference, 1)).toBe(false);
    expect(passesTolerance(measured(0.85), reference, 5)).toBe(true);
  });

  it('allows for the noise of the measured difference: one standard error must still be within the tolerance', () => {
    const measured = (calibrationAccuracy: number, calibrationNoise: number) => ({ calibrationAccuracy, calibrationNoise });
    // 0.5 points below, measured to ±0.4: passes; to ±0.6: it may be 1.1 below, so it does not.
    expect(passesTolerance(measured(0.895, 0.004), reference, 1)).toBe(true);
    expect(passesTolerance(measured(0.895, 0.006), reference, 1)).toBe(false);
  });
});

describe('selectCandidate with a tolerance', () => {
  const candidates = [
    candidate(0, 0, 0.8, 0.9),
    candidate(1, 0.25, 0.6, 0.895), // poor on validation, within on calibration
    candidate(2, 0.5, 0.81, 0.85), // fine on validation, beyond on calibration
    candidate(3, 0.75, 0.3, 0.4),
  ];

  it('takes the largest ratio within tolerance on the calibration images', () => {
    expect(selectCandidate(candidates, { kind: 'tolerance', tolerance: 1 }, reference)!.index).toBe(1);
    expect(selectCandidate(candidates, { kind: 'tolerance', tolerance: 6 }, reference)!.index).toBe(2);
    expect(selectCandidate(candidates, { kind: 'tolerance', tolerance: 100 }, reference)!.index).toBe(3);
  });

  it('takes the fewest FLOPs when asked, and the most accurate on calibration when none passes', () => {
    const tie = [candidate(0, 0, 0.8, 0.9, 100), candidate(1, 0.3, 0.8, 0.9, 40), candidate(2, 0.2, 0.8, 0.9, 30)];
    expect(selectCandidate(tie, { kind: 'tolerance', tolerance: 1, by: 'flops' }, reference)!.index).toBe(2);
    expect(selectCandidate(tie, { kind: 'tolerance', tolerance: 1 }, reference)!.index).toBe(1);
    // Candidate 0 is the most accurate on the calibration images (0.9), though candidate 2 is on validation.
    expect(selectCandidate(candidates, { kind: 'tolerance', tolerance: 1 }, { accuracy: 0.8, calibrationAccuracy: 0.99 })!.index).toBe(0);
  });
});

describe('verdictFor', () => {
  it('within tolerance: true, with the drop in points on the validation images', () => {
    const verdict = verdictFor(candidate(4, 0.5, 0.795, 0.2), reference, 1);
    expect(verdict.withinTolerance).toBe(true);
    expect(verdict.drop).toBeCloseTo(0.5, 9);
    expect(verdict.tolerance).toBe(1);
    expect(verdict.message).toContain('#4');
    expect(verdict.message).toContain('79.50%');
    expect(verdict.message).toContain('80.00%');
    expect(verdict.message).not.toContain('Not a success');
  });

  it('a gain is a negative drop and within tolerance', () => {
    const verdict = verdictFor(candidate(1, 0.2, 0.83, 0.9), reference, 1);
    expect(verdict.withinTolerance).toBe(true);
    expect(verdict.drop).toBeCloseTo(-3, 9);
    expect(verdict.message).toContain('+3.00 points');
  });

  it('beyond tolerance: false, and the message says it is not a success', () => {
    // Judged on validation: a candidate perfect on the calibration images still fails here.
    const verdict = verdictFor(candidate(2, 0.6, 0.77, 1), reference, 1);
    expect(verdict.withinTolerance).toBe(false);
    expect(verdict.drop).toBeCloseTo(3, 9);
    expect(verdict.message).toContain('Not a success');
    expect(verdict.message).toContain('3.00 points');
  });

  it('no candidate: false, no drop', () => {
    const verdict = verdictFor(undefined, reference, 2);
    expect(verdict.withinTolerance).toBe(false);
    expect(verdict.drop).toBeNull();
    expect(verdict.tolerance).toBe(2);
    expect(verdict.message).toContain('No candidate');
    expect(verdict.message).toContain('Not a success');
  });
});
