/**
 * Drives a target share of channels to exactly zero during sparse training
 * (docs/METHOD.md §3.2): after every optimizer step, a proximal polarization update of
 * each member BN's γ (Zhuang et al., NeurIPS 2020: R(γ) = t·|γ| − |γ − mean γ|
 * per layer), with a strength λ that a controller raises while the share of
 * zero channels lags a schedule (0 at the start, the target at 80% of the
 * steps) and lowers when it runs ahead. The share it follows is of channels,
 * or of the model's FLOPs that the zero channels free. No layer falls below its
 * floor of channels, so no layer dies. A channel at zero has its β zeroed too:
 * it outputs exactly 0, and removing it changes nothing.
 */
import * as tf from '@tensorflow/tfjs';
import type { SparsityStatus } from '../../contract/events';
import { DEFAULT_TRAIN_SETTINGS, type TargetKind } from '../../contract/settings';
import { UserError } from '../core/errors';
import type { ChannelGroup, ModelAnalysis } from '../graph/analyze';
import { keptFlops } from '../graph/flops';
import { isGfrLayer } from '../gfr/gfrLayer';
import { gfrLayerName } from '../gfr/instrument';

export { TARGET_KINDS, type TargetKind } from '../../contract/settings';
export type { SparsityStatus } from '../../contract/events';

export interface SparsitySettings {
  /** Share to free, 0..1 (0 turns the controller off): of channels driven to exactly zero, or of FLOPs they free. */
  target: number;
  targetKind: TargetKind;
  /** t of the polarization regularizer. */
  polarization: number;
  /** Share of the steps at which the schedule reaches the target. */
  scheduleEnd: number;
  lambdaStart: number;
  /** Cap of λ while the schedule rises: a zero shows only steps after λ rose, so a higher cap overshoots. */
  lambdaMax: number;
  /**
   * Cap of λ once the schedule has reached the target: with λ capped at 1 Adam
   * revived zeroed channels as fast as the step zeroed them, and VGG stalled at
   * 45% of 50%; at 10 the last steps shrank every γ so fast that ResNet's
   * unpruned accuracy fell to 57% (73.5% at 3; docs/DECISIONS.md).
   */
  lateLambdaMax: number;
  /** Channels kept per group at least: max(1, ceil(minKeepFraction·C)). */
  minKeepFraction: number;
  /**
   * Multiplies the proximal step of groups joined by an identity shortcut
   * (`Add`): zeroing a residual stream removes a channel from every block at
   * once, the most destructive cut, so those go last (issue 10).
   */
  residualStepScale: number;
  /**
   * How channels reach zero. `proximal`: the polarization step above, which
   * moves every γ. `gradual`: the schedule's share of channels, lowest |γ|
   * (relative to its layer) first, is set to zero outright and the rest is left
   * to the optimizer (gradual pruning, Zhu & Gupta 2017): from a trained start
   * the proximal step's shrinkage of every γ cost accuracy before a single
   * channel was at zero (LeNet 98.4 → 96.9% in 50 steps; docs/DECISIONS.md).
   */
  zeroing: 'proximal' | 'gradual';
  /**
   * Gradual zeroing in chunks: 0 zeroes the schedule's share at every step;
   * N > 0 zeroes, at once, what the schedule asks for N steps ahead, then
   * waits for the next good guard reading (or a setback) before the next
   * chunk, so that every reading sees a model that had N steps to recover
   * rather than one still reeling from the last few zeros.
   */
  chunkSteps: number;
  /**
   * With chunks: the share of all channels one chunk adds at full pace (the
   * pace halves it after a setback), up to `target`; 0 takes what the
   * schedule asks for `chunkSteps` ahead instead. A fixed size keeps a chunk
   * small however long the guard waits between readings.
   */
  chunkShare: number;
  /**
   * Gradual zeroing stops at this share of the steps: the rest only trains
   * (with the teacher) what is left. On the trained ResNet of the benchmark
   * each chunk of zeros cost points that the next 23 steps did not win back;
   * without a last phase free of new zeros the model ended 1.2 points below
   * the original on the validation images (docs/DECISIONS.md).
   */
  zeroUntil: number;
}

export const DEFAULT_SPARSITY: SparsitySettings = {
  target: DEFAULT_TRAIN_SETTINGS.target,
  targetKind: DEFAULT_TRAIN_SETTINGS.targetKind,
  polarization: 1.2,
  scheduleEnd: 0.8,
  lambdaStart: 0.05,
  lambdaMax: 1,
  lateLambdaMax: 3,
  minKeepFraction: 0.05,
  residualStepScale: 1,
  zeroing: 'proximal',
  chunkSteps: 0,
  chunkShare: 0,
  zeroUntil: 1,
};

/**
 * With an accuracy guard (the automatic target, from a trained start):
 * chunks of 4% of the channels go to zero, each after a good reading of the
 * guard, up to this share and during the first two thirds of the steps;
 * residual streams look four times larger, so they go last. (The caller
 * sets chunkSteps to the guard's cadence.)
 */
export const AUTO_SPARSITY: Pick<SparsitySettings, 'target' | 'residualStepScale' | 'zeroing' | 'zeroUntil' | 'chunkShare'> = {
  target: 0.9, residualStepScale: 0.25, zeroing: 'gradual', zeroUntil: 2 / 3, chunkShare: 0.04,
};

export interface ControllerState {
  progress: number;
  lambda: number;
  /** Zero channels per controlled group. */
  zeros: number[][];
}

/** Everything the controller needs to go on after a reload (a training checkpoint), in plain data. */
export interface ControllerSnapshot extends ControllerState {
  pace: number;
  chunkDue: boolean;
  aimed: number;
  setbacks: number;
  /** Per controlled group, measured from γ when training first started. */
  stepScales: number[];
}

interface ControlledGroup {
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


/** Target scale of γ after rescaling: groups left larger get a proportionally larger step. */
const REFERENCE_GAMMA = 0.1;

/**
 * γ values are read asynchronously (`data()`), once per step for all groups:
 * on WebGPU a synchronous read would break every later asynchronous one.
 */
export class SparsityController {
  private lambda: number;
  /** How far the schedule has advanced, in steps at full pace. */
  private progress = 0;
  /** Schedule steps per training step: 1, halved at every setback, regained by a quarter at every good reading. */
  private pace = 1;
  /** Gradual zeroing in chunks: whether the next step zeroes the next chunk. */
  private chunkDue = true;
  /** Gradual zeroing in fixed-size chunks: the share of channels the latest chunk aimed at. */
  private aimed = 0;
  private setbacks = 0;

  private constructor(
    private readonly groups: ControlledGroup[],
    private readonly analysis: ModelAnalysis,
    private readonly settings: SparsitySettings,
    private readonly totalSteps: number,
  ) {
    this.lambda = settings.lambdaStart;
  }

  /** `analysis` is the model's without GFR: its groups' member BNs are found by name in `model`. */
  static async create(
    model: tf.LayersModel, analysis: ModelAnalysis, settings: SparsitySettings, totalSteps: number, resume?: ControllerSnapshot,
  ): Promise<SparsityController> {
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
    const controller = new SparsityController(controlled, analysis, settings, totalSteps);
    if (resume) controller.resume(resume);
    return controller;
  }

  /** The whole state, for a training checkpoint. */
  snapshot(): ControllerSnapshot {
    return {
      ...this.checkpoint(), pace: this.pace, chunkDue: this.chunkDue, aimed: this.aimed, setbacks: this.setbacks,
      stepScales: this.groups.map((group) => group.stepScale),
    };
  }

  private resume(snapshot: ControllerSnapshot): void {
    if (snapshot.zeros.length !== this.groups.length || snapshot.stepScales.length !== this.groups.length) {
      throw new UserError('The saved training does not fit this model; start the training again.');
    }
    ({ progress: this.progress, lambda: this.lambda, pace: this.pace, chunkDue: this.chunkDue, aimed: this.aimed, setbacks: this.setbacks } = snapshot);
    this.groups.forEach((group, index) => {
      group.zeros = [...snapshot.zeros[index]];
      group.stepScale = snapshot.stepScales[index];
    });
  }

  get enabled(): boolean {
    return this.settings.target > 0 && this.groups.length > 0;
  }

  scheduleAt(step: number): number {
    return this.settings.target * Math.min(1, step / Math.max(1, this.settings.scheduleEnd * this.totalSteps));
  }

  /** What `restore` needs to go back to this point (the weights are the caller's to keep). */
  checkpoint(): ControllerState {
    return { progress: this.progress, lambda: this.lambda, zeros: this.groups.map((group) => [...group.zeros]) };
  }

  /**
   * Goes back to a checkpoint after an accuracy guard saw the model too far
   * below the original, and halves the schedule's pace from there on.
   */
  setBack(state: ControllerState): void {
    this.progress = state.progress;
    this.lambda = state.lambda;
    this.groups.forEach((group, index) => (group.zeros = [...state.zeros[index]]));
    this.aimed = this.zeroShareNow();
    this.pace /= 2;
    this.setbacks++;
    this.chunkDue = true;
  }

  /**
   * A good reading of the guard: the pace grows back by a quarter (up to the
   * schedule's own), so one unlucky reading of a small calibration set does
   * not slow the rest of the run for good.
   */
  goodReading(): void {
    this.pace = Math.min(1, this.pace * 1.25);
    this.chunkDue = true;
  }

  private totalChannels(): number {
    return this.groups.reduce((sum, group) => sum + group.size, 0);
  }

  private zeroShareNow(): number {
    return this.groups.reduce((sum, group) => sum + group.zeros.length, 0) / Math.max(1, this.totalChannels());
  }

  /** The status as it stands (after a setback, the checkpoint's). */
  status(): SparsityStatus {
    return this.statusOf(this.progress, this.groups.map((group) => group.zeros.length));
  }

  /** Applies the proximal update after optimizer step `step` (1-based) and adapts λ. */
  async afterStep(step: number, learningRate: number): Promise<SparsityStatus> {
    const eta = learningRate * this.lambda;
    const current = await Promise.all(this.groups.map((group) => readAll(group.gammas)));
    this.progress += this.pace;
    const zeroing = step <= this.settings.zeroUntil * this.totalSteps;
    if (this.settings.zeroing === 'gradual' && zeroing && (this.chunkDue || this.settings.chunkSteps === 0)) {
      this.aimed = this.settings.chunkShare > 0
        // At least one channel a chunk, however small the model.
        ? Math.min(this.settings.target, this.zeroShareNow() + Math.max(this.settings.chunkShare * this.pace, 1 / this.totalChannels()))
        : this.scheduleAt(this.progress + this.settings.chunkSteps * this.pace);
      this.zeroLowest(await this.importances(current), this.aimed);
      this.chunkDue = false;
    }
    const zerosByGroup = this.settings.zeroing === 'gradual'
      ? this.groups.map((group, index) => keepZeros(group, current[index]))
      : this.proximalStep(current, eta);
    const status = this.statusOf(this.progress, zerosByGroup);
    const reached = status.targetKind === 'flops' ? status.freedFlopsShare : status.zeroShare;
    const factor = reached < status.targetShare ? 1.1 : 0.9;
    const cap = step >= this.settings.scheduleEnd * this.totalSteps ? this.settings.lateLambdaMax : this.settings.lambdaMax;
    this.lambda = Math.min(cap, Math.max(1e-4, this.lambda * factor));
    return status;
  }

  /** `scheduleStep`: how far the schedule has advanced. */
  private statusOf(scheduleStep: number, zerosByGroup: number[]): SparsityStatus {
    const zeroShareByGroup: Record<string, number> = {};
    const kept: Record<string, number> = {};
    let zeros = 0;
    let total = 0;
    this.groups.forEach((group, index) => {
      zeroShareByGroup[group.key] = zerosByGroup[index] / group.size;
      kept[group.key] = group.size - zerosByGroup[index];
      zeros += zerosByGroup[index];
      total += group.size;
    });
    const freedFlopsShare = this.analysis.flops ? 1 - keptFlops(this.analysis, kept) / this.analysis.flops : 0;
    const zeroShare = total ? zeros / total : 0;
    return {
      zeroShare, freedFlopsShare, targetKind: this.settings.targetKind,
      targetShare: this.settings.chunkShare > 0 ? this.aimed : this.scheduleAt(scheduleStep), lambda: this.lambda, zeroShareByGroup,
      ...(this.setbacks ? { setbacks: this.setbacks } : {}),
    };
  }

  /**
   * z = γ + η·sign(γ − mean γ) per member BN (a gradient step on the concave
   * −|γ − mean|), then the proximal step of t·|γ| taken on each coupled
   * channel as a whole (group lasso): z_c ← z_c·max(0, 1 − η·t·√M / ‖z_c‖)
   * over the M members. With one member this is sign(z)·max(|z| − η·t, 0);
   * with several, channel c of every member reaches zero at the same step, as
   * channels joined by a residual Add must. Channels beyond the group's floor
   * keep their previous values instead.
   */
  private proximalStep(current: Float32Array[][], eta: number): number[] {
    const updated = this.groups.map((group, index) => this.proximalUpdate(group, current[index], eta * group.stepScale));
    return this.groups.map((group, index) => {
      updated[index].forEach((next, member) => {
        const tensor = tf.tensor1d(next);
        group.gammas[member].write(tensor);
        tensor.dispose();
      });
      group.zeros = zeroChannels(updated[index], group.size);
      zeroBetas(group.betas, group.zeros, group.size);
      return group.zeros.length;
    });
  }

  /** |γ|·sr per member (|γ| where the member has no GFR layer): the importance of docs/METHOD.md §4. */
  private async importances(current: Float32Array[][]): Promise<Float32Array[][]> {
    return Promise.all(this.groups.map(async (group, index) => Promise.all(current[index].map(async (gamma, member) => {
      const gate = group.gates[member];
      if (!gate) return gamma;
      const sr = (await gate.read().data()) as Float32Array;
      return Float32Array.from(gamma, (value, channel) => Math.abs(value) * sr[channel]);
    }))));
  }

  /**
   * Gradual zeroing: adds to each group's zero channels until `share` of all
   * channels is at zero, lowest first by ‖|γ_c|·sr_c‖ over the
   * group's members relative to the group's mean (residual groups scaled up
   * by 1 / residualStepScale), never past a group's floor.
   */
  private zeroLowest(current: Float32Array[][], share: number): void {
    const total = this.groups.reduce((sum, group) => sum + group.size, 0);
    const zeros = this.groups.reduce((sum, group) => sum + group.zeros.length, 0);
    const wanted = Math.floor(share * total + 1e-9) - zeros;
    if (wanted <= 0) return;
    const candidates = this.groups.flatMap((group, index) => {
      const zero = new Set(group.zeros);
      const norms = Array.from({ length: group.size }, (_, channel) => Math.hypot(...current[index].map((gamma) => gamma[channel])));
      const mean = norms.reduce((sum, norm) => sum + norm, 0) / group.size || 1;
      const scale = group.residual ? 1 / this.settings.residualStepScale : 1;
      return norms.flatMap((norm, channel) => (zero.has(channel) ? [] : [{ group, channel, score: (norm / mean) * scale }]));
    }).sort((a, b) => a.score - b.score);
    let added = 0;
    for (const { group, channel } of candidates) {
      if (added >= wanted) break;
      if (group.zeros.length >= group.maxZeros) continue;
      group.zeros.push(channel);
      added++;
    }
  }

  /** The proximal update of one group, not yet written (see proximalStep). */
  private proximalUpdate(group: ControlledGroup, current: Float32Array[], eta: number): Float32Array[] {
    const threshold = eta * this.settings.polarization * Math.sqrt(current.length);
    const alreadyZero = new Set(zeroChannels(current, group.size));
    const pushed = current.map((gamma) => {
      const mean = gamma.reduce((sum, value) => sum + value, 0) / gamma.length;
      return Float32Array.from(gamma, (value) => value + eta * Math.sign(value - mean));
    });
    const shrink = Array.from({ length: group.size }, (_, channel) => {
      const norm = Math.hypot(...pushed.map((z) => z[channel]));
      return norm > threshold ? 1 - threshold / norm : 0;
    });
    const updated = pushed.map((z) => Float32Array.from(z, (value, channel) => value * shrink[channel]));
    limitZeros(updated, current, alreadyZero, group.maxZeros);
    return updated;
  }
}

/** Gradual zeroing: the group's zero channels get γ = β = 0 again (the optimizer moves them), the others are left alone. */
function keepZeros(group: ControlledGroup, current: Float32Array[]): number {
  const { zeros } = group;
  if (zeros.length === 0) return 0;
  current.forEach((gamma, member) => {
    const next = Float32Array.from(gamma);
    zeros.forEach((channel) => (next[channel] = 0));
    const tensor = tf.tensor1d(next);
    group.gammas[member].write(tensor);
    tensor.dispose();
  });
  zeroBetas(group.betas, zeros, group.size);
  return zeros.length;
}

/** Restores the largest of the newly zeroed channels (in every member) while more than `maxZeros` would be zero. */
function limitZeros(next: Float32Array[], previous: Float32Array[], alreadyZero: Set<number>, maxZeros: number): void {
  const zeroed = zeroChannels(next, next[0].length);
  if (zeroed.length <= maxZeros) return;
  const magnitude = (channel: number) => Math.hypot(...previous.map((gamma) => gamma[channel]));
  const fresh = zeroed.filter((channel) => !alreadyZero.has(channel)).sort((a, b) => magnitude(b) - magnitude(a));
  for (const channel of fresh.slice(0, zeroed.length - maxZeros)) next.forEach((gamma, member) => (gamma[channel] = previous[member][channel]));
}
/** Channels whose γ is zero in every member. */
function zeroChannels(values: Float32Array[], size: number): number[] {
  return Array.from({ length: size }, (_, channel) => channel).filter((channel) => values.every((gamma) => gamma[channel] === 0));
}

async function readAll(variables: tf.LayerVariable[]): Promise<Float32Array[]> {
  return Promise.all(variables.map(async (variable) => (await variable.read().data()) as Float32Array));
}

/** sr of the GFR layer that `insertGfrLayers` put after each member BN, undefined where there is none. */
function gateFactors(model: tf.LayersModel, members: ChannelGroup['members']): (tf.LayerVariable | undefined)[] {
  const gfrs = new Map(model.layers.filter(isGfrLayer).map((layer) => [layer.name, layer]));
  return members.filter((member) => member.bn).map((member) => gfrs.get(gfrLayerName(member.bn!))?.weights.find((weight) => weight.originalName.endsWith('/sr')));
}

function bnWeights(model: tf.LayersModel, members: ChannelGroup['members'], suffix: '/gamma' | '/beta'): tf.LayerVariable[] {
  return members.flatMap((member) => (member.bn ? model.getLayer(member.bn).weights.filter((weight) => weight.originalName.endsWith(suffix)) : []));
}

/**
 * β ← 0 on the zero channels: with γ = 0 a channel outputs act(β), a constant that
 * removal can only approximate (compensation is inexact at the borders of a 'same'
 * convolution); with β = 0 too it outputs act(0) = 0 for ReLU-like activations, the
 * model trains without it, and removing it changes nothing. Written with tensor ops,
 * so no read: Adam's momentum can move β again, and every step zeroes it anew.
 */
function zeroBetas(betas: tf.LayerVariable[], zeros: number[], size: number): void {
  if (zeros.length === 0 || betas.length === 0) return;
  const keep = new Float32Array(size).fill(1);
  zeros.forEach((channel) => (keep[channel] = 0));
  tf.tidy(() => {
    const mask = tf.tensor1d(keep);
    betas.forEach((beta) => beta.write(tf.mul(beta.read(), mask)));
  });
}

function meanAbs(values: Float32Array[]): number {
  const all = values.flatMap((array) => Array.from(array));
  return all.reduce((sum, value) => sum + Math.abs(value), 0) / Math.max(1, all.length);
}
