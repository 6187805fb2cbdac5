/**
 * The settings of sparse training and of the grid search, with their
 * defaults (docs/METHOD.md §10): the engine runs with them, the CLI's flags
 * and the studio's forms start from them.
 */
import type { CriterionName, GroupAggregation, RankingMode } from './criteria';
import { DEFAULT_TOLERANCE } from './select';

/** How the gates are regularized: their sum (L1, the gates are positive) or its polarized form. */
export type GatePenalty = 'sum' | 'polarization';
export const GATE_PENALTIES: readonly GatePenalty[] = ['sum', 'polarization'];

/** What the target share is a share of: prunable channels, or the model's FLOPs. */
export type TargetKind = 'channels' | 'flops';
export const TARGET_KINDS: readonly TargetKind[] = ['channels', 'flops'];

/** `auto`: free as much as accuracy allows (needs a guard); `fixed`: follow the schedule to `target`. */
export type TargetMode = 'auto' | 'fixed';
export const TARGET_MODES: readonly TargetMode[] = ['auto', 'fixed'];

/** The optimizer of a training run (docs/METHOD.md §3.3): Adam, or SGD with momentum 0.9, a cosine rate and weight decay on kernels. */
export type OptimizerName = 'adam' | 'sgd';
export const OPTIMIZERS: readonly OptimizerName[] = ['adam', 'sgd'];

/**
 * Label-preserving augmentation of the training batches (never of the
 * calibration or validation images): none, random horizontal flips, flips
 * and shifts of up to 4 pixels (edge padding), or `auto`: flips where the
 * original keeps its accuracy on flipped calibration images (natural images;
 * not digits or text), else none. Without a trained original to ask, `auto`
 * is none. The default is none (docs/DECISIONS.md, "A recipe that keeps a
 * converged network").
 */
export type Augmentation = 'none' | 'flip' | 'flip-shift' | 'auto';
export const AUGMENTATIONS: readonly Augmentation[] = ['none', 'flip', 'flip-shift', 'auto'];

/** SGD's momentum, its starting rate and its weight decay (on convolution and dense kernels only). */
export const SGD_MOMENTUM = 0.9;
export const SGD_LEARNING_RATE = 0.01;
export const DEFAULT_WEIGHT_DECAY = 1e-4;

/** Reduction r of the GFR hidden width h = max(4, ceil(C / r)). */
export const DEFAULT_REDUCTION = 4;
export const DEFAULT_GATE_TEMPERATURE = 1;
/** μ of the moving average sr ← μ·sr + (1 − μ)·mean_N(s). */
export const DEFAULT_SR_MOMENTUM = 0.9;
/** Factor applied to BN γ and β before sparse training with a fixed target (docs/METHOD.md §3.2). */
export const DEFAULT_GAMMA_SCALE = 0.1;
/** Default share of the loss given to the teacher, and its temperature. */
export const DEFAULT_DISTILLATION = { weight: 0.7, temperature: 4 };

export interface TrainSettings {
  epochs: number;
  batchSize: number;
  /** Adam's rate, or SGD's starting rate (a cosine schedule takes it to ~0 over the run's steps). */
  learningRate: number;
  /** Default 'adam' (the engine's default); from a trained start the CLI and the studio default to TRAINED_START_SETTINGS. */
  optimizer?: OptimizerName;
  /** SGD's weight decay on kernels (default DEFAULT_WEIGHT_DECAY); Adam ignores it. */
  weightDecay?: number;
  /** Augmentation of the training batches (default 'none'). */
  augmentation?: Augmentation;
  /** λγ: weight of Σ|γ|. */
  lambdaGamma: number;
  /** λs: weight of the gates' penalty R(s). */
  lambdaS: number;
  /** R(s): Σ mean_N(s), or the polarization of the gates within each layer. */
  gatePenalty: GatePenalty;
  /** τ of the gates' sigmoid, applied when GFR is inserted (1 = the plain sigmoid). */
  gateTemperature: number;
  /** μ of sr's moving average. */
  srMomentum: number;
  /** Seed of the batch order. */
  seed: number;
  /** Share to free: of prunable channels driven to exactly zero, or of FLOPs (targetKind); 0 = plain L1 on γ in the loss. */
  target: number;
  targetKind: TargetKind;
  /**
   * `auto` (with an accuracy guard, i.e. from a trained start): the schedule
   * rises toward AUTO_SPARSITY.target and stops while accuracy is too low;
   * `target` is then unused. `fixed`: the schedule reaches `target`.
   */
  targetMode: TargetMode;
  /** Share of the task loss given to distillation from the original (used when a teacher is given), 0..1. */
  distillation: number;
  /** T of distillation. */
  distillTemperature: number;
  /** Factor applied to BN γ, β before training (1 = none). */
  gammaScale: number;
  /** Stop after this many steps (a budget for demos and tests). */
  maxSteps?: number;
  /** Points of accuracy the selection may lose against the original; the guard holds sparsity at half of it (default 1). */
  tolerance?: number;
  /** Readings of the accuracy guard per epoch (automatic target; default 5): the steps a chunk of zeros has to recover. */
  guardReadings?: number;
}

/**
 * Adam's rate for sparse training from a trained start (the CLI's and the
 * studio's default there): 1e-3 moved a converged model off its optimum
 * before a channel was removed; with gradual zeroing and the teacher, 1e-4
 * recovered too slowly from each chunk of zeros (trained ResNet: −1.15
 * points unpruned at the end, against +1.25 at 3e-4; docs/DECISIONS.md).
 */
export const TRAINED_START_LEARNING_RATE = 3e-4;

/**
 * The recipe of sparse training from a trained start, where the CLI and the
 * studio change the engine's defaults (docs/METHOD.md §3.3). SGD at 0.01,
 * distillation 0.9 and flips were measured against it on ResNet-56/CIFAR-10
 * and did not win on the protocol this machine affords (docs/DECISIONS.md,
 * "A recipe that keeps a converged network"): they are options, not defaults.
 */
export const TRAINED_START_SETTINGS: Pick<TrainSettings, 'optimizer' | 'learningRate' | 'distillation' | 'augmentation'> = {
  optimizer: 'adam',
  learningRate: TRAINED_START_LEARNING_RATE,
  distillation: DEFAULT_DISTILLATION.weight,
  augmentation: 'none',
};

/** An optimizer's default rate: SGD's, or Adam's (smaller from a trained start). */
export const defaultLearningRate = (optimizer: OptimizerName, trainedStart: boolean): number =>
  optimizer === 'sgd' ? SGD_LEARNING_RATE : trainedStart ? TRAINED_START_LEARNING_RATE : DEFAULT_TRAIN_SETTINGS.learningRate;

export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  // One sparse epoch: the CLI's and the studio's default, a run that finishes quickly; more keep more accuracy.
  epochs: 1,
  batchSize: 64,
  learningRate: 1e-3,
  optimizer: 'adam',
  weightDecay: DEFAULT_WEIGHT_DECAY,
  augmentation: 'none',
  lambdaGamma: 1e-4,
  lambdaS: 1e-4,
  gatePenalty: 'sum',
  gateTemperature: DEFAULT_GATE_TEMPERATURE,
  srMomentum: DEFAULT_SR_MOMENTUM,
  seed: 1,
  target: 0.5,
  targetKind: 'channels',
  targetMode: 'auto',
  distillation: DEFAULT_DISTILLATION.weight,
  distillTemperature: DEFAULT_DISTILLATION.temperature,
  gammaScale: DEFAULT_GAMMA_SCALE,
};

export interface SearchSettings {
  criterion: CriterionName;
  aggregation: GroupAggregation;
  ranking: RankingMode;
  /** Grid of global pruning ratios (default 0, 0.05 … 0.9; docs/METHOD.md §5.1). */
  ratios: number[];
  /** Ratios tried between the last passing and the first failing grid ratio. */
  refineSteps: number;
  minKeepFraction: number;
  /**
   * Each group keeps a multiple of this many channels, or all of them (1: any count; Torch-Pruning's `round_to`),
   * applied inside the ranking's cut (`contract/plan.ts: removedForRatio`; docs/METHOD.md §4). Absent: ROUND_TO.
   */
  roundTo?: number;
  compensate: boolean;
  recalibrate: boolean;
  recalibrationBatches: number;
  batchSize: number;
  /** Timed pairs (candidate, unpruned model) at least, before the speed-up's interval may end the timing. */
  latencyRuns: number;
  /** Time for timing one candidate against the unpruned model, ms (default LATENCY.budgetMs). */
  latencyBudgetMs?: number;
  /** Percentage points of accuracy a candidate may lose and still pass. */
  tolerance: number;
  seed: number;
  /**
   * Measure every grid ratio even after accuracy has collapsed (CLI `--full-grid`). By default (absent or false) the
   * grid stops past COLLAPSE.run collapsed candidates in a row (docs/METHOD.md §5.1, `contract/gridStop.ts`).
   */
  fullGrid?: boolean;
}

/**
 * When the grid stops early (docs/METHOD.md §5.1): after `run` grid candidates in a row whose calibration accuracy
 * is below the reference's by more than max(toleranceFactor × tolerance, points) percentage points, even at the
 * near end of the 95% interval of the difference (CONFIDENCE_Z standard errors).
 *
 * Why these values. Such a candidate fails the tolerance rule by far (the rule allows the tolerance and one standard
 * error; this is five tolerances past the whole interval), so under the default rule, which takes nothing beyond the
 * first failing ratio, nothing after it can be selected, and the grid beyond it only costs time: on a trained CIFAR
 * ResNet-20, 15 of 19 grid candidates (most of 74.5 s) came after accuracy had fallen from 74.5% at ratio 0.2 to 55%
 * at 0.25, then wandered between 10% and 40% up to 0.9. The 5-point floor keeps a tolerance of 0 or 0.5 from
 * stopping at a model that only misses the rule (a few points is what a finer grid or the refining pass can still
 * explain); two in a row, not one, because one reading can be an unlucky recalibration (the BN statistics of one
 * candidate), while two neighbouring ratios both far down is the trend the grid was drawing. The rule only stops
 * measuring: the refining pass still runs, and the rest can be measured on request (studio: Measure the rest;
 * CLI: --full-grid).
 */
export const COLLAPSE = {
  /** Grid candidates in a row. */
  run: 2,
  /** Multiple of the tolerance. */
  toleranceFactor: 5,
  /** Percentage points, at least. */
  points: 5,
} as const;

/** Points below the reference (past the 95% interval) at which a candidate counts as collapsed. */
export const collapsePoints = (tolerance: number): number => Math.max(COLLAPSE.toleranceFactor * tolerance, COLLAPSE.points);

/**
 * How a candidate's latency is measured (docs/METHOD.md §5.5, `eval/latency.ts: measureSpeedup`): forward passes of
 * one image, the candidate and the unpruned model in turn (A/B, B/A, A/B…), until the 95% interval of the speed-up
 * (the median of the pairs' ratios, its interval from order statistics) is within ±halfWidth of it, or
 * the time budget ends. Paired and interleaved, a load that comes and goes slows both models of a pair alike: a median
 * of 10 runs timed alone read "−46.7%" for a candidate with 14% fewer FLOPs.
 */
export const LATENCY = {
  /** Relative half-width of the speed-up's 95% interval that ends the timing. */
  halfWidth: 0.1,
  /** ms of timing per candidate at most. */
  budgetMs: 2000,
  /** Pairs at most. */
  maxPairs: 400,
} as const;

/** Channels every group keeps at least: max(1, ceil(fraction·C)) (docs/METHOD.md §4). */
export const DEFAULT_MIN_KEEP_FRACTION = 0.05;

/** Multiples the studio offers for rounding kept channels (1: off), and the default (docs/DECISIONS.md). */
export const ROUND_TO_CHOICES = [1, 4, 8, 16] as const;
export const ROUND_TO = 1;

export const DEFAULT_GRID_STEP = 0.05;
export const DEFAULT_GRID_MAX = 0.9;

/** The ratios 0, step, 2·step … up to max (rounded to 1e-3). */
export function defaultGrid(step = DEFAULT_GRID_STEP, max = DEFAULT_GRID_MAX): number[] {
  const n = Math.max(0, Math.round(max / step));
  return Array.from({ length: n + 1 }, (_, i) => Math.round(i * step * 1000) / 1000).filter((ratio) => ratio <= max + 1e-9);
}

export const DEFAULT_SEARCH_SETTINGS: SearchSettings = {
  criterion: 'gfr',
  aggregation: 'mean',
  // The benchmark decided (docs/DECISIONS.md): never worse than raw global scores, far better past the zeros.
  ranking: 'normalized',
  ratios: defaultGrid(),
  refineSteps: 3,
  minKeepFraction: DEFAULT_MIN_KEEP_FRACTION,
  roundTo: ROUND_TO,
  compensate: true,
  recalibrate: true,
  recalibrationBatches: 20,
  batchSize: 64,
  latencyRuns: 10,
  tolerance: DEFAULT_TOLERANCE,
  seed: 1,
};
