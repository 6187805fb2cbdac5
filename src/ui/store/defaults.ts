/**
 * The studio's starting settings: the contract's defaults (src/contract/settings.ts,
 * docs/METHOD.md §10), and the few that are the studio's own (a one-epoch
 * demo, no step budget, the grid as a step and a maximum).
 */
import type { CriterionName } from '../../contract/criteria';
import { DEFAULT_TOLERANCE, type BudgetMetric } from '../../contract/select';
import { DEFAULT_GRID_MAX, DEFAULT_GRID_STEP, DEFAULT_SEARCH_SETTINGS, DEFAULT_TRAIN_SETTINGS, type SearchSettings, type TrainSettings } from '../../contract/settings';

export const BUILTIN_MODELS = [
  { name: 'lenet', title: 'LeNet (BN)', text: 'Two 5×5 convolutions and a small dense layer: the classic first CNN. Fast; a good first run.' },
  { name: 'vgg', title: 'Small VGG (BN)', text: 'Stacked 3×3 convolutions that double in width: simple, deep and easy to prune.' },
  { name: 'resnet', title: 'Small ResNet', text: 'Blocks add their input back, so channels joined by a shortcut are pruned together.' },
  { name: 'mobilenet', title: 'Small MobileNet', text: 'Depthwise-separable convolutions: a depthwise layer ties its input and output channels.' },
] as const;

export type BuiltinModelName = (typeof BUILTIN_MODELS)[number]['name'];

/** The engine's TrainSettings the studio lets the user set, and the studio's own fields. */
export type TrainFormSettings = Pick<
  TrainSettings,
  'epochs' | 'batchSize' | 'learningRate' | 'lambdaGamma' | 'lambdaS' | 'gatePenalty' | 'gateTemperature' | 'target' | 'targetKind' | 'targetMode' | 'distillation'
> & Required<Pick<TrainSettings, 'optimizer' | 'augmentation'>>;

export interface TrainForm extends TrainFormSettings {
  criterion: CriterionName;
  pretrainEpochs: number;
  /** 0: no limit. A budget for demos, slow backends and tests. */
  maxSteps: number;
}

/** Pretraining epochs for a built-in model, which starts untrained; the user's own model starts with none. */
export const BUILTIN_PRETRAIN_EPOCHS = 1;

const { epochs, batchSize, learningRate, lambdaGamma, lambdaS, gatePenalty, gateTemperature, target, targetKind, targetMode, distillation } = DEFAULT_TRAIN_SETTINGS;
const optimizer = DEFAULT_TRAIN_SETTINGS.optimizer ?? 'adam';
const augmentation = DEFAULT_TRAIN_SETTINGS.augmentation ?? 'auto';

export const DEFAULT_TRAIN_FORM: TrainForm = {
  criterion: DEFAULT_SEARCH_SETTINGS.criterion,
  pretrainEpochs: BUILTIN_PRETRAIN_EPOCHS,
  epochs,
  batchSize, learningRate, optimizer, augmentation, lambdaGamma, lambdaS, gatePenalty, gateTemperature, target, targetKind, targetMode, distillation,
  maxSteps: 0,
};

/** Fixed parts of the engine's TrainSettings that the studio does not expose. */
export const TRAIN_FIXED: Pick<TrainSettings, 'srMomentum' | 'seed' | 'gammaScale' | 'distillTemperature'> = {
  srMomentum: DEFAULT_TRAIN_SETTINGS.srMomentum,
  seed: DEFAULT_TRAIN_SETTINGS.seed,
  gammaScale: DEFAULT_TRAIN_SETTINGS.gammaScale,
  distillTemperature: DEFAULT_TRAIN_SETTINGS.distillTemperature,
};

export interface SearchForm {
  /** Step of the ratio grid (docs/METHOD.md §5.1). */
  gridStep: number;
  /** Largest ratio of the grid. */
  gridMax: number;
  refineSteps: number;
  recalibrationBatches: number;
  latencyRuns: number;
  compensate: boolean;
  minKeepFraction: number;
  /** Each layer keeps a multiple of this many channels, or all of them (1: any count; docs/METHOD.md §4). */
  roundTo: number;
  /** Measure every grid ratio, even past two collapsed ones in a row (docs/METHOD.md §5.1); off by default. */
  fullGrid: boolean;
}

const { refineSteps, recalibrationBatches, latencyRuns, compensate, minKeepFraction } = DEFAULT_SEARCH_SETTINGS;
const roundTo = DEFAULT_SEARCH_SETTINGS.roundTo ?? 1;

export const DEFAULT_SEARCH_FORM: SearchForm = {
  gridStep: DEFAULT_GRID_STEP,
  gridMax: DEFAULT_GRID_MAX,
  refineSteps, recalibrationBatches, latencyRuns, compensate, minKeepFraction, roundTo,
  fullGrid: false,
};

/** The grid steps the page offers. */
export const GRID_STEP_CHOICES = [0.05, 0.1, 0.15, 0.2, 0.3];

export const SEARCH_FIXED: Pick<SearchSettings, 'aggregation' | 'recalibrate' | 'batchSize' | 'seed'> = {
  aggregation: DEFAULT_SEARCH_SETTINGS.aggregation,
  recalibrate: DEFAULT_SEARCH_SETTINGS.recalibrate,
  batchSize: DEFAULT_SEARCH_SETTINGS.batchSize,
  seed: DEFAULT_SEARCH_SETTINGS.seed,
};

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
