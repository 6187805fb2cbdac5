/**
 * The four steps of the method around one model and one dataset, as the
 * command line and the studio's worker both drive them: analyse, (instrument
 * and) train, score, search, export. Holds the state between steps; the
 * callers only pick a backend and relay events.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from './core/errors';
import type { ImageDataset, ModelSpec } from './core/types';
import { shuffledIndices } from './core/random';
import { batchCount, subsetDataset } from './data/split';
import { validationDifferences } from './data/validationImages';
import { evaluate } from './eval/evaluate';
import type { OutputKind } from '../contract/outputKind';
import type { ModelAnalysis } from '../contract/analysis';
import type { Candidate, QuantizedFigures, WeightQuantization } from '../contract/candidate';
import type { CriterionName } from '../contract/criteria';
import type { GridStop } from '../contract/gridStop';
import type { SearchSettings, TrainSettings } from '../contract/settings';
import type { TrainSummary } from '../contract/events';
import { analyzeModel } from './graph/analyze';
import { INITIAL_SR, isGfrLayer } from './gfr/gfrLayer';
import { foldGfrLayers, hasGfrLayers, insertGfrLayers } from './gfr/instrument';
import { DEFAULT_RECALIBRATION, recalibrateIfBetter } from './search/recalibrate';
import { artifactsFromSpec, modelFromSpec, specFromModel } from './io/modelSpec';
import { onnxFromSpec, type OnnxExportOptions } from './export/onnx/toOnnx';
import { quantizeArtifacts } from './export/quantize';
import { measureQuantized } from './export/quantizedFigures';
import { checkSpecFinite } from './io/weightData';
import { scoreChannels, type GroupScores } from './score/importance';
import type { ImageHits } from './search/candidate';
import { GridSearch, type SearchStep } from './search/gridSearch';
import { DEFAULT_TOLERANCE, selectCandidate, verdictFor, type ReferenceAccuracy, type SelectionRule, type Verdict } from '../contract/select';
import type { AccuracyGuard } from './train/accuracyGuard';
import { Teacher } from './train/distillation';
import { rescaleGammaForOptimizer } from './train/rescale';
import { prepareTrainedStart } from './train/trainedStart';
import { type TrainOptions, trainSparse } from './train/sparseTraining';

export interface SessionData {
  train: ImageDataset;
  validation: ImageDataset;
  /**
   * True when the validation images are the user's own (CLI `--val-data`, the studio's validation images) and all of
   * `train` trains and calibrates; absent or false when they were held out from the same data (a seeded split).
   */
  separateValidation?: boolean;
}

export interface SessionOptions {
  /**
   * Whether the model is already trained (a user's model, or a built-in one
   * after `pretrain`): then it is the reference every figure is compared
   * with, sparse training distils from it and an accuracy guard holds
   * sparsity where accuracy would fall too far. Default true.
   */
  trainedStart?: boolean;
}

/** The original model's figures: the reference of every comparison. */
export interface Reference extends ReferenceAccuracy {
  loss: number;
  outputKind: OutputKind;
}

/** Share of the training images held out for calibration, and its cap; the guard holds out as many again. */
export const CALIBRATION_SHARE = 0.1;
export const MAX_CALIBRATION_IMAGES = 1000;
/** Readings of the accuracy guard per epoch. */
const GUARD_READINGS_PER_EPOCH = 5;
/** The guard holds sparsity once accuracy is more than this share of the tolerance below the original. */
const GUARD_SHARE_OF_TOLERANCE = 0.5;
/** Standard errors a guard reading may fall below its floor and pass. */
const GUARD_NOISE_ALLOWANCE = 1;

export interface HeldOutSplit {
  /** The images training learns from. */
  fit: ImageDataset;
  /** Read once per candidate: the tolerance rule and the recalibration choice. */
  calibration: ImageDataset;
  /**
   * Read by the accuracy guard during training, a dozen times or more. The guard
   * keeps the weights of its last good reading, so the model it leaves is
   * selected on these images and reads high on them; the rule needs images
   * that did not choose the model (docs/DECISIONS.md, "The guard's own images").
   */
  guard: ImageDataset;
}

/**
 * Splits the training images into images to train on and two held-out sets,
 * calibration and guard images (seeded, so the same data gives the same
 * split). With under 20 images there is nothing to spare: all three are the
 * whole set.
 */
export function heldOutSplit(train: ImageDataset, seed = 7): HeldOutSplit {
  if (train.count < 20) return { fit: train, calibration: train, guard: train };
  const count = Math.min(MAX_CALIBRATION_IMAGES, Math.round(train.count * CALIBRATION_SHARE));
  const order = shuffledIndices(train.count, seed);
  return {
    fit: subsetDataset(train, order.subarray(2 * count), train.source),
    calibration: subsetDataset(train, order.subarray(0, count), `${train.source}, calibration part`),
    guard: subsetDataset(train, order.subarray(count, 2 * count), `${train.source}, guard part`),
  };
}

/**
 * How a criterion trains (docs/METHOD.md §6): `gfr` with GFR layers
 * and both sparsity terms; `gamma` without GFR, L1 on γ only (Network
 * Slimming); `l1` and `random` score a normally trained model.
 */
export function trainingModeFor(criterion: CriterionName): 'gfr' | 'gamma' | 'plain' {
  return criterion === 'gfr' ? 'gfr' : criterion === 'gamma' ? 'gamma' : 'plain';
}

/**
 * The model sparse training starts from: with `rescale` and a fixed target, γ rescaled to the optimizer's step
 * (docs/METHOD.md §3.2); for `gfr`, the gates inserted (§2). Insertion divides each gated BN by the gates' start s0,
 * so for `gfr` the rescaling is by gammaScale·s0: the BN the controller acts on is at gammaScale·γ either way, the
 * size the recipe was tuned at, and the start computes what `original` computes.
 */
export function sparseTrainingStart(
  original: ModelSpec, analysis: ModelAnalysis, mode: 'gfr' | 'gamma', settings: TrainSettings, rescale: boolean,
): ModelSpec {
  const gammaScale = mode === 'gfr' ? settings.gammaScale * INITIAL_SR : settings.gammaScale;
  const rescaled = rescale && settings.target > 0 && settings.gammaScale !== 1
    ? rescaleGammaForOptimizer(original, analysis, gammaScale).spec
    : original;
  return mode === 'gfr' ? insertGfrLayers(rescaled, analysis, { seed: settings.seed, temperature: settings.gateTemperature }) : rescaled;
}

/** What training has made of the session: saved after training, brought back after a reload (`restoreTraining`). */
export interface TrainedState {
  /** The reference: the model as loaded, or its pretrained form. */
  original: ModelSpec;
  /** Whether `original` is a trained model. */
  trainedStart: boolean;
  /** The model after training: instrumented with GFR when trained in `gfr` mode. */
  trained: ModelSpec;
  /** The latest pretraining, kept so that training again with the same settings does not repeat it. */
  pretrained: Pretrained | null;
}

export interface Pretrained {
  /** The pretraining settings, as `pretrainKey` writes them. */
  key: string;
  spec: ModelSpec;
  summary: TrainSummary;
}

/** Pretraining with equal settings gives the same model (seeded): the key that says so. */
export const pretrainKey = (settings: TrainSettings): string => JSON.stringify(settings);

export class CompressionSession {
  readonly analysis: ModelAnalysis;
  readonly candidates: Candidate[] = [];
  /** Training images that training and BN statistics use. */
  readonly fit: ImageDataset;
  /** Training images held out from training: the tolerance rule and the recalibration choice measure on them. */
  readonly calibration: ImageDataset;
  /** Training images held out from training and from the rule: the accuracy guard reads them. */
  readonly guardImages: ImageDataset;
  private readonly specs = new Map<number, ModelSpec>();
  /** The model as loaded, and whether it is trained (a user's model) or not (a built-in one). */
  private readonly loaded: { spec: ModelSpec; trainedStart: boolean };
  private state: TrainedState;
  /** The reference of each model that was the original, once measured (the search measures it first). */
  private readonly references = new WeakMap<ModelSpec, Promise<Reference>>();
  /** The same, once known, with which images the original gets right (absent for a restored reference). */
  private readonly measured = new WeakMap<ModelSpec, { reference: Reference; hits?: ImageHits }>();
  private readonly guardBaselines = new WeakMap<ModelSpec, { accuracy: number; hits: Uint8Array }>();
  /** What the latest search compared its candidates with: the original, or the trained model when training made it far better. */
  private judged: Reference | null = null;
  /** The latest search, kept so that the grid ratios an early stop left can be measured on request. */
  private grid: GridSearch | null = null;

  constructor(model: ModelSpec, readonly data: SessionData, options: SessionOptions = {}) {
    this.loaded = { spec: model, trainedStart: options.trainedStart ?? true };
    this.state = { original: model, trainedStart: this.loaded.trainedStart, trained: model, pretrained: null };
    this.analysis = analyzeModel(model);
    checkCompatible(model, this.analysis, data);
    ({ fit: this.fit, calibration: this.calibration, guard: this.guardImages } = heldOutSplit(data.train));
  }

  /** The model as the user brought it, or after `pretrain`: the reference. */
  get original(): ModelSpec {
    return this.state.original;
  }

  get trainedStart(): boolean {
    return this.state.trainedStart;
  }

  /** The model after training: instrumented with GFR when trained in `gfr` mode. */
  get trained(): ModelSpec {
    return this.state.trained;
  }

  /** What training has made of the session, to save (plain data). */
  trainedState(): TrainedState {
    return { ...this.state };
  }

  /** Brings back a saved `trainedState` (after a reload). */
  restoreTraining(state: TrainedState): void {
    this.state = { ...state };
  }

  /**
   * Runs `body` (calls of `pretrain`, `startFromLoaded` and `train`) as one
   * transaction: when it throws or is cancelled, the session is left exactly
   * as it was before (a pretraining that finished stays known, so that the
   * next call need not repeat it).
   */
  async transaction<T>(body: () => Promise<T>): Promise<T> {
    const before = this.state;
    try {
      return await body();
    } catch (error) {
      this.state = { ...before, pretrained: this.state.pretrained };
      throw error;
    }
  }

  /** Makes the model as loaded the original again: the start without pretraining. */
  startFromLoaded(): void {
    this.state = { ...this.state, original: this.loaded.spec, trainedStart: this.loaded.trainedStart };
  }

  /** Makes `pretrained` (a saved pretraining of this session's model) the one `pretrain` reuses for its settings. */
  adoptPretrained(pretrained: Pretrained): void {
    this.state = { ...this.state, pretrained: { key: pretrained.key, spec: pretrained.spec, summary: pretrained.summary } };
  }

  /** Whether `pretrain` with these settings would reuse the latest pretraining instead of training. */
  hasPretrained(settings: TrainSettings): boolean {
    return this.state.pretrained?.key === pretrainKey(settings);
  }

  /**
   * The original's figures measured as it is (no training, no recalibration)
   * on the validation and the calibration images, and what it outputs.
   */
  reference(): Promise<Reference> {
    return this.referenceOf(this.state.original);
  }

  private referenceOf(spec: ModelSpec): Promise<Reference> {
    if (!this.references.has(spec)) this.references.set(spec, this.measureReference(spec));
    return this.references.get(spec)!;
  }

  private async measureReference(spec: ModelSpec): Promise<Reference> {
    const model = await modelFromSpec(spec);
    try {
      // evaluate reads the output kind from the last layers, or from the first outputs where they leave it open.
      const validation = await evaluate(model, this.data.validation, { keepHits: true });
      const { outputKind } = validation;
      const calibrated = await evaluate(model, this.calibration, { outputKind, keepHits: true });
      const reference: Reference = {
        accuracy: validation.accuracy, loss: validation.loss, calibrationAccuracy: calibrated.accuracy, outputKind, validationImages: validation.count, basis: 'original',
      };
      this.measured.set(spec, { reference, hits: { calibration: calibrated.hits, validation: validation.hits } });
      return reference;
    } catch (error) {
      this.references.delete(spec);
      throw error;
    } finally {
      model.dispose();
    }
  }

  /**
   * Instruments (for `gfr`) and trains a copy of the original model; the
   * trained model replaces the session's only when training succeeds.
   */
  async train(criterion: CriterionName, settings: TrainSettings, options: TrainOptions = {}): Promise<TrainSummary> {
    const mode = trainingModeFor(criterion);
    if (mode === 'plain') return this.trainPlain(this.state.original, settings, options, (trained) => ({ trained }));
    const { original, trainedStart } = this.state;
    const reference = await this.reference();
    // From a trained start: the augmentation `auto` picks, and the original with recalibrated BN statistics where they measure better.
    const prepared = trainedStart
      ? await prepareTrainedStart(original, { fit: this.fit, calibration: this.calibration, outputKind: reference.outputKind }, settings, options.signal)
      : undefined;
    const teacherModel = trainedStart && settings.distillation > 0 ? await modelFromSpec(original) : undefined;
    const teacher = teacherModel && new Teacher(teacherModel, reference.outputKind, this.fit);
    // The automatic target from a trained start: sparsity rises as far as accuracy on the calibration images allows.
    const guardBaseline = trainedStart && settings.targetMode === 'auto' ? await this.guardBaselineOf(original, reference.outputKind) : undefined;
    const guard: AccuracyGuard | undefined = guardBaseline ? {
      data: this.guardImages,
      floor: guardBaseline.accuracy - (GUARD_SHARE_OF_TOLERANCE * (settings.tolerance ?? DEFAULT_TOLERANCE)) / 100,
      every: Math.max(1, Math.round(batchCount(this.fit, settings.batchSize) / (settings.guardReadings ?? GUARD_READINGS_PER_EPOCH))),
      referenceHits: guardBaseline.hits,
      noiseAllowance: GUARD_NOISE_ALLOWANCE,
    } : undefined;
    const begin = prepared?.spec ?? original;
    // Gradual zeroing (the automatic target) sets channels to zero itself: no rescaling needed.
    const start = sparseTrainingStart(begin, this.analysis, mode, settings, guard === undefined);
    try {
      const { summary, spec } = await this.fitModel(start, mode === 'gfr' ? settings : { ...settings, lambdaS: 0 }, {
        ...options, teacher, guard, augmentation: prepared?.augmentation,
      }, reference);
      this.state = { ...this.state, trained: spec };
      return prepared ? { ...summary, recalibratedStart: prepared.recalibratedStart } : summary;
    } finally {
      teacherModel?.dispose();
    }
  }

  /**
   * Normal training (no sparsity terms) of the model as loaded, which then
   * replaces the original: a trained start for every criterion. With the
   * settings of the latest pretraining, that model is reused at once.
   */
  async pretrain(settings: TrainSettings, options: TrainOptions = {}): Promise<TrainSummary> {
    const key = pretrainKey(settings);
    const known = this.state.pretrained;
    if (known?.key === key) {
      this.state = { ...this.state, original: known.spec, trainedStart: true, trained: known.spec };
      return known.summary;
    }
    return this.trainPlain(this.loaded.spec, settings, options, (spec, summary) => ({ original: spec, trainedStart: true, trained: spec, pretrained: { key, spec, summary } }));
  }

  /** Normal training of `start`; `apply` says what the result changes in the session. */
  private async trainPlain(
    start: ModelSpec, settings: TrainSettings, options: TrainOptions, apply: (spec: ModelSpec, summary: TrainSummary) => Partial<TrainedState>,
  ): Promise<TrainSummary> {
    // The loss follows what the start outputs.
    const reference = await this.referenceOf(start);
    const { summary, spec } = await this.fitModel(start, { ...settings, lambdaGamma: 0, lambdaS: 0, target: 0 }, options, reference);
    this.state = { ...this.state, ...apply(spec, summary) };
    return summary;
  }

  /** Trains a model built from `start`, recalibrates its BN statistics, and reads it back. */
  private async fitModel(start: ModelSpec, settings: TrainSettings, options: TrainOptions, reference: Reference): Promise<{ summary: TrainSummary; spec: ModelSpec }> {
    const model = await modelFromSpec(start);
    try {
      const prunable = this.analysis.groups.filter((g) => g.prunable);
      const regularizedBns = prunable.flatMap((g) => g.members.flatMap((m) => (m.bn ? [m.bn] : [])));
      const summary = await trainSparse(model, this.fit, settings, {
        ...options, regularizedBns, analysis: this.analysis, outputKind: reference.outputKind,
      });
      // The controller moves γ until the last step; BN's moving statistics (momentum 0.99) lag behind,
      // so they are measured again, and kept where they measure better.
      await recalibrateIfBetter(model, { fit: this.fit, calibration: this.calibration, outputKind: reference.outputKind }, { ...DEFAULT_RECALIBRATION, signal: options.signal });
      model.layers.filter(isGfrLayer).forEach((layer) => layer.releaseGates());
      const spec = await specFromModel(model);
      // A loss can stay finite while a weight overflows: such a model replaces nothing.
      checkSpecFinite(spec, 'The trained model');
      return { summary, spec };
    } finally {
      model.dispose();
    }
  }

  scores(criterion: CriterionName, seed = 1): GroupScores {
    return scoreChannels(this.trained, analyzeModel(this.trained), { criterion, seed });
  }

  /** The original's accuracy on the guard's images, and which of them it gets right. */
  private async guardBaselineOf(spec: ModelSpec, outputKind: OutputKind): Promise<{ accuracy: number; hits: Uint8Array }> {
    const known = this.guardBaselines.get(spec);
    if (known) return known;
    const model = await modelFromSpec(spec);
    try {
      const { accuracy, hits } = await evaluate(model, this.guardImages, { outputKind, keepHits: true });
      const baseline = { accuracy, hits: hits! };
      this.guardBaselines.set(spec, baseline);
      return baseline;
    } finally {
      model.dispose();
    }
  }

  /** Runs the grid search on the trained model, keeping every candidate's model for export. */
  async *search(settings: SearchSettings, signal?: AbortSignal): AsyncGenerator<SearchStep> {
    if (settings.criterion === 'gfr' && !hasGfrLayers(this.trained)) {
      throw new UserError("The 'gfr' criterion needs sparse training with GFR first (epochs ≥ 1), or choose 'gamma', 'l1' or 'random'.");
    }
    const reference = await this.reference();
    this.candidates.length = 0;
    this.specs.clear();
    this.judged = null;
    this.grid = null;
    const input = {
      trained: this.trained, fit: this.fit, calibration: this.calibration, validation: this.data.validation,
      reference, outputKind: reference.outputKind, referenceHits: this.measured.get(this.state.original)?.hits,
    };
    const grid = new GridSearch(input, settings, signal);
    this.grid = grid;
    yield* this.record(grid.run(), reference);
  }

  /** Why the latest search's grid stopped early (accuracy collapsed); null when it did not, or the rest was measured. */
  get gridStop(): GridStop | null {
    return this.grid?.stop ?? null;
  }

  /** Measures the grid ratios that the latest search's early stop left (docs/METHOD.md §5.1). */
  async *searchRest(signal?: AbortSignal): AsyncGenerator<SearchStep> {
    const grid = this.grid;
    if (!grid?.stop) throw new UserError('The grid did not stop early: there is nothing left to measure.');
    yield* this.record(grid.rest(signal), await this.reference());
  }

  private async *record(steps: AsyncGenerator<SearchStep>, reference: Reference): AsyncGenerator<SearchStep> {
    for await (const step of steps) {
      this.candidates.push(step.candidate);
      this.specs.set(step.candidate.index, step.spec);
      // The trained model unpruned (the baseline, measured first) may have become the reference.
      this.judged = step.reference.basis === 'trained' ? { ...reference, ...step.reference, loss: this.candidates[0].loss } : reference;
      yield step;
    }
  }

  /** Candidates measured in an earlier visit, with the models that were kept for them and the reference they were compared with. */
  restoreCandidates(candidates: Candidate[], specs: Map<number, ModelSpec>, reference: Reference): void {
    this.judged = reference;
    this.grid = null;
    if (reference.basis !== 'trained') {
      this.measured.set(this.state.original, { reference });
      this.references.set(this.state.original, Promise.resolve(reference));
    }
    this.candidates.push(...candidates);
    for (const [index, spec] of specs) this.specs.set(index, spec);
  }

  /** Whether the candidate's model is at hand for export. */
  canExport(index: number): boolean {
    return this.specs.has(index);
  }

  select(rule: SelectionRule): Candidate | undefined {
    return selectCandidate(this.candidates, rule, this.requireReference());
  }

  /** How a candidate (or none) stands against the reference on the validation images. */
  verdict(selected: Candidate | undefined, tolerance: number): Verdict {
    return verdictFor(selected, this.requireReference(), tolerance);
  }

  /**
   * What the candidates are compared with, once measured: the original, or, when training made the model far better
   * than it was loaded, the trained model unpruned (then `loaded` holds the original's figures).
   */
  requireReference(): Reference {
    const known = this.judged ?? this.measured.get(this.state.original)?.reference;
    if (!known) throw new UserError('Run the search first: the original model has not been measured yet.');
    return known;
  }

  /** The candidate's model as tfjs artifacts (model.json + one weight buffer), stock layers only; kernels quantized if asked. */
  exportCandidate(index: number, quantization?: WeightQuantization): tf.io.ModelArtifacts {
    const artifacts = artifactsFromSpec(this.candidateSpec(index));
    return quantization ? quantizeArtifacts(artifacts, quantization) : artifacts;
  }

  /** The candidate's model, or the original as the user brought it, as an `.onnx` file. */
  exportOnnx(index: number | 'original', options: OnnxExportOptions = {}): Uint8Array {
    return onnxFromSpec(index === 'original' ? this.original : this.candidateSpec(index), options);
  }

  /**
   * The candidate's validation accuracy and weight bytes once quantized, on
   * the model stock tfjs loads from the quantized files; kept with the
   * candidate, so it shows beside the float32 figures.
   */
  async measureQuantized(index: number, quantization: WeightQuantization, signal?: AbortSignal): Promise<QuantizedFigures> {
    const candidate = this.candidates.find((c) => c.index === index);
    const known = candidate?.quantized?.[quantization];
    if (known) return known;
    const figures = await measureQuantized(this.candidateSpec(index), quantization, this.data.validation, this.requireReference().outputKind, signal);
    if (candidate) candidate.quantized = { ...candidate.quantized, [quantization]: figures };
    return figures;
  }

  /** A measured candidate's model (pruned, recalibrated, stock layers), checked for non-finite weights. */
  candidateSpec(index: number): ModelSpec {
    const spec = this.specs.get(index);
    if (!spec) throw new UserError(`There is no candidate #${index}; run the search first.`);
    checkSpecFinite(spec, `Candidate #${index}`);
    return spec;
  }

  /** The trained model with GFR folded into BN, unpruned. */
  exportFolded(): tf.io.ModelArtifacts {
    const folded = foldGfrLayers(this.trained);
    checkSpecFinite(folded, 'The trained model');
    return artifactsFromSpec(folded);
  }
}

function checkCompatible(model: ModelSpec, analysis: ModelAnalysis, data: SessionData): void {
  const input = analysis.layers.find((layer) => layer.role === 'input')?.outputShape;
  const { train } = data;
  if (input && (input[0] !== train.height || input[1] !== train.width || input[2] !== train.channels)) {
    throw new UserError(`The model expects ${input.join('×')} inputs but the data has ${train.height}×${train.width}×${train.channels} images; pick data of that size.`);
  }
  const output = analysis.layers.find((layer) => layer.name === model.outputs[0])?.outputShape;
  if (output && output[output.length - 1] !== train.numClasses) {
    throw new UserError(`The model predicts ${output[output.length - 1]} classes but the data has ${train.numClasses} (${labelsText(train.labels)}); pick data with as many classes, or another model.`);
  }
  // The user's own validation images are checked where they are read (CLI, studio); this keeps any other caller honest.
  const differences = validationDifferences(data.validation, train, 'the training data');
  if (differences.length) throw new UserError(`The validation images (${data.validation.source}) do not fit: ${differences.join('; ')}. Give validation images of the training data's size, channels and classes.`);
}

/** What the labels are: "labels 0–9, 10 distinct values". */
function labelsText(labels: Int32Array): string {
  const distinct = new Set(labels);
  if (distinct.size === 0) return 'no labels';
  const values = [...distinct];
  return `labels ${Math.min(...values)}–${Math.max(...values)}, ${distinct.size} distinct value${distinct.size === 1 ? '' : 's'}`;
}
