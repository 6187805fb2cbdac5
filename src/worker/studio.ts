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
import { loadBuiltinDigits } from '../engine/data/builtinDigits';
import type { ImageDecoder } from '../engine/data/imageFiles';
import { splitDataset, type DatasetSplit } from '../engine/data/split';
import { loadModelFiles } from '../engine/io/modelFiles';
import { specFromModel } from '../engine/io/modelSpec';
import type { Candidate } from '../engine/search/candidate';
import type { SearchSettings, SearchStep } from '../engine/search/gridSearch';
import { DEFAULT_TOLERANCE, type SelectionRule } from '../engine/search/select';
import { CompressionSession, type Reference } from '../engine/session';
import { estimateFrom, measurePace, phaseSteps, type TrainingEstimate } from '../engine/train/pace';
import type { TrainEvent, TrainOptions, TrainStepEvent, TrainSummary } from '../engine/train/sparseTraining';
import type { SparsityStatus } from '../engine/train/sparsityController';
import { buildBuiltinModel } from '../engine/zoo';
import type { FileEntry } from './archive';
import type { CallContext } from './callContext';
import { datasetFromFiles, datasetFromImageEntries } from './dataFiles';
import { summarizeData, validationCount } from './dataSummary';
import { exportFiles } from './exportFiles';
import { browserDecoder } from './imageFolder';
import { summarizeModel } from './modelSummary';
import { SavedWork, candidateKey, type SavedData, type SavedModel, type SavedSearch, type SavedTraining } from './savedWork';
import { scoresResult } from './scoresResult';
import { defaultStateStore, type StateStore } from './stateStore';
import type {
  DataSource, DataSummary, DroppedFile, ExportParams, ExportResult, ModelSource, ModelSummary, RestoredWork, ScoresParams,
  ScoresResult, SearchNextResult, SearchStartResult, SelectResult, TrainingRecord, TrainParams, TrainPoint,
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
}

interface LoadedModel {
  spec: ModelSpec;
  summary: ModelSummary;
  /** The built-in model's name, so it can be rebuilt for data of another shape. */
  builtin: string | null;
}

interface LoadedData {
  dataset: ImageDataset;
  split: DatasetSplit;
  source: string;
  notes: string[];
  /** The files of an image folder, to decode again at a dropped model's input size. */
  images: FileEntry[] | null;
}

/** Training points kept per phase for the charts after a reload; longer curves are thinned. */
export const MAX_CURVE_POINTS = 2000;

/** Keeps every n-th point (and the last) so that a curve fits in `max` points. */
function thinned(points: TrainPoint[], max = MAX_CURVE_POINTS): TrainPoint[] {
  if (points.length <= max) return points;
  const every = Math.ceil(points.length / max);
  return points.filter((_, i) => i % every === 0 || i === points.length - 1);
}

/** Records the step events of one phase as chart points. */
function curveRecorder(phase: TrainPoint['phase']): { points: TrainPoint[]; onEvent: (event: TrainEvent) => void } {
  const points: TrainPoint[] = [];
  return {
    points,
    onEvent: (event) => {
      if (event.kind !== 'step') return;
      points.push({
        phase, step: event.step, totalSteps: event.totalSteps, loss: event.loss, accuracy: event.accuracy, imagesPerSec: event.imagesPerSec,
        ...(event.sparsity ? sparsityFigures(event.sparsity) : {}),
        ...guardFigures(event),
      });
    },
  };
}

function sparsityFigures({ zeroShare, freedFlopsShare, targetShare, measure }: SparsityStatus): Pick<TrainPoint, 'zeroShare' | 'freedFlopsShare' | 'targetShare' | 'measure'> {
  return { zeroShare, freedFlopsShare, targetShare, measure };
}

function guardFigures({ guard }: TrainStepEvent): Pick<TrainPoint, 'guardAccuracy' | 'guardFloor' | 'guardRestoredFrom'> {
  if (!guard) return {};
  return { guardAccuracy: guard.accuracy, guardFloor: guard.floor, ...(guard.restoredFrom === undefined ? {} : { guardRestoredFrom: guard.restoredFrom }) };
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
  /** Normal pretraining, kept per settings so that retraining does not repeat it. */
  private pretrained: { key: string; spec: ModelSpec; summary: TrainSummary; curve?: TrainPoint[] } | null = null;
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

  constructor(options: StudioOptions = {}) {
    this.decode = options.decodeImage ?? browserDecoder;
    this.loadBuiltinData = options.loadBuiltinData ?? (() => loadBuiltinDigits());
    this.backend = options.backend ?? (() => tf.getBackend());
    this.saved = new SavedWork(options.store === undefined ? defaultStateStore() : options.store);
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
        : await droppedModel(source.files);
      let data = this.data;
      const shape = shapeOf(model.summary);
      if (data?.images && shape && !sameShape(shape, [data.dataset.height, data.dataset.width, data.dataset.channels])) {
        data = await this.readImages(data.images, shape, ctx.signal);
      }
      const session = data ? sessionFor(model, data) : null;
      this.resetWork();
      this.model = model;
      this.session = session;
      this.saved.model(source.kind === 'builtin' ? { kind: 'builtin', name: source.name } : { kind: 'files', spec: model.spec, source: model.summary.source });
      const summary: ModelSummary = { ...model.summary };
      if (data && data !== this.data) {
        this.data = data;
        summary.data = this.dataSummary(data, ctx);
      }
      return summary;
    });
  }

  async loadData(source: DataSource, ctx: CallContext): Promise<DataSummary> {
    return this.exclusive('loading the data', ctx.signal, async () => {
      ctx.progress({ done: 0, total: 1, label: 'reading the data' });
      const data = source.kind === 'builtin' ? await this.builtinData() : await this.filesData(source.files, this.model, ctx.signal);
      let model = this.model;
      const { dataset } = data;
      const rebuild = model?.builtin && (!sameShape(model.summary.inputShape, [dataset.height, dataset.width, dataset.channels]) || model.summary.numClasses !== dataset.numClasses);
      if (model?.builtin && rebuild) model = await this.builtinModel(model.builtin, dataset);
      const session = model ? sessionFor(model, data) : null;
      this.resetWork();
      this.data = data;
      this.model = model;
      this.session = session;
      this.saved.data(source.kind === 'builtin' ? { kind: 'builtin' } : { kind: 'files', files: source.files });
      const summary = this.dataSummary(data, ctx);
      if (rebuild && model) summary.model = model.summary;
      return summary;
    });
  }

  async train(params: TrainParams, ctx: CallContext): Promise<TrainSummary> {
    return this.exclusive('training', ctx.signal, async () => {
      const session = this.requireSession();
      const loaded = this.model!;
      const before = { original: session.original, trainedStart: session.trainedStart, trained: session.trained };
      const options = (relay: TrainRelay, curve: ReturnType<typeof curveRecorder>): TrainOptions => ({
        signal: ctx.signal,
        onEvent: (event) => {
          relay.onEvent(event);
          curve.onEvent(event);
        },
        whilePaused: () => this.pause.wait(ctx.signal),
      });
      this.pause.set(false);
      try {
        let pretraining: TrainSummary | undefined;
        const pretrainSettings = { ...params.settings, epochs: params.pretrainEpochs };
        const key = JSON.stringify(pretrainSettings);
        if (params.pretrainEpochs > 0 && this.pretrained?.key === key) {
          session.setOriginal(this.pretrained.spec, true);
        } else {
          session.setOriginal(loaded.spec, !loaded.builtin);
          if (params.pretrainEpochs > 0) {
            const relay = new TrainRelay('pretrain', 'pretraining', ctx.progress);
            const curve = curveRecorder('pretrain');
            // Sets the pretrained model as the original (a trained start).
            const summary = await session.pretrain(pretrainSettings, options(relay, curve)).finally(() => relay.flush());
            this.pretrained = { key, spec: session.original, summary, curve: thinned(curve.points) };
          }
        }
        if (params.pretrainEpochs > 0) pretraining = this.pretrained!.summary;
        const relay = new TrainRelay('sparse', `sparse training (${params.criterion})`, ctx.progress);
        const curve = curveRecorder('sparse');
        const training = await session.train(params.criterion, params.settings, options(relay, curve)).finally(() => relay.flush());
        this.stopSearch();
        const pretrainCurve = pretraining ? (this.pretrained?.curve ?? []) : [];
        this.training = { params, pretraining, training, curve: [...pretrainCurve, ...thinned(curve.points)] };
        this.saved.training({ record: this.training, original: session.original, trainedStart: session.trainedStart, trained: session.trained, pretrained: this.pretrained });
        return training;
      } catch (error) {
        // A cancelled or failed training leaves the previous model as it was.
        session.setOriginal(before.original, before.trainedStart);
        session.trained = before.trained;
        throw error;
      } finally {
        this.pause.set(false);
      }
    });
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
    const pretrainKey = JSON.stringify({ ...params.settings, epochs: params.pretrainEpochs });
    const pretrainEpochs = this.pretrained?.key === pretrainKey ? 0 : params.pretrainEpochs;
    return estimateFrom(msPerStep, phaseSteps(session.fit, pretrainEpochs, batchSize, maxSteps), phaseSteps(session.fit, epochs, batchSize, maxSteps));
  }

  pauseTraining(params: { paused: boolean }): { paused: boolean } {
    if (this.job?.name !== 'training') return { paused: false };
    this.pause.set(params.paused);
    return { paused: this.pause.paused };
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
      if (search.done || !search.iterator) return { candidates: [], done: true };
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
          this.saved.candidate(candidate, spec, { elapsedMs: search.elapsedMs + performance.now() - start, done: false });
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
        this.saved.searchProgress({ elapsedMs: search.elapsedMs, done: search.done });
      }
      return { candidates, done: search.done };
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
    const artifacts = session.exportCandidate(selected.index);
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
    }, artifacts, params.format);
    ctx.transfer.push(...result.files.map((file) => file.bytes));
    return result;
  }

  /** Brings back the last visit's work; null when nothing was saved (or there is nowhere to save). */
  async restore(ctx: CallContext): Promise<RestoredWork | null> {
    return this.exclusive('restoring the last visit', ctx.signal, async () => {
      const savedModel = await this.saved.read<SavedModel>('model');
      if (!savedModel) return null;
      ctx.progress({ done: 0, total: 1, label: 'restoring the last visit' });
      const notes: string[] = [];
      const dropped: LoadedModel | null = savedModel.kind === 'files'
        ? { spec: savedModel.spec, summary: summarizeModel(savedModel.spec, savedModel.source), builtin: null }
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
      const model = savedModel.kind === 'builtin' ? await this.builtinModel(savedModel.name, data?.dataset) : dropped!;
      const session = data ? sessionFor(model, data) : null;
      this.resetWork();
      this.model = model;
      this.data = data;
      this.session = session;
      const restored: RestoredWork = {
        model: model.summary,
        modelChoice: savedModel.kind === 'builtin' ? savedModel.name : 'files',
        data: data ? this.dataSummary(data, ctx) : null,
        dataChoice: data ? savedData!.kind : null,
        training: null,
        search: null,
        notes,
      };
      if (!session) return restored;

      const training = await this.saved.read<SavedTraining>('training');
      if (training) {
        // Work saved before trainedStart was kept: the original was trained if it was pretrained or the user's own.
        session.setOriginal(training.original, training.trainedStart ?? (training.record.pretraining !== undefined || !model.builtin));
        session.trained = training.trained;
        this.pretrained = training.pretrained;
        this.training = training.record;
        restored.training = training.record;
      }
      const search = await this.saved.read<SavedSearch>('search');
      if (search && search.candidates.length > 0 && !search.reference) {
        notes.push('The search of the last visit was measured before the original model became the reference; run the search again.');
        this.saved.forgetSearch();
      } else if (search?.reference && search.candidates.length > 0) {
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
          exportable: [...specs.keys()],
          reference: search.reference,
        };
      }
      return restored;
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
    this.session ??= sessionFor(this.model, this.data);
    return this.session;
  }

  private requireCandidates(): CompressionSession {
    const session = this.requireSession();
    if (!this.search || session.candidates.length === 0) throw new UserError('Run the search first: there are no candidates yet.');
    return session;
  }

  /** Forgets everything derived from the model and data (training, search). */
  private resetWork(): void {
    this.stopSearch();
    this.paces = new Map();
    this.pretrained = null;
    this.training = null;
    this.session = null;
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
    return { dataset, split: split(dataset), source: dataset.source, notes: [], images: null };
  }

  /** Dropped data; image folders are decoded at a dropped model's input size. */
  private async filesData(files: DroppedFile[], model: LoadedModel | null, signal: AbortSignal): Promise<LoadedData> {
    const shape = model && !model.builtin ? shapeOf(model.summary) ?? undefined : undefined;
    const { dataset, notes, images } = await datasetFromFiles(files, { decode: this.decode, shape }, signal);
    return { dataset, split: split(dataset), source: dataset.source, notes, images };
  }

  private async readImages(images: FileEntry[], shape: Shape3, signal: AbortSignal): Promise<LoadedData> {
    const { dataset, notes } = await datasetFromImageEntries(images, { decode: this.decode, shape }, signal);
    return { dataset, split: split(dataset), source: dataset.source, notes: [...notes, `Images resized to the model's input, ${shape.join('×')}.`], images };
  }

  private dataSummary(data: LoadedData, ctx: CallContext): DataSummary {
    const summary = summarizeData(data.dataset, data.split, data.source, data.notes);
    ctx.transfer.push(...summary.samples.map((sample) => sample.rgba.buffer as ArrayBuffer));
    return summary;
  }
}

function split(dataset: ImageDataset): DatasetSplit {
  return splitDataset(dataset, { valCount: validationCount(dataset.count), seed: SPLIT_SEED });
}

/** model.json with its shards, a zip of them, a .keras or an .h5 file. */
async function droppedModel(files: Extract<ModelSource, { kind: 'files' }>['files']): Promise<LoadedModel> {
  const { spec } = await loadModelFiles(files.map((file) => ({ name: file.path || file.name, bytes: new Uint8Array(file.bytes) })));
  const source = files.length === 1 ? files[0].name : `${files.find((file) => file.name.endsWith('.json'))?.name ?? 'model.json'} (${files.length} files)`;
  return { spec, summary: summarizeModel(spec, source), builtin: null };
}
