/**
 * Stops training that diverges, with a UserError that names the step and the way out (a smaller learning rate).
 *
 * A loss that is not finite is divergence at once. A loss can also stay finite while training has run away: a
 * clipped softmax cross-entropy tops out near −ln(1e-7) ≈ 16 however large the weights grow. So the cross-entropy
 * averaged over the last few steps is compared with both the first step's (the model as it came) and a guess at
 * chance level: beyond `RUNAWAY_FACTOR` times the larger of the two, the model is confidently wrong on most
 * images, which training that works does not reach.
 */
import { UserError } from '../core/errors';
import type { OutputKind } from '../../contract/outputKind';

/** Steps averaged before the cross-entropy is judged (short runs are judged on the steps they have, at the end). */
export const RUNAWAY_WINDOW = 5;
export const RUNAWAY_FACTOR = 3;

/** Cross-entropy of a uniform guess: ln C for one label among C, C·ln 2 for C independent sigmoids. */
export function chanceCrossEntropy(outputKind: OutputKind, numClasses: number): number {
  return outputKind === 'sigmoid' ? numClasses * Math.LN2 : Math.log(numClasses);
}

export class DivergenceWatch {
  private first: number | undefined;
  private readonly recent: number[] = [];

  constructor(private readonly learningRate: number, private readonly chance: number) {}

  /** Call after each step with its loss (all terms) and its cross-entropy; `last` judges a short run on what it has. */
  afterStep(step: number, loss: number, crossEntropy: number, last = false): void {
    if (!Number.isFinite(loss) || !Number.isFinite(crossEntropy)) this.fail(step, `the loss became ${Number.isFinite(loss) ? crossEntropy : loss}`);
    this.first ??= crossEntropy;
    this.recent.push(crossEntropy);
    if (this.recent.length > RUNAWAY_WINDOW) this.recent.shift();
    if (this.recent.length < RUNAWAY_WINDOW && !(last && step > 1)) return;
    const mean = this.recent.reduce((sum, value) => sum + value, 0) / this.recent.length;
    const limit = RUNAWAY_FACTOR * Math.max(this.first, this.chance);
    if (mean > limit) {
      this.fail(step, `the cross-entropy rose from ${this.first.toFixed(3)} at step 1 to ${mean.toFixed(3)} over the last ${this.recent.length} steps (more than ${RUNAWAY_FACTOR}× the start or chance level)`);
    }
  }

  private fail(step: number, what: string): never {
    throw new UserError(`Training diverged at step ${step}: ${what}. The model is kept as it was before training; try a smaller learning rate than ${this.learningRate}.`);
  }
}
