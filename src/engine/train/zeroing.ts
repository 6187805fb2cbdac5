/**
 * What the two ways of driving channels to zero share (`ProximalSparsity`,
 * `GradualZeroing`, chosen by `SparsityController`): the channel groups they
 * control, with their γ, β and gates, the bookkeeping of which channels are at
 * zero, and the interface a strategy offers the controller.
 */
import * as tf from '@tensorflow/tfjs';
import type { SparsityStatus } from '../../contract/events';
import type { ChannelGroup, ModelAnalysis } from '../../contract/analysis';
import { isGfrLayer } from '../gfr/gfrLayer';
import { gfrLayerName } from '../gfr/instrument';

export interface ControlledGroup {
  key: string;
  size: number;
  maxZeros: number;
  gammas: tf.LayerVariable[];
  /** The members' β (absent where a BN has center: false). */
  betas: tf.LayerVariable[];
  /** Multiplies the proximal step: > 1 for groups whose γ could not be rescaled. */
  stepScale: number;
  /** Channels at zero after the latest update. */
  zeros: number[];
  /** Joined by an identity shortcut (`Add`). */
  residual: boolean;
  /** The relationship factor sr of the GFR layer after each member BN, where there is one (gradual zeroing weighs γ by it). */
  gates: (tf.LayerVariable | undefined)[];
}

/** Where training stands when a strategy takes its turn after an optimizer step. */
export interface ZeroingStep {
  /** The optimizer step just taken, 1-based. */
  step: number;
  learningRate: number;
  /** Every group's γ per member, as the optimizer left them. */
  gammas: Float32Array[][];
  /** How far the schedule has advanced, in steps at full pace (this step included). */
  progress: number;
  /** Schedule steps per training step now. */
  pace: number;
}

/** A strategy's own state in plain data: λ of the proximal step, or the chunk of gradual zeroing. */
export interface StrategyState {
  lambda?: number;
  /** Gradual zeroing in chunks: whether the next step zeroes the next chunk. */
  chunkDue?: boolean;
  /** Gradual zeroing in fixed-size chunks: the share of channels the latest chunk aimed at. */
  aimed?: number;
}

/** How channels reach zero. The controller keeps the schedule, its pace and the setbacks; a strategy moves γ. */
export interface ZeroingStrategy {
  /** Writes γ (and β) of every group after an optimizer step and updates each group's `zeros`. */
  apply(at: ZeroingStep): Promise<void>;
  /** The share the status reports as aimed at, `scheduled` being the schedule's share now. */
  targetShare(scheduled: number): number;
  /** Sees the status of the step it just took (the proximal step adapts λ to it). */
  adapt(step: number, status: SparsityStatus): void;
  /** λ where it moves γ; undefined where nothing uses one. */
  readonly lambda: number | undefined;
  /** The state to go back to (a guard's checkpoint) or to go on from (a saved training). */
  state(): StrategyState;
  /** Goes on from a saved training's state. */
  resume(state: StrategyState): void;
  /** After a failed guard reading: back to a checkpoint's state (the groups' zeros are back already). */
  setBack(state: StrategyState): void;
  goodReading(): void;
}

/** Target scale of γ after rescaling: groups left larger get a proportionally larger step. */
const REFERENCE_GAMMA = 0.1;

/** The prunable groups of `analysis` (the model's without GFR) whose member BNs have a γ in `model`, with their channels at zero now. */
export async function controlledGroups(
  model: tf.LayersModel, analysis: ModelAnalysis, settings: { minKeepFraction: number; residualStepScale: number },
): Promise<ControlledGroup[]> {
  const controlled: ControlledGroup[] = [];
  for (const group of analysis.groups.filter((g) => g.prunable)) {
    const gammas = bnWeights(model, group.members, '/gamma');
    if (gammas.length === 0) continue;
    const values = await readAll(gammas);
    const residual = analysis.layers.some((layer) => layer.className === 'Add' && layer.layout.kind === 'channels' && layer.layout.segments.some((segment) => segment.group === group.key));
    controlled.push({
      key: group.key,
      size: group.size,
      maxZeros: group.size - Math.max(1, Math.ceil(settings.minKeepFraction * group.size)),
      gammas,
      betas: bnWeights(model, group.members, '/beta'),
      gates: gateFactors(model, group.members),
      stepScale: Math.max(1, meanAbs(values) / REFERENCE_GAMMA) * (residual ? settings.residualStepScale : 1),
      residual,
      zeros: zeroChannels(values, group.size),
    });
  }
  return controlled;
}

export function totalChannels(groups: ControlledGroup[]): number {
  return groups.reduce((sum, group) => sum + group.size, 0);
}

export function zeroCount(groups: ControlledGroup[]): number {
  return groups.reduce((sum, group) => sum + group.zeros.length, 0);
}

/** Channels whose γ is zero in every member. */
export function zeroChannels(values: Float32Array[], size: number): number[] {
  return Array.from({ length: size }, (_, channel) => channel).filter((channel) => values.every((gamma) => gamma[channel] === 0));
}

/**
 * Every group's γ, read asynchronously (`data()`), once per step for all groups:
 * on WebGPU a synchronous read would break every later asynchronous one.
 */
export async function readGammas(groups: ControlledGroup[]): Promise<Float32Array[][]> {
  return Promise.all(groups.map((group) => readAll(group.gammas)));
}

async function readAll(variables: tf.LayerVariable[]): Promise<Float32Array[]> {
  return Promise.all(variables.map(async (variable) => (await variable.read().data()) as Float32Array));
}

/** Writes `values` (one array per member) into the group's γ. */
export function writeGammas(group: ControlledGroup, values: Float32Array[]): void {
  values.forEach((next, member) => {
    const tensor = tf.tensor1d(next);
    group.gammas[member].write(tensor);
    tensor.dispose();
  });
}

/**
 * β ← 0 on the zero channels: with γ = 0 a channel outputs act(β), a constant that
 * removal can only approximate (compensation is inexact at the borders of a 'same'
 * convolution); with β = 0 too it outputs act(0) = 0 for ReLU-like activations, the
 * model trains without it, and removing it changes nothing. Written with tensor ops,
 * so no read: Adam's momentum can move β again, and every step zeroes it anew.
 */
export function zeroBetas(group: ControlledGroup): void {
  const { betas, zeros, size } = group;
  if (zeros.length === 0 || betas.length === 0) return;
  const keep = new Float32Array(size).fill(1);
  zeros.forEach((channel) => (keep[channel] = 0));
  tf.tidy(() => {
    const mask = tf.tensor1d(keep);
    betas.forEach((beta) => beta.write(tf.mul(beta.read(), mask)));
  });
}

/** sr of the GFR layer that `insertGfrLayers` put after each member BN, undefined where there is none. */
function gateFactors(model: tf.LayersModel, members: ChannelGroup['members']): (tf.LayerVariable | undefined)[] {
  const gfrs = new Map(model.layers.filter(isGfrLayer).map((layer) => [layer.name, layer]));
  return members.filter((member) => member.bn).map((member) => gfrs.get(gfrLayerName(member.bn!))?.weights.find((weight) => weight.originalName.endsWith('/sr')));
}

function bnWeights(model: tf.LayersModel, members: ChannelGroup['members'], suffix: '/gamma' | '/beta'): tf.LayerVariable[] {
  return members.flatMap((member) => (member.bn ? model.getLayer(member.bn).weights.filter((weight) => weight.originalName.endsWith(suffix)) : []));
}

function meanAbs(values: Float32Array[]): number {
  const all = values.flatMap((array) => Array.from(array));
  return all.reduce((sum, value) => sum + Math.abs(value), 0) / Math.max(1, all.length);
}
