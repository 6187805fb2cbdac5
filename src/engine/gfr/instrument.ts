/**
 * Step 1 on the model's structure: insert a GFR layer after the BN of every
 * prunable group member, and fold GFR layers back into their BN for export
 * (γ' = γ·sr, β' = β·sr — exact for GFR's inference form).
 *
 * Insertion is exact (docs/METHOD.md §2): each gate starts at s = s0 =
 * INITIAL_SR for every input (last kernel zero, last bias 2·τ), and the BN
 * before it has γ and β divided by s0, so BN'(x)·s0 = BN(x) in inference and
 * in training form alike. fold(insert(spec)) is spec, within float rounding.
 */
import type { LayerSpec, ModelSpec, WeightArray } from '../core/types';
import { seededRandom } from '../core/random';
import { vector } from '../core/weightArrays';
import type { ModelAnalysis } from '../../contract/analysis';
import { DEFAULT_GATE_TEMPERATURE, DEFAULT_REDUCTION } from '../../contract/settings';
import { cloneSpec, layerByName } from '../io/modelSpec';
import { GFR_CLASS_NAME, hiddenWidth, INITIAL_SR, initialGateBias } from './gfrLayer';

export interface InstrumentOptions {
  reduction?: number;
  temperature?: number;
  seed?: number;
}

/** The BN layers that get a GFR: those after the members of prunable groups. */
export function gfrTargets(analysis: ModelAnalysis): string[] {
  return analysis.groups
    .filter((group) => group.prunable)
    .flatMap((group) => group.members.filter((member) => member.bn && !member.gfr).map((member) => member.bn!));
}

export function insertGfrLayers(spec: ModelSpec, analysis: ModelAnalysis, options: InstrumentOptions = {}): ModelSpec {
  const reduction = options.reduction ?? DEFAULT_REDUCTION;
  const temperature = options.temperature ?? DEFAULT_GATE_TEMPERATURE;
  const random = seededRandom(options.seed ?? 1);
  let result = cloneSpec(spec);
  for (const bnName of gfrTargets(analysis)) {
    const bn = layerByName(result, bnName);
    const channels = bn.weights.gamma.values.length;
    // The gate will multiply by s0: the BN gives back 1/s0 of it, so the pair computes what the BN computed.
    // Its moving statistics stay as they are (they describe its input, which does not change).
    for (const key of ['gamma', 'beta'] as const) {
      const weight = bn.weights[key];
      if (weight) weight.values.forEach((value, channel) => (weight.values[channel] = value / INITIAL_SR));
    }
    const gfr: LayerSpec = {
      name: gfrLayerName(bnName),
      className: GFR_CLASS_NAME,
      config: { name: gfrLayerName(bnName), trainable: true, reduction, temperature },
      inbound: [bnName],
      weights: gfrWeights(channels, hiddenWidth(channels, reduction), initialGateBias(temperature), random),
    };
    result = insertAfter(result, bnName, gfr);
  }
  return result;
}

function glorotUniform(fanIn: number, fanOut: number, random: () => number): WeightArray {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const values = Float32Array.from({ length: fanIn * fanOut }, () => (random() * 2 - 1) * limit);
  return { shape: [fanIn, fanOut], values };
}

/**
 * kernel1 seeded Glorot, kernel2 zero: every gate is sigmoid(bias2 / τ) = s0 whatever the input, like a
 * zero-initialized last layer of a residual branch. kernel2 learns from the first step (its gradient is
 * hᵀ·ds·s·(1 − s)/τ with h = relu(z·W1 + b1), not zero in general), kernel1 once kernel2 has moved.
 */
function gfrWeights(channels: number, hidden: number, gateBias: number, random: () => number): Record<string, WeightArray> {
  return {
    kernel1: glorotUniform(channels, hidden, random),
    bias1: vector(new Float32Array(hidden)),
    kernel2: { shape: [hidden, channels], values: new Float32Array(hidden * channels) },
    bias2: vector(new Float32Array(channels).fill(gateBias)),
    sr: vector(new Float32Array(channels).fill(INITIAL_SR)),
  };
}

/** Inserts `layer` (whose inbound is `after`) and rewires every reader of `after` to it. */
function insertAfter(spec: ModelSpec, after: string, layer: LayerSpec): ModelSpec {
  const layers = spec.layers.map((existing) => ({
    ...existing,
    inbound: existing.inbound.map((name) => (name === after ? layer.name : name)),
  }));
  const index = layers.findIndex((existing) => existing.name === after);
  layers.splice(index + 1, 0, layer);
  return { ...spec, layers, outputs: spec.outputs.map((name) => (name === after ? layer.name : name)) };
}

/** Removes every GFR layer, scaling the BN before it by sr. */
export function foldGfrLayers(spec: ModelSpec): ModelSpec {
  let result = cloneSpec(spec);
  for (const gfr of spec.layers.filter((layer) => layer.className === GFR_CLASS_NAME)) {
    const bn = layerByName(result, gfr.inbound[0]);
    if (bn.className !== 'BatchNormalization') {
      throw new Error(`GFR layer '${gfr.name}' follows ${bn.className} '${bn.name}', not a BatchNormalization; it cannot be folded.`);
    }
    const sr = gfr.weights.sr.values;
    for (const key of ['gamma', 'beta'] as const) {
      const weight = bn.weights[key];
      if (weight) weight.values.forEach((value, channel) => (weight.values[channel] = value * sr[channel]));
    }
    result = removeLayer(result, gfr.name);
  }
  return result;
}

/** Removes a single-input layer, wiring its readers to its input. */
function removeLayer(spec: ModelSpec, name: string): ModelSpec {
  const removed = layerByName(spec, name);
  const source = removed.inbound[0];
  return {
    ...spec,
    layers: spec.layers
      .filter((layer) => layer.name !== name)
      .map((layer) => ({ ...layer, inbound: layer.inbound.map((inbound) => (inbound === name ? source : inbound)) })),
    outputs: spec.outputs.map((output) => (output === name ? source : output)),
  };
}

export const hasGfrLayers = (spec: ModelSpec): boolean => spec.layers.some((layer) => layer.className === GFR_CLASS_NAME);

/** The name of the GFR layer inserted after the BN layer `bn`. */
export function gfrLayerName(bn: string): string {
  return `${bn}_gfr`;
}
