/**
 * SGD with momentum and L2 weight decay added to the gradient (PyTorch's
 * SGD), over all variables at once as FusedAdam does: the gradients and the
 * values are concatenated into flat vectors, the momentum lives in one flat
 * buffer, one split hands the new values back (docs/METHOD.md §3.3).
 *   v ← μ·v + (g + wd·mask·w)      w ← w − rate·v
 * `mask` is 1 on the variables named in `decayed` (convolution and dense
 * kernels: `decayedVariableNames`) and 0 elsewhere, so BN's γ and β, biases
 * and the GFR gates' weights are not pulled toward zero. The rate is set per
 * step by the caller (`cosineRate`), so a resumed run continues the schedule
 * from its step. Backend-agnostic: tfjs ops only.
 */
import * as tf from '@tensorflow/tfjs';
import { SGD_MOMENTUM } from '../../contract/settings';
import { assignFlat, flatStep, sameLayout, type Segment } from './flatUpdate';

/**
 * The cosine schedule (Loshchilov & Hutter without restarts): the rate of the
 * step after `done` steps of `total`, from `rate` at the first step to
 * rate·(1 + cos(π·(total − 1)/total))/2 ≈ 0 at the last.
 */
export function cosineRate(rate: number, done: number, total: number): number {
  if (total <= 0) return rate;
  const t = Math.min(Math.max(done, 0), total) / total;
  return (rate * (1 + Math.cos(Math.PI * t))) / 2;
}

export class FusedSgd extends tf.Optimizer {
  static get className(): string {
    return 'FusedSgd';
  }

  /** The rate of the next step: the caller sets it before each step (cosineRate). */
  learningRate: number;
  private velocity?: tf.Variable;
  private mask?: tf.Tensor1D;
  private layout: Segment[] = [];
  /** Velocities of variables missing from the layout (a step without their gradient leaves them alone). */
  private readonly parked = new Map<string, tf.Tensor>();

  constructor(
    learningRate: number,
    private readonly decayed: ReadonlySet<string>,
    readonly weightDecay: number,
    readonly momentum = SGD_MOMENTUM,
  ) {
    super();
    this.learningRate = learningRate;
  }

  applyGradients(variableGradients: Parameters<tf.Optimizer['applyGradients']>[0]): void {
    const step = flatStep(variableGradients);
    if (!step) return;
    this.arrange(step.layout);
    tf.tidy(() => {
      const gradient = step.gradient();
      const value = step.value();
      const decayed = this.weightDecay > 0 ? tf.add(gradient, tf.mul(tf.mul(value, this.mask!), this.weightDecay)) : gradient;
      const v = tf.add(tf.mul(this.velocity!, this.momentum), decayed);
      this.velocity!.assign(v);
      assignFlat(step, tf.sub(value, tf.mul(v, this.learningRate)));
    });
    this.incrementIterations();
  }

  private arrange(layout: Segment[]): void {
    if (sameLayout(layout, this.layout) && this.velocity) return;
    const velocity = tf.tidy(() => {
      if (this.velocity) {
        tf.split(this.velocity, this.layout.map((s) => s.size)).forEach((piece, i) => {
          tf.dispose(this.parked.get(this.layout[i].name));
          this.parked.set(this.layout[i].name, tf.keep(piece));
        });
      }
      return tf.variable(tf.concat(layout.map((s) => {
        const parked = this.parked.get(s.name);
        return parked?.size === s.size ? parked : tf.zeros([s.size]);
      })), false);
    });
    this.velocity?.dispose();
    this.mask?.dispose();
    this.velocity = velocity;
    const mask = new Float32Array(layout.reduce((sum, s) => sum + s.size, 0));
    let offset = 0;
    for (const s of layout) {
      if (this.decayed.has(s.name)) mask.fill(1, offset, offset + s.size);
      offset += s.size;
    }
    // Kept: the caller may step inside a tidy.
    this.mask = tf.keep(tf.tensor1d(mask));
    this.layout = layout;
    for (const s of layout) {
      tf.dispose(this.parked.get(s.name));
      this.parked.delete(s.name);
    }
  }

  override dispose(): void {
    this.velocity?.dispose();
    this.mask?.dispose();
    this.velocity = undefined;
    this.mask = undefined;
    this.layout = [];
    tf.dispose([...this.parked.values()]);
    this.parked.clear();
    super.dispose();
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, momentum: this.momentum, weightDecay: this.weightDecay };
  }
}

/** Class names of layers whose `kernel`/`depthwise_kernel` SGD decays: convolutions and dense layers (not GFR, not BN). */
const DECAYED_LAYERS = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Conv1D', 'Conv2DTranspose', 'Dense']);

/**
 * The registered names of the variables weight decay applies to: the kernels
 * of convolutions and dense layers. Not BN's γ and β (γ is what the ranking
 * reads, and decay would shrink every channel's scale alike), not biases, and
 * not the GFR gates' two small dense layers (decay would move every gate
 * toward the sigmoid of its bias, i.e. change sr, the other half of the score).
 */
export function decayedVariableNames(model: tf.LayersModel): Set<string> {
  return new Set(model.layers
    .filter((layer) => DECAYED_LAYERS.has(layer.getClassName()))
    .flatMap((layer) => layer.trainableWeights.filter((weight) => /(^|\/)(depthwise_|pointwise_)?kernel$/.test(weight.originalName)))
    .map((weight) => (weight.read() as tf.Variable).name));
}
