/**
 * Batch normalization in training, channels last, as one op with its own
 * gradient. tfjs-layers builds it from moments and tfjs's batchNorm, whose
 * taped gradients run ~80 kernels per layer and step; here the forward pass
 * is tfjs-layers' own kernels (so its values are the same), and the backward
 * pass is the closed form over the batch axes (N values per channel):
 *   x̂ = (x − μ)·s,  s = 1/√(σ² + ε)
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ·s·(dy − dβ/N − x̂·dγ/N)
 * σ² is the biased batch variance, as tfjs's moments gives it. The batch
 * statistics go to `onStatistics` inside the op, where nothing is taped.
 * Backend-agnostic: tfjs ops only.
 */
import * as tf from '@tensorflow/tfjs';

export interface BatchNormTrainingParams {
  /** γ, one per channel; absent: no scaling (scale: false). */
  gamma?: tf.Tensor;
  /** β, one per channel; absent: no offset (center: false). */
  beta?: tf.Tensor;
  epsilon: number;
  /** Receives the batch mean and variance (one per channel); they are disposed after it returns. */
  onStatistics?: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void;
}

function batchNormTraining_(x: tf.Tensor, params: BatchNormTrainingParams): tf.Tensor {
  const { gamma, beta, epsilon } = params;
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const count = x.size / x.shape[x.rank - 1];
  const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const mean = tf.mean(x, axes) as tf.Tensor1D;
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), axes) as tf.Tensor1D;
    const value = tf.batchNorm(x, mean, variance, beta, gamma, epsilon);
    params.onStatistics?.(mean, variance);
    save([centered, variance]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xc, v] = saved; // x − μ, σ²
      const s = tf.rsqrt(tf.add(v, epsilon));
      const dBeta = tf.sum(dy, axes);
      const dGamma = tf.mul(tf.sum(tf.mul(dy, xc), axes), s);
      const gammaS = gamma ? tf.mul(gamma, s) : s;
      // x̂·dγ/N = (x − μ)·(s·dγ/N): one full-size product instead of forming x̂.
      const q = tf.mul(tf.mul(dGamma, s), 1 / count);
      const dx = tf.mul(tf.sub(tf.sub(dy, tf.mul(xc, q)), tf.mul(dBeta, 1 / count)), gammaS);
      return [dx, ...(gamma ? [dGamma] : []), ...(beta ? [dBeta] : [])];
    };
    return { value, gradFunc };
  });
  return op(...inputs);
}

/**
 * y = γ·(x − μ)/√(σ² + ε) + β with μ, σ² the batch statistics over all axes
 * but the last, differentiable in x, γ and β.
 */
export const batchNormTraining = tf.op({ batchNormTraining_ });
