/**
 * Adam with tfjs's maths (AdamOptimizer: the same β1, β2, ε, bias correction
 * and order of operations) over all variables at once. tfjs runs ~14 kernels
 * per variable; here the gradients and the values are concatenated into flat
 * vectors, the moments live in two flat buffers, and one split hands the new
 * values back: ~40 kernels per step for the VGG's 30 variables instead of 420.
 * The values are read from the variables at every step, so that whatever
 * writes them between steps (the sparsity controller, a checkpoint) counts.
 * Backend-agnostic: tfjs ops only.
 */
import * as tf from '@tensorflow/tfjs';
import { assignFlat, flatStep, sameLayout, type Segment } from './flatUpdate';
import { trainingFusionConfig } from './trainingFusionConfig';

export class FusedAdam extends tf.Optimizer {
  static get className(): string {
    return 'Adam';
  }

  private firstMoment?: tf.Variable;
  private secondMoment?: tf.Variable;
  private layout: Segment[] = [];
  /** Moments [first, second] of variables missing from the layout. */
  private readonly parked = new Map<string, tf.Tensor[]>();
  /** β1^t and β2^t as float32, as tfjs's accBeta variables hold them. */
  private accBeta1: number;
  private accBeta2: number;

  constructor(
    readonly learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = tf.backend().epsilon(),
  ) {
    super();
    this.accBeta1 = Math.fround(beta1);
    this.accBeta2 = Math.fround(beta2);
  }

  applyGradients(variableGradients: Parameters<tf.Optimizer['applyGradients']>[0]): void {
    const step = flatStep(variableGradients);
    if (!step) return;
    this.arrange(step.layout);
    tf.tidy(() => {
      const gradient = step.gradient();
      const value = step.value();
      const m = tf.add(tf.mul(this.firstMoment!, this.beta1), tf.mul(gradient, 1 - this.beta1));
      const v = tf.add(tf.mul(this.secondMoment!, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2));
      const mHat = tf.div(m, Math.fround(1 - this.accBeta1));
      const vHat = tf.div(v, Math.fround(1 - this.accBeta2));
      this.firstMoment!.assign(m);
      this.secondMoment!.assign(v);
      assignFlat(step, tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), -this.learningRate), value));
    });
    this.accBeta1 = Math.fround(this.accBeta1 * Math.fround(this.beta1));
    this.accBeta2 = Math.fround(this.accBeta2 * Math.fround(this.beta2));
    this.incrementIterations();
  }

  /**
   * Lays the moment buffers out for these variables. A variable seen before
   * keeps its moments, also across steps without its gradient (parked), as
   * tfjs's Adam leaves them alone on such a step.
   */
  private arrange(layout: Segment[]): void {
    if (sameLayout(layout, this.layout) && this.firstMoment) return;
    const regroup = (buffer: tf.Variable | undefined, which: 0 | 1): tf.Variable => tf.tidy(() => {
      if (buffer) {
        tf.split(buffer, this.layout.map((s) => s.size)).forEach((piece, i) => {
          const name = this.layout[i].name;
          const moments = this.parked.get(name) ?? [piece, piece];
          moments[which] = tf.keep(piece);
          this.parked.set(name, moments);
        });
      }
      const pieces = layout.map((s) => {
        const parked = this.parked.get(s.name)?.[which];
        return parked?.size === s.size ? parked : tf.zeros([s.size]);
      });
      return tf.variable(tf.concat(pieces), false);
    });
    const first = regroup(this.firstMoment, 0);
    const second = regroup(this.secondMoment, 1);
    this.firstMoment?.dispose();
    this.secondMoment?.dispose();
    this.firstMoment = first;
    this.secondMoment = second;
    this.layout = layout;
    // What is in the buffers now is not parked any more.
    for (const s of layout) this.unpark(s.name);
  }

  private unpark(name: string): void {
    tf.dispose(this.parked.get(name));
    this.parked.delete(name);
  }

  override dispose(): void {
    this.firstMoment?.dispose();
    this.secondMoment?.dispose();
    this.firstMoment = undefined;
    this.secondMoment = undefined;
    this.layout = [];
    for (const name of [...this.parked.keys()]) this.unpark(name);
    super.dispose();
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/** The engine's Adam: FusedAdam, or tfjs's with trainingFusionConfig.fused.adam off. */
export function createAdam(learningRate: number): tf.Optimizer {
  return trainingFusionConfig.fused.adam ? new FusedAdam(learningRate) : tf.train.adam(learningRate);
}
