/**
 * The GFR sub-module (docs/METHOD.md §2), placed right after a BatchNormalization.
 *
 * Training form: s = sigmoid(W2·relu(W1·z + b1) + b2) with z the per-channel
 * spatial mean of the input, and y = x ⊙ s (squeeze-and-excitation shape).
 * Inference form: y = x ⊙ sr, where sr is the moving average of s kept by the
 * training loop (`updateRelationshipFactor`). sr is a non-trainable weight, so
 * an instrumented model saves and reloads with it.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_GATE_TEMPERATURE, DEFAULT_REDUCTION } from '../../contract/settings';
import { trainingFusionConfig } from '../backend/trainingFusionConfig';
import { applyGates, gfrGates } from './gfrGatesOp';

export interface GfrLayerArgs {
  /** Reduction r of the hidden width h = max(4, ceil(C / r)). */
  reduction?: number;
  /** Temperature τ of the gates' sigmoid: s = sigmoid(u / τ); below 1 the gates saturate sooner. */
  temperature?: number;
  /** Seed of kernel1's initializer, for reproducible instrumentation (kernel2 starts at zero). */
  seed?: number;
  name?: string;
  trainable?: boolean;
}


/**
 * Initial bias of the gates' last layer, whose kernel starts at zero: every
 * gate starts at exactly s0 = sigmoid(2) ≈ 0.88 whatever the input, and sr
 * with it. `insertGfrLayers` divides the BN before each gate by s0, so the
 * instrumented model computes what the original did (docs/METHOD.md §2).
 * Why open rather than at 0.5: with the old, inexact insertion a bias of 0
 * lost 1.4 points more before pruning on LeNet/digits (93.5% against 94.9%,
 * docs/DECISIONS.md, "GFR gates start open"); not measured again since.
 */
export const INITIAL_GATE_BIAS = 2;
export const INITIAL_SR = 1 / (1 + Math.exp(-INITIAL_GATE_BIAS));

/** The last bias that starts the gates at INITIAL_SR whatever the temperature. */
export const initialGateBias = (temperature: number): number => INITIAL_GATE_BIAS * temperature;

export function hiddenWidth(channels: number, reduction: number): number {
  return Math.max(4, Math.ceil(channels / reduction));
}

export class GfrLayer extends tf.layers.Layer {
  static className = 'GFR';
  readonly reduction: number;
  readonly temperature: number;
  private readonly seed: number | undefined;
  private kernel1!: tf.LayerVariable;
  private bias1!: tf.LayerVariable;
  private kernel2!: tf.LayerVariable;
  private bias2!: tf.LayerVariable;
  private sr!: tf.LayerVariable;
  /**
   * Gates s of the latest training-mode call, kept alive past tfjs's tidy so
   * that the training loss can regularize them and the loop can update sr.
   * The loop releases them after each step (`releaseGates`).
   */
  private gates: tf.Tensor2D | null = null;

  constructor(args: GfrLayerArgs = {}) {
    super(args);
    this.reduction = args.reduction ?? DEFAULT_REDUCTION;
    this.temperature = args.temperature ?? DEFAULT_GATE_TEMPERATURE;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1] as number;
    const hidden = hiddenWidth(channels, this.reduction);
    const seed = this.seed;
    this.kernel1 = this.addWeight('kernel1', [channels, hidden], 'float32', tf.initializers.glorotUniform({ seed }));
    this.bias1 = this.addWeight('bias1', [hidden], 'float32', tf.initializers.zeros());
    // kernel2 at zero: s = sigmoid(bias2 / τ) = INITIAL_SR for every input, as insertGfrLayers starts it.
    this.kernel2 = this.addWeight('kernel2', [hidden, channels], 'float32', tf.initializers.zeros());
    this.bias2 = this.addWeight('bias2', [channels], 'float32', tf.initializers.constant({ value: initialGateBias(this.temperature) }));
    // The inference form starts where the gates start: x·sr = x·s.
    this.sr = this.addWeight('sr', [channels], 'float32', tf.initializers.constant({ value: INITIAL_SR }), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training) return tf.mul(x, this.sr.read());
    const fused = trainingFusionConfig.fused.gfrGates && x.dtype === 'float32' && (x.rank === 4 || x.rank === 2);
    const gates = fused ? this.fusedGates(x) : this.computeGates(x);
    this.gates?.dispose();
    this.gates = tf.keep(gates);
    if (fused) return applyGates(x, gates);
    const perSample = x.rank === 4 ? gates.reshape([gates.shape[0], 1, 1, gates.shape[1]]) : gates;
    return tf.mul(x, perSample);
  }

  /** s for a batch: [N, C]. */
  computeGates(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const squeezed = (x.rank === 4 ? tf.mean(x, [1, 2]) : x) as tf.Tensor2D;
      const hidden = tf.relu(tf.add(tf.matMul(squeezed, this.kernel1.read() as tf.Tensor2D), this.bias1.read()));
      const logits = tf.add(tf.matMul(hidden as tf.Tensor2D, this.kernel2.read() as tf.Tensor2D), this.bias2.read());
      return tf.sigmoid(this.temperature === 1 ? logits : tf.div(logits, this.temperature)) as tf.Tensor2D;
    });
  }

  /** computeGates as one op with its own gradient (gfrGatesOp.ts): same values, far fewer kernels in a training step. */
  private fusedGates(x: tf.Tensor): tf.Tensor2D {
    const weights = { kernel1: this.kernel1.read(), bias1: this.bias1.read(), kernel2: this.kernel2.read(), bias2: this.bias2.read() };
    return gfrGates(x, weights, this.temperature);
  }

  /** The gates of the last training call (valid until the next call or release). */
  lastGates(): tf.Tensor2D {
    if (!this.gates) throw new Error(`GFR layer '${this.name}' has not run in training mode yet.`);
    return this.gates;
  }

  /** sr ← μ·sr + (1 − μ)·mean_N(s); with `reset`, sr ← mean_N(s) (first step of a run). */
  updateRelationshipFactor(momentum: number, reset: boolean): void {
    const gates = this.lastGates();
    tf.tidy(() => {
      const batchMean = tf.mean(gates, 0);
      const next = reset ? batchMean : tf.add(tf.mul(this.sr.read(), momentum), tf.mul(batchMean, 1 - momentum));
      this.sr.write(next);
    });
  }

  /**
   * updateRelationshipFactor for all `layers` at once: the same sums per
   * channel over the gates laid side by side, one split back to the layers,
   * so a handful of kernels per step instead of four per layer.
   */
  static updateRelationshipFactors(layers: GfrLayer[], momentum: number, reset: boolean): void {
    if (layers.length === 0) return;
    if (layers.length === 1 || !trainingFusionConfig.fused.gfrGates) {
      layers.forEach((layer) => layer.updateRelationshipFactor(momentum, reset));
      return;
    }
    tf.tidy(() => {
      const batchMean = tf.mean(tf.concat(layers.map((layer) => layer.lastGates()), 1), 0);
      const next = reset ? batchMean : tf.add(tf.mul(tf.concat(layers.map((layer) => layer.sr.read()), 0), momentum), tf.mul(batchMean, 1 - momentum));
      tf.split(next, layers.map((layer) => layer.sr.shape[0] as number)).forEach((piece, i) => layers[i].sr.write(piece));
    });
  }

  releaseGates(): void {
    this.gates?.dispose();
    this.gates = null;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), reduction: this.reduction, temperature: this.temperature };
  }
}

tf.serialization.registerClass(GfrLayer);

export const GFR_CLASS_NAME = GfrLayer.className;

export function isGfrLayer(layer: tf.layers.Layer): layer is GfrLayer {
  return layer instanceof GfrLayer;
}
