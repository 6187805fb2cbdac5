/**
 * What the studio's calls take and answer: parameters, results and progress
 * details. Plain JSON and typed arrays only (see ./messages.ts). The worker
 * holds one CompressionSession (src/engine/session.ts); the calls
 * (./studio/calls.ts) drive its steps: load model and data → train → score →
 * search (step by step) → export.
 */
import type { ChannelGroup, ModelAnalysis, Segment } from '../contract/analysis';
import type { Candidate, WeightQuantization } from '../contract/candidate';
import type { CriterionName, RankingMode } from '../contract/criteria';
import type { TrainPoint, TrainStepEvent, TrainSummary } from '../contract/events';
import type { OutputKind } from '../contract/outputKind';
import type { InputScaling } from '../contract/preprocessing';
import type { GridStop } from '../contract/gridStop';
import type { Verdict } from '../contract/select';
import type { SearchSettings, TrainSettings } from '../contract/settings';
import type { Reference } from '../engine/session';

/** The original model's figures (accuracy on the validation and calibration images, what it outputs): every result is compared with them. */
export type { Reference };

/** The parameters of a call that takes none: the page sends `{}`. */
export type NoParams = Record<string, never>;

/** A file as the page read it (drop or file dialog). `path` keeps folder structure when known. */
export interface DroppedFile {
  name: string;
  path: string;
  bytes: ArrayBuffer;
}

/** `url`: a hosted model.json (fetched by the worker with tfjs's tf.io.http) or .onnx file (see src/worker/modelUrl.ts). */
export type ModelSource = { kind: 'builtin'; name: string } | { kind: 'files'; files: DroppedFile[] } | { kind: 'url'; url: string };
export type DataSource = { kind: 'builtin' } | { kind: 'files'; files: DroppedFile[] };
/** The user's own validation images (IDX files, a folder or zip of class folders), or `none`: back to holding out part of the data. */
export type ValidationSource = { kind: 'files'; files: DroppedFile[] } | { kind: 'none' };

/** Which images judge the result (every accuracy shown, the verdict). */
export interface ValidationSummary {
  /** true: the user's own validation images, and all of the data trains; false: held out from the data (a seeded split). */
  separate: boolean;
  /** The validation images' source (their files), or the data's when held out from it. */
  source: string;
  count: number;
  /** The user's own images per class (absent when held out). */
  classCounts?: number[];
  /** What was skipped or noted while reading them. */
  notes?: string[];
}

export interface ModelSummary {
  name: string;
  /** Where it came from: `built-in lenet`, `model.json (3 files)`... */
  source: string;
  inputShape: number[];
  numClasses: number;
  analysis: ModelAnalysis;
  /** The layers as boxes placed by a layered layout, with the data flow between them (./modelGraph.ts). */
  graph: ModelGraph;
  /** What the model outputs as its last layers state it; absent when they leave it open (then measured on images once training or the search starts). */
  outputKind?: OutputKind;
  /**
   * Set when the model changed the data: images of a dropped folder decoded
   * again at the model's input size. The page should show it instead of the old one.
   */
  data?: DataSummary;
  /** What the model's files remember of its input preprocessing (a model exported by GFR Studio), if anything. */
  remembered?: InputScaling;
  /**
   * For an .onnx file: where it came from (opset, producer, its input's name and layout) and how many
   * BatchNormalizations the import rebuilt where the export had folded them away.
   */
  onnx?: { opset: number; producer: string; inputName: string; inputLayout: 'NCHW' | 'NHWC'; rebuiltBatchNorms: number };
  /** Model and data as they now stand: see InputPairing. */
  pairing?: InputPairing;
}

/** How the loaded model and data go together, after each load. */
export interface InputPairing {
  /** Why the model cannot run on the data (image size, classes): it waits for data that fits. null when they fit or one is missing. */
  pending: string | null;
  /** The preprocessing the images get before the model sees them. */
  scaling: InputScaling;
}

/** One layer of the model graph. Coordinates are the layout's units: (x, y) is the box's top-left corner. */
export interface GraphNode {
  name: string;
  className: string;
  role: ModelAnalysis['layers'][number]['role'];
  /** Size of the output's last axis; null when the engine cannot tell. */
  channels: number | null;
  /** The output's channels as runs of coupled groups (by key); null when the engine cannot follow them. */
  segments: Segment[] | null;
  /** Spatial positions each channel repeats at along the last axis (a Flatten's output), else 1. */
  positions: number;
  /** Why pruning may not cut (some of) these channels; empty when it may cut all of them. */
  reasons: string[];
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Data flowing from one layer into another, drawn through the layout's bend points. */
export interface GraphEdge {
  from: string;
  to: string;
  points: { x: number; y: number }[];
}

/** The model graph, its layers in topological order, laid out top to bottom. */
export interface ModelGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  width: number;
  height: number;
}

export interface DataSummary {
  source: string;
  count: number;
  trainCount: number;
  validationCount: number;
  /** Which images judge the result; absent from summaries made before validation images could be given (held out). */
  validation?: ValidationSummary;
  height: number;
  width: number;
  channels: number;
  classNames: string[];
  classCounts: number[];
  /** A few images for display: RGBA pixels (height·width·4), with their labels. */
  samples: { label: number; rgba: Uint8ClampedArray }[];
  /** What was skipped or adapted while reading the files (non-image files, image size used...). */
  notes?: string[];
  /**
   * Set when the data changed the model: a built-in model rebuilt for the data's
   * shape and classes. The page should show this summary instead of the old one.
   */
  model?: ModelSummary;
  /** Model and data as they now stand: see InputPairing. */
  pairing?: InputPairing;
}

export interface TrainParams {
  criterion: CriterionName;
  settings: TrainSettings;
  /** Normal training epochs first: built-in models start untrained; a user's model is already trained (0). */
  pretrainEpochs: number;
}

/** Importance of every channel of one group, for the charts. */
export interface GroupImportance {
  group: ChannelGroup;
  /** Criterion score per channel (group-aggregated). */
  importance: number[];
  /** |γ| per channel averaged over the members' BNs; null without BN. */
  gamma: number[] | null;
  /** sr per channel averaged over the members' GFR layers; null without GFR. */
  sr: number[] | null;
}

export interface ScoresParams {
  criterion: CriterionName;
  ranking: RankingMode;
}

export interface ScoresResult {
  criterion: CriterionName;
  groups: GroupImportance[];
  /** Global ranking as [group key, channel] pairs, least important first. */
  ranking: [string, number][];
  /** The original's figures once measured (training measures them); null before. */
  reference: Reference | null;
}

export interface SearchStartResult {
  prunableChannels: number;
  plannedRatios: number[];
  /** The original model measured as it is: the line every candidate is compared with. */
  reference: Reference;
}

export interface SelectResult {
  candidate: number | null;
  reference: Reference;
  /** The rule's choice (or none) against the original, on the validation images. */
  verdict: Verdict;
}

export interface SearchNextResult {
  /** Candidates measured by this call (in order). */
  candidates: Candidate[];
  /** True when the grid and the refining pass are exhausted. */
  done: boolean;
  /** Where the grid stopped because accuracy had collapsed (docs/METHOD.md §5.1); `searchRest` measures what it left. */
  gridStop: GridStop | null;
}

export interface SearchRestResult {
  /** The grid's ratios, the ones the stop left with them. */
  plannedRatios: number[];
}

export interface ExportParams {
  candidate: number;
  /** tfjs model.json + weights.bin, the same in one zip, or one .onnx file. */
  format: 'files' | 'zip' | 'onnx';
  /** tfjs formats: kernels stored as float16 or uint8 (measure them first with `measureQuantized` for the report). */
  quantization?: WeightQuantization;
}

export interface QuantizeParams {
  candidate: number;
  quantization: WeightQuantization;
}

export interface ExportResult {
  /** model.json + weights.bin, one .zip, or one .onnx; plus report.json and report.md (none for the original). */
  files: { name: string; bytes: ArrayBuffer }[];
}

/** Extra detail carried by a progress message, so charts can update live. */
export type ProgressDetail =
  | { kind: 'train'; phase: 'pretrain' | 'sparse'; events: TrainStepEvent[] }
  | { kind: 'candidate'; candidate: Candidate };


/** What a finished training leaves: its settings, its summaries and its curve (thinned to at most MAX_CURVE_POINTS). */
export interface TrainingRecord {
  params: TrainParams;
  pretraining?: TrainSummary;
  training: TrainSummary;
  /** Absent in work saved before curves were kept. */
  curve?: TrainPoint[];
}

/** What happened to a save in the background: the page says when one failed, and what was not saved. */
export type StorageNotice =
  | { kind: 'saved'; what: string; step?: number }
  | { kind: 'failed'; what: string; reason: string };

/** A training that was running at the last visit, and can go on from its latest checkpoint. */
export interface ResumableTraining {
  params: TrainParams;
  phase: TrainPoint['phase'];
  /** Steps done in that phase, of its total. */
  step: number;
  totalSteps: number;
  /** The chart points so far. */
  curve: TrainPoint[];
}

/** The work of the last visit, as `restore` brings it back after a reload. */
export interface RestoredWork {
  model: ModelSummary;
  /** How the model was chosen: a built-in name, or `files` for the user's own. */
  modelChoice: string;
  /** null when there was no data, or it could not be read again (see notes). */
  data: DataSummary | null;
  dataChoice: 'builtin' | 'files' | null;
  /** Absent in work saved before preprocessing was kept. */
  pairing?: InputPairing;
  training: TrainingRecord | null;
  search: {
    settings: SearchSettings;
    prunableChannels: number;
    plannedRatios: number[];
    candidates: Candidate[];
    /** Time spent measuring the candidates, ms. */
    elapsedMs: number;
    /** The search had run to its end; otherwise it cannot continue and must be started again. */
    done: boolean;
    /** Candidates that can be exported (all, unless their models were too large to keep). */
    exportable: number[];
    /** The original's figures the candidates were compared with. */
    reference: Reference;
    /** Where the grid had stopped early (absent in work saved before it could); the rest cannot be measured after a reload. */
    gridStop?: GridStop | null;
  } | null;
  /** A training that was interrupted (by a reload or a crash) and can be resumed; null when none. */
  resumable: ResumableTraining | null;
  /** What could not be brought back, and why. */
  notes: string[];
}
