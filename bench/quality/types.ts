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
  /** Sampled progress of the sparsity controller. */
  trace: { step: number; zeroShare: number; targetShare: number; lambda: number; loss: number }[];
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
  ratio: number;
  stage: CandidateRow['stage'];
  accuracy: number;
  params: number;
  flops: number;
}

export interface QualityResults {
  mode: 'quick' | 'full';
  elapsedMs: number;
  tasks: TaskResult[];
  rows: QualityRow[];
}
