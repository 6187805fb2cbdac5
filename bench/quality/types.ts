/** The quality benchmark's result JSON (one object per task, rows per criterion). */
import type { Verdict } from '../../src/contract/select';
import type { CriterionName, RankingMode } from '../../src/contract/criteria';
import type { Candidate } from '../../src/contract/candidate';
import type { SearchSettings, TrainSettings } from '../../src/contract/settings';
import type { Protocol, QualityTask } from './tasks';
import type { Speedup } from '../../src/engine/eval/latency';

/** A candidate's figures as the benchmark keeps them (no plan, no backend). */
export type CandidateRow = Pick<Candidate, 'ratio' | 'stage' | 'accuracy' | 'calibrationAccuracy' | 'calibrationNoise' | 'loss' | 'params' | 'flops' | 'weightBytes' | 'latencyMs' | 'keptChannels' | 'prunableChannels'>;

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
  /** Adam's rate (absent in older results). */
  learningRate?: number;
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
  /** Sampled progress of the sparsity controller; targetShare is of the kind of target (targetKind) the controller follows. */
  trace: { step: number; zeroShare: number; freedFlopsShare?: number; targetShare: number; lambda?: number; loss: number }[];
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
  /** The start as it is, before any training: the reference of the selection and the verdict (absent in older results). */
  original?: { accuracy: number; calibrationAccuracy: number };
  /** The tolerance rule's choice (on the calibration images, against the original). */
  selected: SelectedFigure | null;
  /** How the choice stands against the original on the validation images (absent in older results). */
  /** The selected candidate against the start as loaded, on held-out images the run never saw (absent in older results). */
  unseen?: UnseenCheck | null;
  verdict?: Pick<Verdict, 'withinTolerance' | 'drop' | 'message'> & Partial<Pick<Verdict, 'status' | 'margin'>>;
  search: SearchRun;
  variants: SearchRun[];
  /** The default run searched again with kept channels rounded (issue 21; trained protocol, widths.ts); absent in older results. */
  widths?: WidthRun[];
}

/** One multiple's search from the sparse-trained model: its selection and the selected model's speed-up. */
export interface WidthRun {
  /** Kept channels rounded to a multiple of this (1: not rounded). */
  roundTo: number;
  selected: SelectedFigure | null;
  verdict: CriterionResult['verdict'];
  unseen: UnseenCheck | null;
  /** Channels the selected model keeps in each prunable group, in model order. */
  keptChannels: number[];
  /** Candidates the search measured, and its time. */
  candidates: number;
  elapsedMs: number;
  /** The selected model's paired speed-up against the unpruned start, per batch size (wasm, one thread). */
  latency?: WidthLatency[];
  /** Where the job left the selected model until it is timed (removed then). */
  specDir?: string;
}

/** The start's time over the selected model's (measureSpeedup's figures, the backend left out: wasm, one thread). */
export type WidthLatency = Omit<Speedup, 'backend'>;

/** A selected model measured again on images that neither training nor any choice used. */
export interface UnseenCheck {
  images: number;
  /** Accuracy of the start as loaded, and of the selected candidate, 0..1. */
  original: number;
  selected: number;
  /** Points lost (negative: gained), and half the 95% interval of the paired difference. */
  drop: number;
  margin: number;
}

export interface PretrainResult {
  spec: { params: number; flops: number; prunableChannels: number };
  /** The start's normal training; null for a model file, loaded as it is. */
  training: TrainingRun | null;
  /** Training images the start trained on, and those held out for calibration (absent in older results). */
  images?: { fit: number; calibration: number };
  /** The start's accuracy on the validation images (absent in older results). */
  accuracy?: number;
}

export interface TaskResult {
  task: QualityTask;
  /** Set in latest.json on a task kept from an earlier run than the one it sits in: that run's date. */
  date?: string;
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

/** One candidate of the `trained` protocol against the start it was pruned from (issue 10). */
export interface TrainedStartRow {
  task: string;
  criterion: CriterionName;
  /** Share of the unpruned model's FLOPs the candidate keeps. */
  flopsKept: number;
  /** On the validation images, as originalAccuracy. */
  accuracy: number;
  originalAccuracy: number;
}

export interface QualityResults {
  mode: 'quick' | 'full';
  /** Absent in older results: `short`. */
  protocol?: Protocol;
  elapsedMs: number;
  tasks: TaskResult[];
  rows: QualityRow[];
  /** The `trained` protocol's rows, one per candidate. */
  trainedStartRows?: TrainedStartRow[];
  /** Tasks named (or run by default) that did not run, and why (absent in older results). */
  skipped?: SkippedTask[];
}

export interface SkippedTask {
  task: string;
  reason: string;
}
