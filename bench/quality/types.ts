/** The quality benchmark's result JSON (one object per task, rows per criterion). */
import type { CriterionName } from '../../src/engine/score/criterion';
import type { RankingMode } from '../../src/engine/score/importance';
import type { Candidate } from '../../src/engine/search/candidate';
import type { SearchSettings } from '../../src/engine/search/gridSearch';
import type { TrainSettings } from '../../src/engine/train/sparseTraining';
import type { QualityTask } from './tasks';

/** A candidate's figures as the benchmark keeps them (no plan, no backend). */
export type CandidateRow = Pick<Candidate, 'ratio' | 'stage' | 'accuracy' | 'loss' | 'params' | 'flops' | 'weightBytes' | 'latencyMs' | 'keptChannels' | 'prunableChannels'>;

export interface SearchRun {
  label: string;
  compensate: boolean;
  recalibrate: boolean;
  ranking: RankingMode;
  elapsedMs: number;
  candidates: CandidateRow[];
}

export interface TrainingRun {
  epochs: number;
  steps: number;
  elapsedMs: number;
  /** Wall time of one epoch (elapsed / epochs, or extrapolated when capped by maxSteps). */
  epochMs: number;
  imagesPerSec: number;
  lastLoss: number;
  lastAccuracy: number;
  /** Share of prunable channels at exactly zero at the end, overall and per group; null without a target. */
  zeroShare: number | null;
  zeroShareByGroup: Record<string, number> | null;
  /** Share of the FLOPs the zero channels free; null without a target (absent in older results). */
  freedFlopsShare?: number | null;
  /** Sampled progress of the sparsity controller; targetShare is of the measure the controller follows. */
  trace: { step: number; zeroShare: number; freedFlopsShare?: number; targetShare: number; lambda: number; loss: number }[];
}

export interface GateStats {
  layer: string;
  min: number;
  mean: number;
  max: number;
}

export interface RatioFigure {
  /** The grid ratio measured (the largest ≤ the asked one when plans coincide). */
  ratio: number;
  accuracy: number;
  /** Share of prunable channels actually removed. */
  removedShare: number;
}

export interface SelectedFigure {
  ratio: number;
  accuracy: number;
  params: number;
  flops: number;
  /** Shares of the unpruned model's parameters and FLOPs removed. */
  paramsRemoved: number;
  flopsRemoved: number;
}

export interface CriterionResult {
  criterion: CriterionName;
  /** Extra runs only (the criterion with other training settings, which `train` gives). */
  label?: string;
  train?: Partial<TrainSettings>;
  training: TrainingRun | null;
  gates: GateStats[] | null;
  /** Unpruned, folded and recalibrated the same way as the candidates. */
  baselineAccuracy: number;
  atRatios: Record<string, RatioFigure | null>;
  /** Largest ratio within the tolerance of the baseline. */
  selected: SelectedFigure | null;
  search: SearchRun;
  variants: SearchRun[];
}

export interface PretrainResult {
  spec: { params: number; flops: number; prunableChannels: number };
  training: TrainingRun;
}

export interface TaskResult {
  task: QualityTask;
  data: { source: string; train: number; validation: number; substitute?: string };
  settings: { train: TrainSettings; search: Omit<SearchSettings, 'criterion' | 'compensate' | 'recalibrate' | 'ranking'>; tolerance: number };
  pretrain: PretrainResult;
  criteria: CriterionResult[];
}

export interface QualityRow {
  task: string;
  criterion: CriterionName;
  /** Extra runs only. */
  label?: string;
  ratio: number;
  stage: CandidateRow['stage'];
  accuracy: number;
  params: number;
  flops: number;
}

/** How tables and charts name a run: its criterion, or an extra run's label. */
export const runLabel = (result: Pick<CriterionResult, 'criterion' | 'label'>): string => result.label ?? result.criterion;

/** The run of `criterion` at the default settings. */
export function mainRun(results: CriterionResult[], criterion: CriterionName): CriterionResult | undefined {
  return results.find((result) => result.criterion === criterion && result.label === undefined);
}

export interface QualityResults {
  mode: 'quick' | 'full';
  elapsedMs: number;
  tasks: TaskResult[];
  rows: QualityRow[];
}
