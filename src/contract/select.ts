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
   * The largest ratio, before the first that fails, whose calibration accuracy is within `tolerance` percentage
   * points of the reference even one standard error lower; when none is, the most accurate candidate, which the
   * verdict then judges.
   */
  | { kind: 'tolerance'; tolerance: number; by?: 'ratio' | 'flops' }
  /** The most accurate candidate (on the calibration images) whose metric is at most `max`. */
  | { kind: 'budget'; metric: BudgetMetric; max: number };

export const DEFAULT_TOLERANCE = 1.0;

/** Top-1 accuracy on the validation and the calibration images, 0..1. */
export interface MeasuredAccuracy {
  /** On the validation images. */
  accuracy: number;
  /** On the calibration images. */
  calibrationAccuracy: number;
}

/**
 * What every figure is compared with: the original model's accuracy (as the user brought it, nothing trained or
 * recalibrated), or, when training made the model far better than it was loaded (an untrained architecture), the
 * trained model unpruned (docs/METHOD.md §5.6).
 */
export interface ReferenceAccuracy extends MeasuredAccuracy {
  /** Validation images the figures were measured on (absent in work saved before it was kept). */
  validationImages?: number;
  /** Which model the figures are of: the original (the default), or the sparse-trained model unpruned. */
  basis?: 'original' | 'trained';
  /** The original as loaded, when the basis is the trained model: reported beside it. */
  loaded?: MeasuredAccuracy;
}

/**
 * z of the two-sided 95% interval every accuracy difference is reported with. The verdict says "within" only when
 * the whole interval is within the tolerance, so that it holds on images the run never saw.
 */
export const CONFIDENCE_Z = 1.96;

/**
 * Standard errors taken off a candidate's calibration accuracy before the tolerance applies (eval/pairedDifference.ts).
 * Less than the verdict's 1.96: on the 700–1,000 calibration images of a typical run one standard error of a
 * difference is 0.6–1 point, so a whole 95% interval within 1 point is out of reach for any pruned model; the rule
 * picks what probably holds, and the verdict says whether the validation images confirm it (docs/METHOD.md §5.6).
 */
export const SELECTION_CONFIDENCE = 1;

/** Whether a candidate is within `tolerance` points of the reference on the calibration images, one standard error allowed for. */
export function passesTolerance(candidate: Pick<Candidate, 'calibrationAccuracy' | 'calibrationNoise'>, reference: ReferenceAccuracy, tolerance: number): boolean {
  const change = (candidate.calibrationAccuracy - reference.calibrationAccuracy - SELECTION_CONFIDENCE * (candidate.calibrationNoise ?? 0)) * 100;
  return change >= -tolerance - 1e-7;
}

/**
 * Whether training made the unpruned model far better than the original: better on the calibration images by more
 * than the tolerance over the whole 95% interval (an untrained architecture, not a converged model adapted to the
 * user's images). Pruning is then judged against the trained model, which a plain comparison with a poor original
 * would flatter (docs/METHOD.md §5.6).
 */
export function trainedFarBetter(baseline: Pick<Candidate, 'calibrationAccuracy' | 'calibrationNoise'>, original: ReferenceAccuracy, tolerance: number): boolean {
  const leastGain = (baseline.calibrationAccuracy - original.calibrationAccuracy - CONFIDENCE_Z * (baseline.calibrationNoise ?? 0)) * 100;
  return leastGain > tolerance;
}

export function selectCandidate(candidates: Candidate[], rule: SelectionRule, reference: ReferenceAccuracy): Candidate | undefined {
  if (rule.kind === 'tolerance') {
    const best = rule.by === 'flops'
      ? candidates.filter((candidate) => passesTolerance(candidate, reference, rule.tolerance)).sort((a, b) => a.flops - b.flops)[0]
      : toleranceBracket(candidates, reference, rule.tolerance).lastPassing;
    // None surely within (on a few hundred images even the unpruned model may read a point low): the most
    // accurate on the calibration images. The verdict, on the validation images, says whether it is within.
    return best ?? [...candidates].sort((a, b) => b.calibrationAccuracy - a.calibrationAccuracy || a.flops - b.flops)[0];
  }
  const under = candidates.filter((candidate) => candidate[rule.metric] <= rule.max);
  return under.sort((a, b) => b.calibrationAccuracy - a.calibrationAccuracy || a[rule.metric] - b[rule.metric])[0];
}

/**
 * The candidates in order of ratio (ties: more FLOPs first): the last that passes before the first that fails, and
 * that first failing one. A passing ratio beyond a failing one is more likely a lucky reading than a better model:
 * the rule does not take it, and the refining pass does not aim past it.
 */
export function toleranceBracket<C extends Pick<Candidate, 'ratio' | 'flops' | 'calibrationAccuracy' | 'calibrationNoise'>>(
  candidates: readonly C[], reference: ReferenceAccuracy, tolerance: number,
): { lastPassing?: C; firstFailing?: C } {
  const ordered = [...candidates].sort((a, b) => a.ratio - b.ratio || b.flops - a.flops);
  const failing = ordered.findIndex((candidate) => !passesTolerance(candidate, reference, tolerance));
  if (failing === -1) return { lastPassing: ordered.at(-1) };
  return { lastPassing: failing > 0 ? ordered[failing - 1] : undefined, firstFailing: ordered[failing] };
}

/**
 * How a result stands against the reference on the validation images: `within` when the whole 95% interval of the
 * change is within the tolerance, `beyond` when the whole interval is past it, `uncertain` otherwise.
 */
export type VerdictStatus = 'within' | 'uncertain' | 'beyond';

export interface Verdict {
  status: VerdictStatus;
  /** True only when a candidate was selected and its whole interval is within the tolerance (status 'within'). */
  withinTolerance: boolean;
  /** Percentage points below the reference (negative: above); null without a selection. */
  drop: number | null;
  /** Half the width of the 95% interval of the drop, in points (CONFIDENCE_Z standard errors); null without a selection. */
  margin: number | null;
  /** Validation images the verdict was read on (null where unknown). */
  images: number | null;
  /** When uncertain: about how many more validation images would settle it; null when it cannot be said. */
  moreImagesToSettle: number | null;
  tolerance: number;
  /** What the candidate was compared with (see ReferenceAccuracy.basis). */
  basis: 'original' | 'trained';
  /** One plain sentence for the CLI, the studio and the report. */
  message: string;
}

const points = (value: number): string => `${value.toFixed(2)} points`;
/** "1 point", "0.5 points", "2 points". */
export const pointsText = (tolerance: number): string => `${tolerance} point${tolerance === 1 ? '' : 's'}`;
const percent = (value: number): string => `${(value * 100).toFixed(2)}%`;
/** A signed change of accuracy with its 95% margin: "−0.53 ± 0.43 points". */
export const changeText = (drop: number, margin: number): string =>
  `${drop > 0 ? '−' : drop < 0 ? '+' : '±'}${Math.abs(drop).toFixed(2)} ± ${margin.toFixed(2)} points`;

/** A candidate's validation accuracy against the reference's: points lost (negative: gained), and the 95% margin. */
export function dropAgainst(candidate: Pick<Candidate, 'accuracy' | 'validationNoise'>, reference: Pick<ReferenceAccuracy, 'accuracy'>): { drop: number; margin: number } {
  return { drop: (reference.accuracy - candidate.accuracy) * 100, margin: CONFIDENCE_Z * (candidate.validationNoise ?? 0) * 100 };
}

/** The same on the calibration images: the figure the tolerance rule and the grid's stop read. */
export function calibrationDrop(candidate: Pick<Candidate, 'calibrationAccuracy' | 'calibrationNoise'>, reference: Pick<ReferenceAccuracy, 'calibrationAccuracy'>): { drop: number; margin: number } {
  return { drop: (reference.calibrationAccuracy - candidate.calibrationAccuracy) * 100, margin: CONFIDENCE_Z * (candidate.calibrationNoise ?? 0) * 100 };
}

/** What to try when a run loses too much, in words (the CLI adds its flags); the same advice everywhere. */
export const SHORTFALL_ADVICE = 'try more sparse-training epochs, the automatic target, more distillation, a smaller ratio, or a larger tolerance';
/** What to do when the verdict cannot tell (the CLI adds its flags). */
export const UNCERTAIN_ADVICE = 'give more validation images of your own, or pick a smaller ratio';

/** The most images an estimate of images to settle is given for: past it, the result sits on the tolerance's edge. */
const MAX_IMAGES_TO_SETTLE = 1_000_000;

/**
 * About how many more validation images would make the 95% interval clear the tolerance, if the models differ on
 * further images as they did on these: the interval shrinks as one over the square root of the images.
 */
function imagesToSettle(drop: number, margin: number, images: number | null, tolerance: number): number | null {
  const gap = Math.abs(tolerance - drop);
  if (images === null || margin <= 0 || gap < 1e-6) return null;
  const needed = images * (margin / gap) ** 2;
  return needed > MAX_IMAGES_TO_SETTLE ? null : Math.max(1, Math.ceil(needed - images));
}

const referenceName = (reference: ReferenceAccuracy): string =>
  reference.basis === 'trained' ? 'the trained model (unpruned)' : 'the original model';

function basisNote(reference: ReferenceAccuracy): string {
  if (reference.basis !== 'trained' || !reference.loaded) return '';
  return ` Judged against the trained model, unpruned (${percent(reference.accuracy)}): training made it far better than the model as loaded (${percent(reference.loaded.accuracy)}).`;
}

export function verdictFor(selected: Candidate | undefined, reference: ReferenceAccuracy, tolerance: number): Verdict {
  const basis = reference.basis ?? 'original';
  const images = reference.validationImages ?? null;
  if (!selected) {
    return {
      status: 'beyond', withinTolerance: false, drop: null, margin: null, images, moreImagesToSettle: null, tolerance, basis,
      message: `No candidate is within ${pointsText(tolerance)} of ${referenceName(reference)} (${percent(reference.accuracy)}). Not a success.`,
    };
  }
  const { drop, margin } = dropAgainst(selected, reference);
  const status: VerdictStatus = drop + margin <= tolerance + 1e-7 ? 'within' : drop - margin > tolerance + 1e-7 ? 'beyond' : 'uncertain';
  const moreImagesToSettle = status === 'uncertain' ? imagesToSettle(drop, margin, images, tolerance) : null;
  const onImages = images === null ? 'the validation images' : `${images.toLocaleString('en')} validation images`;
  const comparison = `${percent(selected.accuracy)} against ${basis === 'trained' ? 'its' : "the original's"} ${percent(reference.accuracy)} on ${onImages}, ${changeText(drop, margin)} (95% interval)`;
  const who = `Candidate #${selected.index}`;
  const sentence = {
    within: `${who} keeps the accuracy of ${referenceName(reference)} within ${pointsText(tolerance)}: ${comparison}, all of it within the tolerance.`,
    beyond: `${who} loses more than the tolerance of ${pointsText(tolerance)}: ${comparison}; at least ${points(drop - margin)} lost. Not a success.`,
    uncertain: `${who} may or may not be within ${pointsText(tolerance)} of ${referenceName(reference)}: ${comparison}, which reaches past the tolerance. `
      + (moreImagesToSettle === null ? 'It sits on the tolerance\'s edge: more images would hardly settle it.' : `About ${moreImagesToSettle.toLocaleString('en')} more validation images would settle it.`)
      + ' Not confirmed.',
  }[status];
  return { status, withinTolerance: status === 'within', drop, margin, images, moreImagesToSettle, tolerance, basis, message: sentence + basisNote(reference) };
}
