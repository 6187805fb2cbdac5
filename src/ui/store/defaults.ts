/**
 * The studio's starting settings. They mirror the engine's defaults
 * (src/engine/train/sparseTraining.ts DEFAULT_TRAIN_SETTINGS,
 * src/engine/search/gridSearch.ts DEFAULT_SEARCH_SETTINGS, docs/METHOD.md §10) but are
 * written out here: those modules import tfjs, and the page bundle must not.
 */
import type { OutputKind } from '../../engine/eval/outputKind';
import type { CriterionName } from '../../engine/score/criterion';
import type { RankingMode } from '../../engine/score/importance';
import { DEFAULT_TOLERANCE, type BudgetMetric } from '../../engine/search/select';
import type { TrainSettings } from '../../engine/train/sparseTraining';

export const BUILTIN_MODELS = [
  { name: 'lenet', title: 'LeNet (BN)', text: 'Two 5×5 convolutions and a small dense layer: the classic first CNN. Fast; a good first run.' },
  { name: 'vgg', title: 'Small VGG (BN)', text: 'Stacked 3×3 convolutions that double in width: simple, deep and easy to prune.' },
  { name: 'resnet', title: 'Small ResNet', text: 'Blocks add their input back, so channels joined by a shortcut are pruned together.' },
  { name: 'mobilenet', title: 'Small MobileNet', text: 'Depthwise-separable convolutions: a depthwise layer ties its input and output channels.' },
] as const;

export type BuiltinModelName = (typeof BUILTIN_MODELS)[number]['name'];

export const CRITERIA: { name: CriterionName; title: string; text: string }[] = [
  { name: 'gfr', title: 'GFR (|γ| · sr)', text: 'Trains a gate after every BN and scores each channel by |γ| times its relationship factor sr.' },
  { name: 'gamma', title: 'γ only (Network Slimming)', text: 'Sparse training without gates; scores each channel by |γ| of its BN.' },
  { name: 'l1', title: 'L1 norm of filters', text: 'Normal training; scores each channel by the L1 norm of its filter weights (Li et al., 2017).' },
  { name: 'random', title: 'Random', text: 'Normal training; a random score per channel. The baseline any criterion must beat.' },
];

export const RANKINGS: { name: RankingMode; title: string }[] = [
  { name: 'global', title: 'Global (raw scores)' },
  { name: 'normalized', title: 'Within each layer (normalized)' },
  { name: 'per-flop', title: 'Per FLOP freed (cost-aware)' },
];

/** The engine's TrainSettings the studio lets the user set, and the studio's own fields. */
export type TrainFormSettings = Pick<
  TrainSettings,
  'epochs' | 'batchSize' | 'learningRate' | 'lambdaGamma' | 'lambdaS' | 'gatePenalty' | 'gateTemperature' | 'target' | 'targetKind' | 'targetMode' | 'distillation'
>;

export interface TrainForm extends TrainFormSettings {
  criterion: CriterionName;
  pretrainEpochs: number;
  /** 0: no limit. A budget for demos, slow backends and tests. */
  maxSteps: number;
}

/** Adam's rate for a trained start, as the engine's TRAINED_START_LEARNING_RATE (this module holds no tfjs). */
export const TRAINED_START_LEARNING_RATE = 3e-4;

/** Pretraining epochs for a built-in model, which starts untrained; the user's own model starts with none. */
export const BUILTIN_PRETRAIN_EPOCHS = 1;

export const DEFAULT_TRAIN_FORM: TrainForm = {
  criterion: 'gfr',
  pretrainEpochs: BUILTIN_PRETRAIN_EPOCHS,
  epochs: 1,
  batchSize: 64,
  learningRate: 1e-3,
  lambdaGamma: 1e-4,
  lambdaS: 1e-4,
  gatePenalty: 'sum',
  gateTemperature: 1,
  target: 0.5,
  targetKind: 'channels',
  targetMode: 'auto',
  distillation: 0.7,
  maxSteps: 0,
};

/** Fixed parts of the engine's TrainSettings that the studio does not expose. */
export const TRAIN_FIXED = { srMomentum: 0.9, seed: 1, gammaScale: 0.1, distillTemperature: 4 } as const;

/** What a model outputs, in words (the engine's OUTPUT_KIND_TEXT, whose module imports tfjs). */
export const OUTPUT_KIND_TEXT: Record<OutputKind, string> = {
  softmax: 'probabilities (softmax)',
  sigmoid: 'per-class probabilities (sigmoid)',
  logits: 'logits (no final softmax)',
};

/** GFR reduction r (hidden width max(4, ceil(C / r))): shown, not settable yet. */
export const GFR_REDUCTION = 4;

export interface SearchForm {
  /** Step of the ratio grid (default 0.05, docs/METHOD.md §5.1). */
  gridStep: number;
  /** Largest ratio of the grid (default 0.9, docs/METHOD.md §5.1). */
  gridMax: number;
  refineSteps: number;
  recalibrationBatches: number;
  latencyRuns: number;
  compensate: boolean;
  minKeepFraction: number;
}

export const DEFAULT_SEARCH_FORM: SearchForm = {
  gridStep: 0.05,
  gridMax: 0.9,
  refineSteps: 3,
  recalibrationBatches: 20,
  latencyRuns: 10,
  compensate: true,
  minKeepFraction: 0.05,
};

export const SEARCH_FIXED = { aggregation: 'mean', recalibrate: true, batchSize: 64, seed: 1 } as const;

export function gridOf(step: number, max: number): number[] {
  const n = Math.max(0, Math.round(max / step));
  return Array.from({ length: n + 1 }, (_, i) => Math.round(i * step * 1000) / 1000).filter((r) => r <= max + 1e-9);
}

export type RuleForm =
  | { kind: 'tolerance'; tolerance: number; by: 'ratio' | 'flops' }
  | { kind: 'budget'; metric: BudgetMetric; max: number };

export const DEFAULT_RULE: RuleForm = { kind: 'tolerance', tolerance: DEFAULT_TOLERANCE, by: 'ratio' };

/** The tolerance results are judged by: the rule's, or the default under a budget rule (as the worker's select does). */
export const toleranceOf = (rule: RuleForm): number => (rule.kind === 'tolerance' ? rule.tolerance : DEFAULT_TOLERANCE);

export const BUDGET_METRICS: { metric: BudgetMetric; title: string; unit: string; scale: number }[] = [
  { metric: 'params', title: 'Parameters', unit: 'thousand', scale: 1e3 },
  { metric: 'flops', title: 'FLOPs (multiply–adds per image)', unit: 'million', scale: 1e6 },
  { metric: 'weightBytes', title: 'Weight bytes', unit: 'KiB', scale: 1024 },
  { metric: 'latencyMs', title: 'Latency', unit: 'ms', scale: 1 },
];
