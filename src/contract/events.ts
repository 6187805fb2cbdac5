/**
 * What sparse training reports, step by step and at its end, and the chart
 * point a step becomes: the worker keeps points with the training record, the
 * page's store draws them (one conversion for both).
 */
import type { TargetKind } from './settings';

export interface SparsityStatus {
  /** Share of prunable channels whose γ is exactly zero in every member BN. */
  zeroShare: number;
  /** Share of the model's FLOPs that removing those channels frees. */
  freedFlopsShare: number;
  /** Which of the two shares the controller follows. */
  targetKind: TargetKind;
  /** The schedule's share at this step (of channels or of FLOPs: targetKind). */
  targetShare: number;
  /** Strength of the proximal step that moved γ at this step; absent with gradual zeroing, which uses none. */
  lambda?: number;
  /** Per group key, share of its channels at zero. */
  zeroShareByGroup: Record<string, number>;
  /** Times an accuracy guard took training back to its last good reading (each halves the schedule's pace). */
  setbacks?: number;
}

export interface GuardReading {
  step: number;
  accuracy: number;
  /** One standard error of the reading's difference with the original; a reading fails below floor − noise. */
  noise?: number;
  floor: number;
  /** Below the floor: training went back to the weights and zeros of this earlier step's reading. */
  restoredFrom?: number;
}

export interface TrainStepEvent {
  kind: 'step';
  step: number;
  totalSteps: number;
  epoch: number;
  /** Total loss, with the sparsity terms. */
  loss: number;
  crossEntropy: number;
  /** Top-1 accuracy on this batch, 0..1. */
  accuracy: number;
  /** The optimizer's rate at this step (SGD's follows a cosine schedule). */
  learningRate?: number;
  /** Images/s, elapsed and remaining time count only the time the run ran, not its pauses. */
  imagesPerSec: number;
  elapsedMs: number;
  remainingMs: number;
  /** Share of channels at exactly zero against the schedule; absent without a target. */
  sparsity?: SparsityStatus;
  /** The accuracy guard's latest reading on its held-out images, with its floor (0..1). */
  guard?: GuardReading;
}

export interface TrainEpochEvent {
  kind: 'epoch';
  epoch: number;
  epochs: number;
}

export type TrainEvent = TrainStepEvent | TrainEpochEvent;

/** The augmentation a run trained with, and for `auto` why (the original's accuracy on flipped calibration images, 0..1). */
export interface AugmentationDecision {
  mode: 'none' | 'flip' | 'flip-shift';
  /** Decided by `auto`. */
  auto: boolean;
  /** The original on the calibration images as they are, and mirrored; one paired standard error of the difference. */
  accuracy?: number;
  flippedAccuracy?: number;
  noise?: number;
}

/** Whether training started from the original with its BN statistics measured again on the fit images (docs/METHOD.md §3.3). */
export interface RecalibratedStart {
  kept: boolean;
  /** The original's calibration accuracy as loaded, and with the recalibrated statistics (0..1). */
  before: number;
  after: number;
}

export interface TrainSummary {
  steps: number;
  images: number;
  /** Time the run ran, pauses left out. */
  elapsedMs: number;
  imagesPerSec: number;
  lastLoss: number;
  lastAccuracy: number;
  sparsity?: SparsityStatus;
  /** The last reading of the accuracy guard. */
  guard?: GuardReading;
  /** The augmentation of the training batches, and why. */
  augmentation?: AugmentationDecision;
  /** From a trained start: whether the start had its BN statistics recalibrated. */
  recalibratedStart?: RecalibratedStart;
}

/** A training run's steps and time before it starts, from a few measured steps (engine/train/pace.ts). */
export interface TrainingEstimate {
  /** Milliseconds per training step measured on this model, data and batch size. */
  msPerStep: number;
  pretrainSteps: number;
  sparseSteps: number;
  /** (pretrainSteps + sparseSteps) × msPerStep. */
  totalMs: number;
}

/** One training step as the charts plot it, kept with the training record so the charts come back after a reload. */
export interface TrainPoint {
  phase: 'pretrain' | 'sparse';
  step: number;
  totalSteps: number;
  loss: number;
  accuracy: number;
  imagesPerSec: number;
  zeroShare?: number;
  freedFlopsShare?: number;
  /** The schedule's share, of channels or of FLOPs (targetKind). */
  targetShare?: number;
  targetKind?: TargetKind;
  /** The accuracy guard's latest reading on its held-out images, and its floor (0..1). */
  guardAccuracy?: number;
  guardFloor?: number;
  /** That reading was below the floor: training went back to the weights of this earlier step. */
  guardRestoredFrom?: number;
}

/** Every k-th point (k so that at most `max` of them remain) and the last: a long curve thinned for a chart or for saving. */
export function thinPoints<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  const every = Math.ceil(points.length / max);
  return points.filter((_, i) => i % every === 0 || i === points.length - 1);
}

/** A step event as a chart point; the optional figures are present only where the event has them. */
export function trainPointOf(event: TrainStepEvent, phase: TrainPoint['phase']): TrainPoint {
  const { sparsity, guard } = event;
  return {
    phase, step: event.step, totalSteps: event.totalSteps, loss: event.loss, accuracy: event.accuracy, imagesPerSec: event.imagesPerSec,
    ...(sparsity ? { zeroShare: sparsity.zeroShare, freedFlopsShare: sparsity.freedFlopsShare, targetShare: sparsity.targetShare, targetKind: sparsity.targetKind } : {}),
    ...(guard ? { guardAccuracy: guard.accuracy, guardFloor: guard.floor, ...(guard.restoredFrom === undefined ? {} : { guardRestoredFrom: guard.restoredFrom }) } : {}),
  };
}

/** The decision in words, for the CLI's log and the studio. */
export function augmentationText(decision: AugmentationDecision): string {
  const name = decision.mode === 'none' ? 'none' : decision.mode === 'flip' ? 'flips' : 'flips and shifts of up to 4 pixels';
  if (!decision.auto) return `augmentation: ${name} (as set)`;
  if (decision.flippedAccuracy === undefined || decision.accuracy === undefined) return `augmentation: ${name} (no trained original to check flips with)`;
  const figures = `${(decision.flippedAccuracy * 100).toFixed(1)}% on flipped calibration images against ${(decision.accuracy * 100).toFixed(1)}%`;
  return decision.mode === 'flip'
    ? `augmentation: flips (the original keeps ${figures})`
    : `augmentation: none (the original falls to ${figures}: flips change what these images show)`;
}
