/**
 * Drives a target share of channels to exactly zero during sparse training
 * (docs/METHOD.md §3.2): a schedule rises from 0 at the start to the target at
 * `scheduleEnd` of the steps, and after every optimizer step a strategy moves
 * γ toward it — `ProximalSparsity` (a fixed target) or `GradualZeroing` (the
 * automatic target under an accuracy guard). The share it follows is of
 * channels, or of the model's FLOPs that the zero channels free. No layer
 * falls below its floor of channels, so no layer dies. A channel at zero has
 * its β zeroed too: it outputs exactly 0, and removing it changes nothing.
 * After a failed guard reading the controller goes back to a checkpoint and
 * halves the schedule's pace.
 */
import type * as tf from '@tensorflow/tfjs';
import type { SparsityStatus } from '../../contract/events';
import { DEFAULT_TRAIN_SETTINGS, type TargetKind } from '../../contract/settings';
import { UserError } from '../core/errors';
import type { ModelAnalysis } from '../../contract/analysis';
import { keptFlops } from '../graph/flops';
import { GradualZeroing, type GradualSettings } from './gradualZeroing';
import { ProximalSparsity, type ProximalSettings } from './proximalSparsity';
import { controlledGroups, readGammas, type ControlledGroup, type StrategyState, type ZeroingStrategy } from './zeroing';


export interface SparsitySettings extends ProximalSettings, GradualSettings {
  /** Share to free, 0..1 (0 turns the controller off): of channels driven to exactly zero, or of FLOPs they free. */
  target: number;
  targetKind: TargetKind;
  /** Channels kept per group at least: max(1, ceil(minKeepFraction·C)). */
  minKeepFraction: number;
  /**
   * Scales how readily a group joined by an identity shortcut (`Add`) loses
   * channels (the proximal step's size; gradual zeroing's score, inverted):
   * zeroing a residual stream removes a channel from every block at once, the
   * most destructive cut, so below 1 those go last (issue 10).
   */
  residualStepScale: number;
  /** How channels reach zero: `proximal` (ProximalSparsity) or `gradual` (GradualZeroing; why: docs/DECISIONS.md, issue 10). */
  zeroing: 'proximal' | 'gradual';
  /**
   * The most the pace grows to after good guard readings (1: never past the
   * schedule's own). Above 1, a chunk after a run of good readings is up to
   * that many times `chunkShare`: with a fixed 4% the ten readings of a
   * 3-epoch run's zeroing phase could zero at most 40%, whatever the model allowed.
   */
  maxPace: number;
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
  maxPace: 1,
  zeroUntil: 1,
};

/**
 * With an accuracy guard (the automatic target, from a trained start):
 * chunks of 4% of the channels go to zero, each after a good reading of the
 * guard, up to this share and during the first two thirds of the steps;
 * residual streams look four times larger, so they go last. (The caller
 * sets chunkSteps to the guard's cadence.)
 */
export const AUTO_SPARSITY: Pick<SparsitySettings, 'target' | 'residualStepScale' | 'zeroing' | 'zeroUntil' | 'chunkShare' | 'maxPace'> = {
  target: 0.9, residualStepScale: 0.25, zeroing: 'gradual', zeroUntil: 2 / 3, chunkShare: 0.04, maxPace: 1,
};

export interface ControllerState extends StrategyState {
  progress: number;
  /** Zero channels per controlled group. */
  zeros: number[][];
}

/**
 * Everything the controller needs to go on after a reload (a training checkpoint), in plain data.
 * Saved trainings from before the two strategies hold `lambda`, `chunkDue` and `aimed` all three: each strategy reads its own.
 */
export interface ControllerSnapshot extends ControllerState {
  pace: number;
  setbacks: number;
  /** Per controlled group, measured from γ when training first started. */
  stepScales: number[];
}

export class SparsityController {
  /** How far the schedule has advanced, in steps at full pace. */
  private progress = 0;
  /** Schedule steps per training step: 1, halved at every setback, regained by a quarter at every good reading. */
  private pace = 1;
  private setbacks = 0;
  private readonly strategy: ZeroingStrategy;

  private constructor(
    private readonly groups: ControlledGroup[],
    private readonly analysis: ModelAnalysis,
    private readonly settings: SparsitySettings,
    private readonly totalSteps: number,
  ) {
    this.strategy = settings.zeroing === 'gradual'
      ? new GradualZeroing(groups, settings, totalSteps, (progress) => this.scheduleAt(progress))
      : new ProximalSparsity(groups, settings, totalSteps);
  }

  /** `analysis` is the model's without GFR: its groups' member BNs are found by name in `model`. */
  static async create(
    model: tf.LayersModel, analysis: ModelAnalysis, settings: SparsitySettings, totalSteps: number, resume?: ControllerSnapshot,
  ): Promise<SparsityController> {
    const controller = new SparsityController(await controlledGroups(model, analysis, settings), analysis, settings, totalSteps);
    if (resume) controller.resume(resume);
    return controller;
  }

  /** The whole state, for a training checkpoint. */
  snapshot(): ControllerSnapshot {
    return { ...this.checkpoint(), pace: this.pace, setbacks: this.setbacks, stepScales: this.groups.map((group) => group.stepScale) };
  }

  private resume(snapshot: ControllerSnapshot): void {
    if (snapshot.zeros.length !== this.groups.length || snapshot.stepScales.length !== this.groups.length) {
      throw new UserError('The saved training does not fit this model; start the training again.');
    }
    ({ progress: this.progress, pace: this.pace, setbacks: this.setbacks } = snapshot);
    this.groups.forEach((group, index) => {
      group.zeros = [...snapshot.zeros[index]];
      group.stepScale = snapshot.stepScales[index];
    });
    this.strategy.resume(snapshot);
  }

  get enabled(): boolean {
    return this.settings.target > 0 && this.groups.length > 0;
  }

  scheduleAt(step: number): number {
    return this.settings.target * Math.min(1, step / Math.max(1, this.settings.scheduleEnd * this.totalSteps));
  }

  /** What `setBack` needs to go back to this point (the weights are the caller's to keep). */
  checkpoint(): ControllerState {
    return { ...this.strategy.state(), progress: this.progress, zeros: this.groups.map((group) => [...group.zeros]) };
  }

  /**
   * Goes back to a checkpoint after an accuracy guard saw the model too far
   * below the original, and halves the schedule's pace from there on.
   */
  setBack(state: ControllerState): void {
    this.progress = state.progress;
    this.groups.forEach((group, index) => (group.zeros = [...state.zeros[index]]));
    this.strategy.setBack(state);
    this.pace /= 2;
    this.setbacks++;
  }

  /**
   * A good reading of the guard: the pace grows by half (up to `maxPace`), so
   * one unlucky reading does not slow the rest of the run for good, and a
   * model with room to spare loses its channels in larger chunks.
   */
  goodReading(): void {
    this.pace = Math.min(this.settings.maxPace, this.pace * 1.5);
    this.strategy.goodReading();
  }

  /** Moves γ after optimizer step `step` (1-based); the status it returns names the λ that step used, where there is one. */
  async afterStep(step: number, learningRate: number): Promise<SparsityStatus> {
    const gammas = await readGammas(this.groups);
    this.progress += this.pace;
    await this.strategy.apply({ step, learningRate, gammas, progress: this.progress, pace: this.pace });
    const status = this.status();
    this.strategy.adapt(step, status);
    return status;
  }

  /** The status as it stands (after a setback, the checkpoint's). */
  status(): SparsityStatus {
    const zeroShareByGroup: Record<string, number> = {};
    const kept: Record<string, number> = {};
    let zeros = 0;
    let total = 0;
    this.groups.forEach((group) => {
      zeroShareByGroup[group.key] = group.zeros.length / group.size;
      kept[group.key] = group.size - group.zeros.length;
      zeros += group.zeros.length;
      total += group.size;
    });
    const freedFlopsShare = this.analysis.flops ? 1 - keptFlops(this.analysis, kept) / this.analysis.flops : 0;
    const zeroShare = total ? zeros / total : 0;
    const { lambda } = this.strategy;
    return {
      zeroShare, freedFlopsShare, targetKind: this.settings.targetKind, targetShare: this.strategy.targetShare(this.scheduleAt(this.progress)),
      ...(lambda === undefined ? {} : { lambda }), zeroShareByGroup,
      ...(this.setbacks ? { setbacks: this.setbacks } : {}),
    };
  }
}
