/**
 * Sparsity terms of the training loss (docs/METHOD.md §3.1):
 * λγ·Σ|γ| (Network Slimming's L1 on BN scales) and λs·R(s) on the GFR gates,
 * where R is the plain sum of the gates' batch means or their polarization.
 */
import * as tf from '@tensorflow/tfjs';
import type { GatePenalty } from '../../contract/settings';
import type { GfrLayer } from '../gfr/gfrLayer';


/** One weighted term of the training loss beyond the task loss, computed inside the step's gradient tape. */
export interface PenaltyTerm {
  weight: number;
  value: () => tf.Scalar;
}

/**
 * The sparsity terms that apply, once per run: λγ·Σ|γ| where λγ > 0 and the
 * model has BN scales, λs·R(s) where λs > 0 and it has GFR layers. The
 * training step adds them to its loss in this order.
 */
export function sparsityPenalties(
  settings: { lambdaGamma: number; lambdaS: number; gatePenalty: GatePenalty },
  gammas: tf.Variable[],
  gfrLayers: GfrLayer[],
  polarization: number,
): PenaltyTerm[] {
  const terms: PenaltyTerm[] = [];
  if (settings.lambdaGamma > 0 && gammas.length) terms.push({ weight: settings.lambdaGamma, value: () => gammaL1(gammas) });
  if (settings.lambdaS > 0 && gfrLayers.length) terms.push({ weight: settings.lambdaS, value: () => gatePenalty(gfrLayers, settings.gatePenalty, polarization) });
  return terms;
}

/** Σ|γ| over the given BN scale variables. */
export function gammaL1(gammas: tf.Variable[]): tf.Scalar {
  return tf.tidy(() => tf.addN(gammas.map((gamma) => tf.sum(tf.abs(gamma)))) as tf.Scalar);
}

/**
 * R(s) over the gates of the latest training call, with m = mean_N(s) per layer:
 * `sum` is Σ m; `polarization` is Σ (t·m − |m − mean(m)|) (Zhuang et al., the
 * regularizer the controller applies to γ), which pulls the gates below their
 * layer's mean down (t + 1) / (t − 1) times harder than those above it, so the
 * gates split instead of sinking together.
 */
export function gatePenalty(layers: GfrLayer[], penalty: GatePenalty, polarization: number): tf.Scalar {
  return tf.tidy(() => {
    if (penalty === 'sum') return gateSum(layers.map((layer) => layer.lastGates()));
    return tf.addN(layers.map((layer) => {
      const m = tf.mean(layer.lastGates(), 0);
      return tf.sub(tf.mul(tf.sum(m), polarization), tf.sum(tf.abs(tf.sub(m, tf.mean(m)))));
    })) as tf.Scalar;
  });
}

/** Σ over layers of Σ mean_N(s) = Σ s / N over all layers' gates at once: one term, not one per layer. */
function gateSum(gates: tf.Tensor2D[]): tf.Scalar {
  const all = gates.length === 1 ? gates[0] : tf.concat(gates, 1);
  return tf.mul(tf.sum(all), 1 / all.shape[0]) as tf.Scalar;
}
