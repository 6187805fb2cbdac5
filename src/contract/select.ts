/**
 * Which candidate to export (docs/METHOD.md §5.6), and whether it
 * keeps the accuracy of the model as the user brought it (issue 10).
 *
 * The tolerance rule chooses on the held-out calibration images; the verdict
 * judges the choice on the validation images, which no choice has seen, so
 * the figure a user reads is not flattered by the selection.
 */
import type { Candidate } from './candidate';

export type BudgetMetric = 'params' | 'flops' | 'weightBytes' | 'latencyMs';

export type SelectionRule =
  /**
   * The largest ratio whose accuracy is within `tolerance` percentage points of the original model (noise
   * allowed for); when none is, the most accurate candidate, which the verdict then judges.
   */
  | { kind: 'tolerance'; tolerance: number; by?: 'ratio' | 'flops' }
  /** The most accurate candidate (on the calibration images) whose metric is at most `max`. */
  | { kind: 'budget'; metric: BudgetMetric; max: number };

export const DEFAULT_TOLERANCE = 1.0;

/** The original model's accuracy (as the user brought it, nothing trained or recalibrated), 0..1. */
export interface ReferenceAccuracy {
  /** On the validation images: what every reported figure is compared with. */
  accuracy: number;
  /** On the calibration images: what the tolerance rule and the training guard compare with. */
  calibrationAccuracy: number;
}

const within = (accuracy: number, reference: number, tolerance: number): boolean => accuracy >= reference - tolerance / 100 - 1e-9;

/**
 * Standard errors taken off a candidate's calibration accuracy before the
 * tolerance applies: a candidate passes when even one standard error below
 * what was measured it is within the tolerance (eval/pairedDifference.ts).
 */
export const SELECTION_CONFIDENCE = 1;

/** Whether a candidate is within `tolerance` points of the original on the calibration images, noise allowed for. */
export function passesTolerance(candidate: Pick<Candidate, 'calibrationAccuracy' | 'calibrationNoise'>, reference: ReferenceAccuracy, tolerance: number): boolean {
  return within(candidate.calibrationAccuracy - SELECTION_CONFIDENCE * (candidate.calibrationNoise ?? 0), reference.calibrationAccuracy, tolerance);
}

export function selectCandidate(candidates: Candidate[], rule: SelectionRule, reference: ReferenceAccuracy): Candidate | undefined {
  if (rule.kind === 'tolerance') {
    const passing = candidates.filter((candidate) => passesTolerance(candidate, reference, rule.tolerance));
    // Fewest FLOPs kept when asked, else the largest ratio; ties go to fewer FLOPs.
    const best = passing.sort((a, b) => (rule.by === 'flops' ? a.flops - b.flops : b.ratio - a.ratio || a.flops - b.flops))[0];
    // None surely within (on a few hundred images even the unpruned model may read a point low): the most
    // accurate on the calibration images. The verdict, on the validation images, says whether it is within.
    return best ?? [...candidates].sort((a, b) => b.calibrationAccuracy - a.calibrationAccuracy || a.flops - b.flops)[0];
  }
  const under = candidates.filter((candidate) => candidate[rule.metric] <= rule.max);
  return under.sort((a, b) => b.calibrationAccuracy - a.calibrationAccuracy || a[rule.metric] - b[rule.metric])[0];
}

/** How a result stands against the original on the validation images. */
export interface Verdict {
  /** True only when a candidate was selected and is within the tolerance of the original. */
  withinTolerance: boolean;
  /** Percentage points below the original (negative: above); null without a selection. */
  drop: number | null;
  tolerance: number;
  /** One plain sentence for the CLI, the studio and the report. */
  message: string;
}

const points = (value: number): string => `${value.toFixed(2)} points`;
/** "1 point", "0.5 points", "2 points". */
export const pointsText = (tolerance: number): string => `${tolerance} point${tolerance === 1 ? '' : 's'}`;
const percent = (value: number): string => `${(value * 100).toFixed(2)}%`;

/** What to try when a run loses too much, in words (the CLI adds its flags); the same advice everywhere. */
export const SHORTFALL_ADVICE = 'try more sparse-training epochs, the automatic target, more distillation, a smaller ratio, or a larger tolerance';

export function verdictFor(selected: Candidate | undefined, reference: ReferenceAccuracy, tolerance: number): Verdict {
  if (!selected) {
    return {
      withinTolerance: false, drop: null, tolerance,
      message: `No candidate is within ${pointsText(tolerance)} of the original model (${percent(reference.accuracy)}). Not a success.`,
    };
  }
  const drop = (reference.accuracy - selected.accuracy) * 100;
  const withinTolerance = within(selected.accuracy, reference.accuracy, tolerance);
  const comparison = `${percent(selected.accuracy)} against the original's ${percent(reference.accuracy)} on the validation images`;
  return {
    withinTolerance, drop, tolerance,
    message: withinTolerance
      ? `Candidate #${selected.index} keeps the original's accuracy within ${pointsText(tolerance)}: ${comparison} (${drop >= 0 ? `−${points(drop)}` : `+${points(-drop)}`}).`
      : `Candidate #${selected.index} loses ${points(drop)}, more than the tolerance of ${pointsText(tolerance)}: ${comparison}. Not a success.`,
  };
}
