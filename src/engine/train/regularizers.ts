/**
 * Sparsity terms of the training loss (SPEC §2 Step 1):
 * λγ·Σ|γ| (Network Slimming's L1 on BN scales) and λs·Σ mean_N(s) (GFR gates).
 */
import * as tf from '@tensorflow/tfjs';
import type { GfrLayer } from '../gfr/gfrLayer';

/** Σ|γ| over the given BN scale variables. */
export function gammaL1(gammas: tf.Variable[]): tf.Scalar {
  return tf.tidy(() => tf.addN(gammas.map((gamma) => tf.sum(tf.abs(gamma)))) as tf.Scalar);
}

/** Σ over layers and channels of the batch mean of the gates s (the latest training call's). */
export function gateSum(layers: GfrLayer[]): tf.Scalar {
  return tf.tidy(() => tf.addN(layers.map((layer) => tf.sum(tf.mean(layer.lastGates(), 0)))) as tf.Scalar);
}
