/**
 * The studio's state inside the worker, one method per StudioMethods call.
 * All method logic lives in the engine (CompressionSession and friends); this
 * class only keeps what the calls share — the model, the data and its split,
 * the session, the search iterator, timings and settings — and relays events.
 */
import * as tf from '@tensorflow/tfjs';
import { CancelledError, throwIfAborted } from '../engine/core/abort';
import { UserError } from '../engine/core/errors';
import type { ImageDataset, ModelSpec } from '../engine/core/types';
import { DEFAULT_SCALING, type InputScaling, sameScaling } from '../contract/preprocessing';
import type { ExportedModel } from '../engine/export/usage';
import { loadBuiltinDigits } from '../engine/data/builtinDigits';
import { formatScaling, scaleDataset, validateScaling } from '../engine/data/scaling';
import type { ImageDecoder } from '../engine/data/imageFiles';
import { splitDataset } from '../engine/data/split';
import { checkValidationImages } from '../engine/data/validationImages';
import { loadModelFiles, withInputScaling, type LoadedModel as LoadedModelFiles } from '../engine/io/modelFiles';
import type { OnnxExportOptions } from '../engine/export/onnx/toOnnx';
import { measureRebuiltOn } from '../engine/io/onnx/batchNorm';
import { specFromModel } from '../engine/io/modelSpec';
import type { Candidate } from '../contract/candidate';
import type { SearchSettings } from '../contract/settings';
import type { SearchStep } from '../engine/search/gridSearch';
import { DEFAULT_TOLERANCE, type SelectionRule } from '../contract/select';
import { CompressionSession, type Reference, type SessionData } from '../engine/session';
import { estimateFrom, measurePace, phaseSteps } from '../engine/train/pace';
import type { TrainCheckpoint, TrainOptions } from '../engine/train/sparseTraining';
import { thinPoints, type TrainEvent, type TrainingEstimate, trainPointOf, type TrainSummary } from '../contract/events';
import { buildBuiltinModel } from '../engine/zoo';
import type { FileEntry } from './archive';
import type { CallContext } from './callContext';
import { datasetFromFiles, datasetFromImageEntries } from './dataFiles';
import { summarizeData, validationCount } from './dataSummary';
import { exportFiles, transferable } from './exportFiles';
import { browserDecoder } from './imageFolder';
import { summarizeModel } from './modelSummary';
import { loadModelFromUrl } from './modelUrl';
import { SavedWork, candidateKey, type SavedCheckpoint, type SavedData, type SavedModel, type SavedSearch, type SavedTraining, type SavedValidation } from './savedWork';
import { scoresResult } from './scoresResult';
import { defaultStateStore, type StateStore } from './stateStore';
import type {
  DataSource, DataSummary, DroppedFile, ValidationSource, ExportParams, ExportResult, InputPairing, ModelSource, ModelSummary, QuantizedFigures, QuantizeParams, RestoredWork, ScoresParams,
  ScoresResult, SearchNextResult, SearchRestResult, SearchStartResult, SelectResult, StorageNotice, TrainingRecord, TrainParams, TrainPoint,
} from './studioTypes';
import { PauseGate, TrainRelay } from './trainRelay';

type Shape3 = [number, number, number];

/** What a built-in model is built for before any data is loaded: the built-in digits. */
export const DEFAULT_INPUT: { shape: Shape3; classes: number } = { shape: [28, 28, 1], classes: 10 };
/** The train/validation split is always the same for the same data. */
export const SPLIT_SEED = 1;

export interface StudioOptions {
  /** The tfjs backend in use, for reports. */
  backend?: () => string;
  /** Decodes dropped images; the browser's by default (tests pass their own). */
  decodeImage?: ImageDecoder;
  /** The built-in data; the bundled digits by default. */
  loadBuiltinData?: () => Promise<ImageDataset>;
  /** Where work is saved for the next visit; IndexedDB by default where there is one, null for none. */
  store?: StateStore | null;
  /** Told when a background save fails, and when a training checkpoint is saved. */
  onStorageNotice?: (notice: StorageNotice) => void;
  /** The clock that paces training progress messages (trainRelay.ts); performance.now by default. */
  now?: () => number;
}

interface LoadedModel {
  spec: ModelSpec;
  summary: ModelSummary;
  /** The built-in model's name, so it can be rebuilt for data of another shape. */
  builtin: string | null;
  /** The input scaling the model's files remember. */
  remembered?: InputScaling;
  /** An .onnx model's BatchNormalizations rebuilt where its export folded them, until measured on the data. */
  unmeasuredBatchNorms?: string[];
}

interface LoadedData {
  /** The images as read, pixels in [0, 1]: shown, and scaled again when the preprocessing changes. */
  unit: ImageDataset;
  /** The images as the model sees them: `unit` with `scaling` applied. */
  dataset: ImageDataset;
  scaling: InputScaling;
  split: SessionData;
  source: string;
  notes: string[];
  /** The files of an image folder, to decode again at a dropped model's input size. */
  images: FileEntry[] | null;
  /** The user's own validation images, when given: they judge the result, and all of `dataset` trains (see `split`). */
  validation: LoadedValidation | null;
}

/** Validation images the user gave apart from the data, read at the data's size and checked against it. */
interface LoadedValidation {
  /** As read, pixels in [0, 1]. */
  unit: ImageDataset;
  /** As the model sees them: `unit` with the data's scaling. */
  dataset: ImageDataset;
  /** The files as dropped: saved, and read again after a reload. */
  files: DroppedFile[];
  /** The files of an image folder, to decode again when the data's size changes. */
  images: FileEntry[] | null;
  notes: string[];
}

/** Where the user is told what to do with validation images that do not fit. */
const VALIDATION_ADVICE = 'Give validation images of the same size, channels and classes as your data (for a folder: one subfolder per class, the same classes as the data); your data and your work are as they were.';

/** Training points kept per phase for the charts after a reload; longer curves are thinned. */
export const MAX_CURVE_POINTS = 2000;

const thinned = (points: TrainPoint[]): TrainPoint[] => thinPoints(points, MAX_CURVE_POINTS);

/** Records the step events of one phase as chart points, after `earlier` ones (of a resumed training). */
function curveRecorder(phase: TrainPoint['phase'], earlier: TrainPoint[] = []): { points: TrainPoint[]; onEvent: (event: TrainEvent) => void } {
  const points: TrainPoint[] = earlier.filter((point) => point.phase === phase);
  return {
    points,
    onEvent: (event) => {
      if (event.kind === 'step') points.push(trainPointOf(event, phase));
    },
  };
}

interface SearchState {
  /** null for a search restored after a reload: its candidates are back, its iterator is not. */
  iterator: AsyncGenerator<SearchStep> | null;
  controller: AbortController;
  settings: SearchSettings;
  planned: number;
  elapsedMs: number;
  done: boolean;
  /** Why the iterator ended early (cancel or error); it cannot go on. */
  stopped: string | null;
  /** The tolerance of the latest selection: the report's verdict uses it, as the page's does. */
  tolerance: number;
}

interface Job {
  name: string;
  signal: AbortSignal;
  done: Promise<void>;
  /** Gives way to any other call: aborting it is the call's to do (the training estimate). */
  yields?: AbortController;
}

function shapeOf(summary: ModelSummary): Shape3 | null {
  return summary.inputShape.length === 3 ? (summary.inputShape as Shape3) : null;
}

const sameShape = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((v, i) => v === b[i]);

/** A built-in model is built untrained; the user's own model is trained, and the reference as it is. */
function sessionFor(model: LoadedModel, data: LoadedData): CompressionSession {
  return new CompressionSession(model.spec, data.split, { trainedStart: !model.builtin });
}

/** A session when model and data fit; else why not (the model waits for data that fits). */
function pairUp(model: LoadedModel | null, data: LoadedData | null): { session: CompressionSession | null; pending: string | null } {
  if (!model || !data) return { session: null, pending: null };
  try {
    return { session: sessionFor(model, data), pending: null };
  } catch (error) {
    if (error instanceof UserError) return { session: null, pending: error.message };
    throw error;
  }
}

/** The scaling fits images with this many channels (a 3-channel mean does not fit gray images). */
function fits(scaling: InputScaling, channels: number): boolean {
  try {
    validateScaling(scaling, channels);
    return true;
  } catch {
    return false;
  }
}

/** The reference if it has been measured, else null (never measures). */
function knownReference(session: CompressionSession): Reference | null {
  try {
    return session.requireReference();
  } catch (error) {
    if (error instanceof UserError) return null;
    throw error;
  }
}

const plannedRatiosOf = (settings: SearchSettings): number[] => [0, ...new Set(settings.ratios.filter((ratio) => ratio > 0))];

export class Studio {
  private model: LoadedModel | null = null;
  private data: LoadedData | null = null;
  private session: CompressionSession | null = null;
  /** Why the model and the data do not fit together; null when they do. */
  private pending: string | null = null;
  /** How pixels become model inputs (the preprocessing panel; a dropped model's remembered scaling). */
  private scaling: InputScaling = DEFAULT_SCALING;
  /** The curve of the session's latest pretraining, which training again with the same settings reuses. */
  private pretrainCurve: TrainPoint[] = [];
  /** The curve of the latest sparse training. */
  private trainCurve: TrainPoint[] = [];
  /** The training the last visit left unfinished, until it is resumed or replaced. */
  private resumable: SavedCheckpoint | null = null;
  private training: TrainingRecord | null = null;
  private search: SearchState | null = null;
  private readonly pause = new PauseGate();
  /** Measured ms per training step by batch size, for the current model and data. */
  private paces = new Map<number, number>();
  private job: Job | null = null;
  private readonly saved: SavedWork;
  private readonly decode: ImageDecoder;
  private readonly loadBuiltinData: () => Promise<ImageDataset>;
  private readonly backend: () => string;
  private readonly now: () => number;

  constructor(options: StudioOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.decode = options.decodeImage ?? browserDecoder;
    this.loadBuiltinData = options.loadBuiltinData ?? (() => loadBuiltinDigits());
    this.backend = options.backend ?? (() => tf.getBackend());
    this.saved = new SavedWork(options.store === undefined ? defaultStateStore() : options.store, options.onStorageNotice);
  }

  /** Resolves when the work so far is saved. */
  savedWork(): Promise<void> {
    return this.saved.flushed();
  }

  async loadModel(source: ModelSource, ctx: CallContext): Promise<ModelSummary> {
    return this.exclusive('loading the model', ctx.signal, async () => {
      ctx.progress({ done: 0, total: 1, label: 'reading the model' });
      const model = source.kind === 'builtin'
        ? await this.builtinModel(source.name, this.data?.dataset)
        : source.kind === 'url' ? await hostedModel(source.url, ctx.signal) : await droppedModel(source.files);
      // A model exported with its preprocessing brings it along.
      const scaling = model.remembered ?? this.scaling;
      const previousData = this.data;
      let data = previousData;
      const shape = shapeOf(model.summary);
      let validationDropped = false;
      if (data?.images && shape && !sameShape(shape, [data.dataset.height, data.dataset.width, data.dataset.channels])) {
        data = await this.carryValidation(await this.readImages(data.images, shape, ctx.signal), data.validation, ctx.signal);
        validationDropped = previousData?.validation !== null && data.validation === null;
      }
      // Images the scaling does not fit (the model then waits for other data anyway) stay in [0, 1].
      const scaled = data ? this.scaled(data, fits(scaling, data.dataset.channels) ? scaling : DEFAULT_SCALING) : null;
      this.replaceWork(await measuredOn(model, scaled), scaled);
      this.setScaling(scaling);
      // A hosted model is kept as it was read: a reload does not fetch it again.
      if (source.kind === 'builtin') this.saved.model({ kind: 'builtin', name: source.name });
      else this.saveDroppedModel(this.model!);
      if (validationDropped) this.saved.validation(null);
      const summary: ModelSummary = { ...model.summary, pairing: this.pairing() };
      if (scaled && data !== previousData) summary.data = this.dataSummary(scaled, ctx);
      return summary;
    });
  }

  async loadData(source: DataSource, ctx: CallContext): Promise<DataSummary> {
    return this.exclusive('loading the data', ctx.signal, async () => {
      ctx.progress({ done: 0, total: 1, label: 'reading the data' });
      const notes: string[] = [];
      const previousValidation = this.data?.validation ?? null;
      const read = await this.carryValidation(
        await (source.kind === 'builtin' ? this.builtinData() : this.filesData(source.files, this.model, ctx.signal)), previousValidation, ctx.signal);
      // A preprocessing for other images (a 3-channel mean for gray images) gives way to none.
      const scaling = fits(this.scaling, read.dataset.channels) ? this.scaling : DEFAULT_SCALING;
      if (scaling !== this.scaling) notes.push(`The preprocessing (${formatScaling(this.scaling)}) does not fit ${read.dataset.channels}-channel images: it is back to pixels in [0, 1].`);
      const data = this.scaled({ ...read, notes: [...read.notes, ...notes] }, scaling);
      let model = this.model;
      const { dataset } = data;
      const rebuild = model?.builtin && (!sameShape(model.summary.inputShape, [dataset.height, dataset.width, dataset.channels]) || model.summary.numClasses !== dataset.numClasses);
      if (model?.builtin && rebuild) model = await this.builtinModel(model.builtin, dataset);
      const measured = model && (await measuredOn(model, data));
      if (measured && measured !== model) this.saveDroppedModel(measured);
      model = measured;
      this.replaceWork(model, data);
      this.setScaling(scaling);
      this.saved.data(source.kind === 'builtin' ? { kind: 'builtin' } : { kind: 'files', files: source.files });
      if (previousValidation && !data.validation) this.saved.validation(null);
      const summary = { ...this.dataSummary(data, ctx), pairing: this.pairing() };
      if (rebuild && model) summary.model = model.summary;
      return summary;
    });
  }

  /**
   * The user's own validation images (`files`), or none (`kind: 'none'`: back to holding out part of the data).
   * They are read at the data's size and must have its channels and classes; images that do not fit are refused
   * with what differs, and the data, the validation images before and the work stay as they were.
   */
  async loadValidationData(source: ValidationSource, ctx: CallContext): Promise<DataSummary> {
    return this.exclusive('loading the validation images', ctx.signal, async () => {
      const data = this.data;
      if (!data) throw new UserError('Load your data first: validation images are checked against it (same size, channels and classes).');
      ctx.progress({ done: 0, total: 1, label: 'reading the validation images' });
      const validation = source.kind === 'none' ? null : await this.readValidation(source.files, data.unit, ctx.signal);
      const next = withValidation(data, validation);
      this.replaceWork(this.model, next);
      this.saved.validation(source.kind === 'none' ? null : source.files);
      return { ...this.dataSummary(next, ctx), pairing: this.pairing() };
    });
  }

  async train(params: TrainParams, ctx: CallContext): Promise<TrainSummary> {
    return this.exclusive('training', ctx.signal, () => this.runTraining(params, null, ctx));
  }

  /** Goes on with the training the last visit left unfinished, from its latest checkpoint. */
  async resumeTraining(ctx: CallContext): Promise<TrainSummary> {
    return this.exclusive('training', ctx.signal, async () => {
      const saved = this.resumable;
      if (!saved) throw new UserError('There is no interrupted training to resume; start the training again.');
      return this.runTraining(saved.params, saved, ctx);
    });
  }

  /** Pretraining (or the model as loaded), then sparse training; checkpoints on the way; `resume` goes on from one. */
  private async runTraining(params: TrainParams, resume: SavedCheckpoint | null, ctx: CallContext): Promise<TrainSummary> {
    const session = this.requireSession();
    /** Runs one phase with its relay, its curve and its checkpoints (and its checkpoint to resume from). */
    const runPhase = (phase: TrainPoint['phase'], label: string, run: (options: TrainOptions) => Promise<TrainSummary>): Promise<TrainSummary> => {
      const relay = new TrainRelay(phase, label, ctx.progress, this.now);
      const curve = curveRecorder(phase, resume?.curve);
      const saveCheckpoint = (checkpoint: TrainCheckpoint): void => {
        const pretrained = phase === 'sparse' && params.pretrainEpochs > 0 ? session.trainedState().pretrained : null;
        this.saved.checkpoint({
          params, phase, checkpoint,
          curve: [...(phase === 'sparse' && pretrained ? this.pretrainCurve : []), ...thinned(curve.points)],
          pretrained: pretrained && { ...pretrained, curve: this.pretrainCurve },
        });
      };
      return run({
        signal: ctx.signal,
        onEvent: (event) => {
          relay.onEvent(event);
          curve.onEvent(event);
        },
        whilePaused: () => this.pause.wait(ctx.signal),
        checkpoints: { save: saveCheckpoint },
        ...(resume?.phase === phase ? { resume: resume.checkpoint } : {}),
      }).then((summary) => {
        if (phase === 'pretrain') this.pretrainCurve = thinned(curve.points);
        else this.trainCurve = thinned(curve.points);
        return summary;
      }).finally(() => relay.flush());
    };
    this.pause.set(false);
    if (resume?.pretrained) {
      // The sparse phase was interrupted: its pretraining is reused, not repeated.
      session.adoptPretrained(resume.pretrained);
      this.pretrainCurve = resume.pretrained.curve ?? [];
    }
    try {
      // A cancelled or failed training leaves the session's models as they were.
      const training = await session.transaction(async () => {
        let pretraining: TrainSummary | undefined;
        if (params.pretrainEpochs > 0) {
          const pretrainSettings = { ...params.settings, epochs: params.pretrainEpochs };
          pretraining = session.hasPretrained(pretrainSettings)
            ? await session.pretrain(pretrainSettings)
            : await runPhase('pretrain', 'pretraining', (options) => session.pretrain(pretrainSettings, options));
        } else {
          session.startFromLoaded();
        }
        const training = await runPhase('sparse', `sparse training (${params.criterion})`, (options) => session.train(params.criterion, params.settings, options));
        this.stopSearch();
        this.training = { params, pretraining, training, curve: [...(pretraining ? this.pretrainCurve : []), ...this.trainCurve] };
        return training;
      });
      this.resumable = null;
      const { pretrained, ...state } = session.trainedState();
      this.saved.training({ record: this.training!, ...state, pretrained: pretrained && { ...pretrained, curve: this.pretrainCurve } });
      return training;
    } catch (error) {
      // Cancelled, or failed: there is nothing to resume. (A crash never gets here: its checkpoint stays.)
      this.resumable = null;
      this.saved.forgetCheckpoint();
      throw error;
    } finally {
      this.pause.set(false);
    }
  }

  /** The run's steps and the time they will take at a pace measured on a few steps (measured once per batch size). */
  async estimateTraining(params: TrainParams, ctx: CallContext): Promise<TrainingEstimate> {
    const session = this.requireSession();
    const { batchSize, maxSteps, epochs } = params.settings;
    let msPerStep = this.paces.get(batchSize);
    if (msPerStep === undefined) {
      const spec = this.model!.spec;
      // Any other call stops the measurement instead of waiting for it.
      const yields = new AbortController();
      const signal = AbortSignal.any([ctx.signal, yields.signal]);
      msPerStep = await this.exclusive('estimating the training time', signal, () => measurePace(spec, session.fit, batchSize, signal), yields);
      this.paces.set(batchSize, msPerStep);
    }
    const pretrainEpochs = session.hasPretrained({ ...params.settings, epochs: params.pretrainEpochs }) ? 0 : params.pretrainEpochs;
    return estimateFrom(msPerStep, phaseSteps(session.fit, pretrainEpochs, batchSize, maxSteps), phaseSteps(session.fit, epochs, batchSize, maxSteps));
  }

  pauseTraining(params: { paused: boolean }): { paused: boolean } {
    if (this.job?.name !== 'training') return { paused: false };
    this.pause.set(params.paused);
    return { paused: this.pause.paused };
  }

  async setPreprocessing(scaling: InputScaling, ctx: CallContext): Promise<InputPairing> {
    return this.exclusive('changing the preprocessing', ctx.signal, async () => {
      const data = this.data;
      validateScaling(scaling, data?.dataset.channels ?? Math.max(scaling.mean.length, scaling.std.length, scaling.channelOrder === 'bgr' ? 3 : 1));
      this.replaceWork(this.model, data ? this.scaled(data, scaling) : null);
      // Saved even when equal: the saved training and search were made with the images as they were.
      this.scaling = scaling;
      this.saved.preprocessing(scaling);
      return this.pairing();
    });
  }

  /** Not exclusive: it shares the session's one measurement with training and the search, and says null when the inputs changed meanwhile. */
  async checkReference(): Promise<Reference | null> {
    const { session, model } = this;
    if (!session || !model || model.builtin) return null;
    const reference = await session.reference();
    return session === this.session ? reference : null;
  }

  scores(params: ScoresParams): ScoresResult {
    const session = this.requireSession();
    return { ...scoresResult(session.trained, session.scores(params.criterion), params), reference: knownReference(session) };
  }

  async searchStart(settings: SearchSettings, ctx: CallContext): Promise<SearchStartResult> {
    return this.exclusive('starting the search', ctx.signal, async () => {
      const session = this.requireSession();
      // Scoring first gives the engine's clear error now (e.g. 'gfr' without GFR training), not at the first candidate.
      session.scores(settings.criterion);
      // Measured now (once per original), so the page can draw it before the first candidate.
      const reference = await session.reference();
      throwIfAborted(ctx.signal);
      this.stopSearch();
      const controller = new AbortController();
      const plannedRatios = plannedRatiosOf(settings);
      this.search = {
        iterator: session.search(settings, controller.signal),
        controller,
        settings,
        planned: plannedRatios.length,
        elapsedMs: 0,
        done: false,
        stopped: null,
        tolerance: settings.tolerance,
      };
      this.saved.searchStarted(settings, plannedRatios.length, reference);
      return { prunableChannels: session.analysis.prunableChannels, plannedRatios, reference };
    });
  }

  async searchNext(params: { count: number }, ctx: CallContext): Promise<SearchNextResult> {
    if (!Number.isInteger(params.count) || params.count < 1) throw new UserError(`Ask for a whole number of candidates ≥ 1, not ${params.count}.`);
    return this.exclusive('the search', ctx.signal, async () => {
      const search = this.search;
      const session = this.session;
      if (!search || !session) throw new UserError('Start the search first.');
      if (search.stopped) throw new UserError(`${search.stopped} Start the search again to measure more; the ${session.candidates.length} candidate(s) measured can still be selected and exported.`);
      if (search.done || !search.iterator) return { candidates: [], done: true, gridStop: session.gridStop };
      const iterator = search.iterator;
      const candidates: Candidate[] = [];
      // Cancel aborts the candidate being measured; the iterator ends with it.
      const abort = (): void => search.controller.abort();
      ctx.signal.addEventListener('abort', abort, { once: true });
      const start = performance.now();
      try {
        while (candidates.length < params.count) {
          const step = await iterator.next();
          if (step.done) {
            search.done = true;
            break;
          }
          const { candidate, spec } = step.value;
          candidates.push(candidate);
          this.saved.candidate(candidate, spec, { elapsedMs: search.elapsedMs + performance.now() - start, done: false, reference: session.requireReference() });
          ctx.progress({
            done: session.candidates.length,
            total: Math.max(search.planned, session.candidates.length),
            label: `candidate #${candidate.index} at ratio ${candidate.ratio}`,
            detail: { kind: 'candidate', candidate },
          });
        }
      } catch (error) {
        search.stopped = error instanceof CancelledError ? 'The search was cancelled.' : `The search stopped: ${(error as Error).message}`;
        throw error;
      } finally {
        search.elapsedMs += performance.now() - start;
        ctx.signal.removeEventListener('abort', abort);
        this.saved.searchProgress({ elapsedMs: search.elapsedMs, done: search.done, gridStop: session.gridStop });
      }
      return { candidates, done: search.done, gridStop: session.gridStop };
    });
  }

  /** After the grid stopped where accuracy collapsed, and the refining pass: the ratios it left, measured by `searchNext`. */
  async searchRest(ctx: CallContext): Promise<SearchRestResult> {
    return this.exclusive('the rest of the grid', ctx.signal, async () => {
      const search = this.search;
      const session = this.session;
      if (!search || !session) throw new UserError('Start the search first.');
      const stop = session.gridStop;
      if (!stop) {
        throw new UserError(search.iterator
          ? 'The grid did not stop early: there is nothing left to measure.'
          : 'This search came back from your last visit: the grid it stopped cannot be continued. Run a new search to measure it all.');
      }
      if (!search.done) {
        throw new UserError(search.stopped
          ? `${search.stopped} Run a new search (with “Measure the whole grid” to measure it all).`
          : 'The search is still measuring: let it finish (the refining pass), then measure the rest.');
      }
      const controller = new AbortController();
      search.iterator = session.searchRest(controller.signal);
      search.controller = controller;
      search.stopped = null;
      search.done = false;
      this.saved.searchProgress({ elapsedMs: search.elapsedMs, done: false, gridStop: null });
      return { plannedRatios: plannedRatiosOf(search.settings) };
    });
  }

  select(rule: SelectionRule): SelectResult {
    const session = this.requireCandidates();
    const selected = session.select(rule);
    const tolerance = rule.kind === 'tolerance' ? rule.tolerance : DEFAULT_TOLERANCE;
    this.search!.tolerance = tolerance;
    return { candidate: selected?.index ?? null, reference: session.requireReference(), verdict: session.verdict(selected, tolerance) };
  }

  exportCandidate(params: ExportParams, ctx: CallContext): ExportResult {
    const session = this.requireCandidates();
    const selected = session.candidates.find((candidate) => candidate.index === params.candidate);
    if (!selected) throw new UserError(`There is no candidate #${params.candidate}; pick one of the ${session.candidates.length} measured.`);
    const { training } = this;
    const search = this.search!;
    if (!session.canExport(selected.index)) {
      throw new UserError(`Candidate #${selected.index} came back from the last visit without its model (too large to keep); run the search again to export it.`);
    }
    if (params.format === 'onnx' && params.quantization) throw new UserError('Quantized kernels are offered for the TensorFlow.js download; the ONNX file is float32.');
    const { height, width, channels } = session.data.validation;
    const exported: ExportedModel = {
      format: params.format === 'onnx' ? 'onnx' : 'tfjs', quantization: params.quantization, inputScaling: this.scaling, inputShape: [height, width, channels],
      ...(params.format === 'onnx' ? { normalizationInside: this.onnxNormalizes(), ...this.onnxLayout() } : {}),
    };
    const model = params.format === 'onnx'
      ? session.exportOnnx(selected.index, this.onnxOptions())
      : withInputScaling(session.exportCandidate(selected.index, params.quantization), this.scaling);
    const result = exportFiles({
      session,
      selected,
      backend: this.backend(),
      modelSource: this.model!.summary.source,
      criterion: search.settings.criterion,
      trainSettings: training?.params.settings,
      searchSettings: { ...search.settings, tolerance: search.tolerance },
      pretraining: training?.pretraining,
      training: training?.training,
      timings: { pretrainMs: training?.pretraining?.elapsedMs ?? 0, trainMs: training?.training.elapsedMs ?? 0, searchMs: search.elapsedMs },
      exported,
    }, model, params.format);
    ctx.transfer.push(...result.files.map((file) => file.bytes));
    return result;
  }

  async measureQuantized(params: QuantizeParams, ctx: CallContext): Promise<QuantizedFigures> {
    const session = this.requireCandidates();
    return this.exclusive(`measuring candidate #${params.candidate} with ${params.quantization} kernels`, ctx.signal, () =>
      session.measureQuantized(params.candidate, params.quantization, ctx.signal));
  }

  /** The model as loaded (or after pretraining), unpruned, as ONNX. */
  exportOriginalOnnx(ctx: CallContext): ExportResult {
    const session = this.requireCandidates();
    const result = transferable([{ name: `${session.original.name}-original.onnx`, bytes: session.exportOnnx('original', this.onnxOptions()) }]);
    ctx.transfer.push(...result.files.map((file) => file.bytes));
    return result;
  }

  /** Brings back the last visit's work; null when nothing was saved (or there is nowhere to save). */
  async restore(ctx: CallContext): Promise<RestoredWork | null> {
    return this.exclusive('restoring the last visit', ctx.signal, async () => {
      const notes = await this.saved.open();
      const savedModel = await this.saved.read<SavedModel>('model');
      if (!savedModel) return null;
      ctx.progress({ done: 0, total: 1, label: 'restoring the last visit' });
      const dropped: LoadedModel | null = savedModel.kind === 'files'
        ? { spec: savedModel.spec, summary: { ...summarizeModel(savedModel.spec, savedModel.source), ...(savedModel.onnx ? { onnx: savedModel.onnx } : {}) }, builtin: null }
        : null;
      let data: LoadedData | null = null;
      const savedData = await this.saved.read<SavedData>('data');
      try {
        if (savedData?.kind === 'builtin') data = await this.builtinData();
        if (savedData?.kind === 'files') data = await this.filesData(savedData.files, dropped, ctx.signal);
      } catch (error) {
        if (error instanceof CancelledError) throw error;
        notes.push(`The data of the last visit could not be read again: ${(error as Error).message}`);
      }
      // Absent in work saved before validation images could be given: the data's own split, as then.
      const savedValidation = data ? await this.saved.read<SavedValidation>('validation') : undefined;
      if (data && savedValidation) {
        try {
          data = withValidation(data, await this.readValidation(savedValidation.files, data.unit, ctx.signal));
        } catch (error) {
          if (error instanceof CancelledError) throw error;
          notes.push(`Your validation images of the last visit could not be read again (${(error as Error).message}); the result is judged on images held out from your data until you give them again.`);
        }
      }
      const model = savedModel.kind === 'builtin' ? await this.builtinModel(savedModel.name, data?.dataset) : dropped!;
      const scaling = (await this.saved.read<InputScaling>('preprocessing')) ?? DEFAULT_SCALING;
      if (data && fits(scaling, data.dataset.channels)) data = this.scaled(data, scaling);
      this.scaling = scaling;
      const session = this.replaceWork(model, data);
      const restored: RestoredWork = {
        model: model.summary,
        modelChoice: savedModel.kind === 'builtin' ? savedModel.name : 'files',
        data: data ? this.dataSummary(data, ctx) : null,
        dataChoice: data ? savedData!.kind : null,
        pairing: this.pairing(),
        training: null,
        search: null,
        resumable: null,
        notes,
      };
      if (!session) return restored;

      const training = await this.saved.read<SavedTraining>('training');
      if (training) {
        const { record, original, trainedStart, trained, pretrained } = training;
        session.restoreTraining({ original, trainedStart, trained, pretrained: pretrained && { key: pretrained.key, spec: pretrained.spec, summary: pretrained.summary } });
        this.pretrainCurve = pretrained?.curve ?? [];
        this.training = record;
        restored.training = training.record;
      }
      const checkpoint = await this.saved.read<SavedCheckpoint>('checkpoint');
      if (checkpoint) {
        this.resumable = checkpoint;
        const { params, phase, checkpoint: { step, totalSteps }, curve } = checkpoint;
        restored.resumable = { params, phase, step, totalSteps, curve };
      }
      const search = await this.saved.read<SavedSearch>('search');
      if (search && search.candidates.length > 0) {
        const specs = new Map<number, ModelSpec>();
        for (const index of search.saved) {
          const spec = await this.saved.read<ModelSpec>(candidateKey(index));
          if (spec) specs.set(index, spec);
        }
        session.restoreCandidates(search.candidates, specs, search.reference);
        this.search = {
          iterator: null,
          controller: new AbortController(),
          settings: search.settings,
          planned: search.planned,
          elapsedMs: search.elapsedMs,
          done: search.done,
          stopped: search.done ? null : 'This search was interrupted by a reload.',
          tolerance: search.settings.tolerance,
        };
        this.saved.adopt(search);
        restored.search = {
          settings: search.settings,
          prunableChannels: session.analysis.prunableChannels,
          plannedRatios: plannedRatiosOf(search.settings),
          candidates: search.candidates,
          elapsedMs: search.elapsedMs,
          done: search.done,
          gridStop: search.gridStop ?? null,
          exportable: [...specs.keys()],
          reference: search.reference,
        };
      }
      return restored;
    });
  }

  /** Removes all saved work; what is in memory stays, and later steps are saved afresh. */
  async forgetSavedWork(ctx: CallContext): Promise<null> {
    return this.exclusive('forgetting the saved work', ctx.signal, async () => {
      await this.saved.forgetAll();
      this.resumable = null;
      return null;
    });
  }

  /** Runs one state-changing call at a time; a new one waits only for a cancelled one to wind down. */
  private async exclusive<T>(name: string, signal: AbortSignal, body: () => Promise<T>, yields?: AbortController): Promise<T> {
    while (this.job) {
      this.job.yields?.abort();
      if (!this.job.signal.aborted) throw new UserError(`Wait until ${this.job.name} ends, or cancel it: the studio does one thing at a time.`);
      await this.job.done;
    }
    throwIfAborted(signal);
    const running = body();
    const job: Job = { name, signal, done: running.then(() => undefined, () => undefined), yields };
    this.job = job;
    try {
      return await running;
    } finally {
      if (this.job === job) this.job = null;
    }
  }

  private requireSession(): CompressionSession {
    if (!this.model) throw new UserError('Load a model first (a built-in one or your own).');
    if (!this.data) throw new UserError('Load data first (the built-in digits or your own).');
    if (this.pending) throw new UserError(this.pending);
    this.session ??= sessionFor(this.model, this.data);
    return this.session;
  }

  private requireCandidates(): CompressionSession {
    const session = this.requireSession();
    if (!this.search || session.candidates.length === 0) throw new UserError('Run the search first: there are no candidates yet.');
    return session;
  }

  /**
   * Makes `model` and `data` the studio's and starts a new session on them,
   * forgetting everything derived from the previous ones (training, search).
   * A model and data that do not fit together are both kept, with no session:
   * `pending` says why, and the model waits for data that fits (or data for a model).
   */
  private replaceWork(model: LoadedModel | null, data: LoadedData | null): CompressionSession | null {
    const { session, pending } = pairUp(model, data);
    this.pending = pending;
    this.stopSearch();
    this.pretrainCurve = [];
    this.trainCurve = [];
    this.paces = new Map();
    this.training = null;
    this.resumable = null;
    this.model = model;
    this.data = data;
    this.session = session;
    return session;
  }

  private stopSearch(): void {
    if (!this.search) return;
    this.search.controller.abort();
    this.search.iterator?.return(undefined).catch(() => undefined);
    this.search = null;
  }

  private async builtinModel(name: string, data: ImageDataset | undefined): Promise<LoadedModel> {
    const shape: Shape3 = data ? [data.height, data.width, data.channels] : DEFAULT_INPUT.shape;
    const model = buildBuiltinModel(name, { inputShape: shape, numClasses: data?.numClasses ?? DEFAULT_INPUT.classes });
    try {
      const spec = await specFromModel(model);
      return { spec, summary: summarizeModel(spec, `built-in ${name}`), builtin: name };
    } finally {
      model.dispose();
    }
  }

  private async builtinData(): Promise<LoadedData> {
    const dataset = await this.loadBuiltinData();
    return unscaled(dataset, [], null);
  }

  /** Dropped data; image folders are decoded at a dropped model's input size. */
  private async filesData(files: DroppedFile[], model: LoadedModel | null, signal: AbortSignal): Promise<LoadedData> {
    const shape = model && !model.builtin ? shapeOf(model.summary) ?? undefined : undefined;
    const { dataset, notes, images } = await datasetFromFiles(files, { decode: this.decode, shape }, signal);
    return unscaled(dataset, notes, images);
  }

  private async readImages(images: FileEntry[], shape: Shape3, signal: AbortSignal): Promise<LoadedData> {
    const { dataset, notes } = await datasetFromImageEntries(images, { decode: this.decode, shape }, signal);
    return unscaled(dataset, [...notes, `Images resized to the model's input, ${shape.join('×')}.`], images);
  }

  /** `data` with its images (and validation images) scaled as `scaling` says (the same split: it depends only on the count and the seed). */
  private scaled(data: LoadedData, scaling: InputScaling): LoadedData {
    if (sameScaling(data.scaling, scaling)) return data;
    return withValidation({ ...data, dataset: scaleDataset(data.unit, scaling), scaling }, data.validation);
  }

  /** Validation images read from `files` at the size of `unit` (the data as read), checked against it: a UserError says what differs. */
  private async readValidation(files: DroppedFile[], unit: ImageDataset, signal: AbortSignal): Promise<LoadedValidation> {
    const read = await datasetFromFiles(files, { decode: this.decode, shape: [unit.height, unit.width, unit.channels] }, signal);
    return this.checkedValidation(read.dataset, unit, files, read.images, read.notes);
  }

  private checkedValidation(dataset: ImageDataset, unit: ImageDataset, files: DroppedFile[], images: FileEntry[] | null, notes: string[]): LoadedValidation {
    const checked = checkValidationImages(dataset, unit, VALIDATION_ADVICE, 'your data');
    return { unit: dataset, dataset, files, images, notes: [...notes, ...checked] };
  }

  /**
   * New data (or the data decoded again at a model's size) keeps the validation images when they fit it (an image
   * folder decoded again at its size); otherwise they go, with a note, and part of the data is held out again.
   */
  private async carryValidation(data: LoadedData, validation: LoadedValidation | null, signal: AbortSignal): Promise<LoadedData> {
    if (!validation) return data;
    const { unit } = data;
    try {
      const resized = validation.images && !sameShape([validation.unit.height, validation.unit.width, validation.unit.channels], [unit.height, unit.width, unit.channels])
        ? await datasetFromImageEntries(validation.images, { decode: this.decode, shape: [unit.height, unit.width, unit.channels] }, signal)
        : null;
      const kept = this.checkedValidation(resized?.dataset ?? validation.unit, unit, validation.files, validation.images, resized?.notes ?? []);
      return withValidation(data, kept);
    } catch (error) {
      if (!(error instanceof UserError) || error instanceof CancelledError) throw error;
      return { ...data, notes: [...data.notes, `Your validation images were set aside: ${error.message.replace(` ${VALIDATION_ADVICE}`, '')} The result is judged on images held out from this data; give validation images that fit to judge it on your own.`] };
    }
  }

  private setScaling(scaling: InputScaling): void {
    if (scaling === this.scaling) return;
    this.scaling = scaling;
    this.saved.preprocessing(scaling);
  }

  /** The ONNX file's first nodes apply mean and std, not a channel reversal: a BGR model's file takes its inputs as they are. */
  /** A dropped (or hosted) model, kept for the next visit as it now is (rebuilt BNs measured, where they were). */
  private saveDroppedModel(model: LoadedModel): void {
    this.saved.model({ kind: 'files', spec: model.spec, source: model.summary.source, ...(model.summary.onnx ? { onnx: model.summary.onnx } : {}) });
  }

  private onnxNormalizes(): boolean {
    return this.scaling.channelOrder !== 'bgr';
  }

  /** A model that came as ONNX goes back with its input's name and layout (NCHW from PyTorch): it drops into the user's pipeline. */
  private onnxLayout(): Pick<OnnxExportOptions, 'inputLayout' | 'inputName'> {
    const origin = this.model?.summary.onnx;
    return origin ? { inputLayout: origin.inputLayout, inputName: origin.inputName } : {};
  }

  private onnxOptions(): OnnxExportOptions {
    return { inputScaling: this.scaling, normalize: this.onnxNormalizes(), ...this.onnxLayout() };
  }

  private pairing(): InputPairing {
    return { pending: this.pending, scaling: this.scaling };
  }

  private dataSummary(data: LoadedData, ctx: CallContext): DataSummary {
    const summary = summarizeData(data.unit, data.split, data.source, data.notes, data.validation?.notes);
    ctx.transfer.push(...summary.samples.map((sample) => sample.rgba.buffer as ArrayBuffer));
    return summary;
  }
}

/** Images as read (pixels in [0, 1]), before any preprocessing. */
function unscaled(dataset: ImageDataset, notes: string[], images: FileEntry[] | null): LoadedData {
  return { unit: dataset, dataset, scaling: DEFAULT_SCALING, split: split(dataset), source: dataset.source, notes, images, validation: null };
}

/**
 * `data` judged on `validation` (scaled as the data is): all of the data trains and calibrates. Without validation
 * images, the seeded split of the data (docs/METHOD.md §7).
 */
function withValidation(data: LoadedData, validation: LoadedValidation | null): LoadedData {
  if (!validation) return { ...data, validation: null, split: split(data.dataset) };
  const dataset = sameScaling(data.scaling, DEFAULT_SCALING) ? validation.unit : scaleDataset(validation.unit, data.scaling);
  const own = { ...validation, dataset };
  return { ...data, validation: own, split: { train: data.dataset, validation: dataset, separateValidation: true } };
}

function split(dataset: ImageDataset): SessionData {
  return splitDataset(dataset, { valCount: validationCount(dataset.count), seed: SPLIT_SEED });
}

/** model.json with its shards, a zip of them, a .keras, an .h5 or an .onnx file. */
async function droppedModel(files: Extract<ModelSource, { kind: 'files' }>['files']): Promise<LoadedModel> {
  const loaded = await loadModelFiles(files.map((file) => ({ name: file.path || file.name, bytes: new Uint8Array(file.bytes) })));
  const source = files.length === 1 ? files[0].name : `${files.find((file) => file.name.endsWith('.json'))?.name ?? 'model.json'} (${files.length} files)`;
  return usersModel(loaded, source);
}

/** A hosted model.json or .onnx file, by the address the user typed. */
async function hostedModel(address: string, signal: AbortSignal): Promise<LoadedModel> {
  const loaded = await loadModelFromUrl(address, signal);
  return usersModel(loaded, loaded.url);
}

/**
 * An .onnx model's rebuilt BNs measured on the first images of data that fits it (docs/METHOD.md §11.3): γ becomes
 * each channel's spread, what pruning reads; the model computes the same. Once measured, the model stays as it is.
 */
async function measuredOn(model: LoadedModel, data: LoadedData | null): Promise<LoadedModel> {
  const rebuilt = model.unmeasuredBatchNorms;
  const shape = shapeOf(model.summary);
  if (!rebuilt?.length || !data || !shape || !sameShape(shape, [data.dataset.height, data.dataset.width, data.dataset.channels])) return model;
  return { ...model, spec: await measureRebuiltOn(model.spec, rebuilt, data.dataset), unmeasuredBatchNorms: [] };
}

function usersModel({ spec, inputScaling, onnx, rebuiltBatchNorms }: LoadedModelFiles, source: string): LoadedModel {
  const summary: ModelSummary = {
    ...summarizeModel(spec, source),
    ...(inputScaling ? { remembered: inputScaling } : {}),
    ...(onnx ? { onnx: { opset: onnx.opset, producer: onnx.producer, inputName: onnx.inputName, inputLayout: onnx.inputLayout, rebuiltBatchNorms: rebuiltBatchNorms?.length ?? 0 } } : {}),
  };
  return { spec, summary, builtin: null, ...(inputScaling ? { remembered: inputScaling } : {}), ...(rebuiltBatchNorms?.length ? { unmeasuredBatchNorms: rebuiltBatchNorms } : {}) };
}
