/**
 * The studio's state inside the worker: what its calls share — the model, the data and its split, the session, the
 * latest training and search, timings and settings — and the rules that keep it whole. The calls live by job beside
 * it (inputs.ts, training.ts, search.ts, download.ts, restore.ts; calls.ts lists them); the method in the engine.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../engine/core/errors';
import type { ImageDataset } from '../../engine/core/types';
import { DEFAULT_SCALING, type InputScaling } from '../../contract/preprocessing';
import { loadBuiltinDigits } from '../../engine/data/builtinDigits';
import type { ImageDecoder } from '../../engine/data/imageFiles';
import { CompressionSession } from '../../engine/session';
import type { TrainPoint } from '../../contract/events';
import { browserDecoder } from '../imageFolder';
import { SavedWork, type SavedCheckpoint } from '../savedWork';
import { defaultStateStore, type StateStore } from '../stateStore';
import type { InputPairing, StorageNotice, TrainingRecord } from '../studioTypes';
import { PauseGate } from '../trainRelay';
import { JobLock } from './jobLock';
import { DataReader, type LoadedData } from './loadedData';
import type { LoadedModel } from './loadedModel';
import type { SearchState } from './search';

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

export class Studio {
  model: LoadedModel | null = null;
  data: LoadedData | null = null;
  session: CompressionSession | null = null;
  /** Why the model and the data do not fit together; null when they do. */
  pending: string | null = null;
  /** How pixels become model inputs (the preprocessing panel; a dropped model's remembered scaling). */
  scaling: InputScaling = DEFAULT_SCALING;
  /** The curve of the session's latest pretraining, which training again with the same settings reuses. */
  pretrainCurve: TrainPoint[] = [];
  /** The curve of the latest sparse training. */
  trainCurve: TrainPoint[] = [];
  /** The training the last visit left unfinished, until it is resumed or replaced. */
  resumable: SavedCheckpoint | null = null;
  training: TrainingRecord | null = null;
  search: SearchState | null = null;
  /** Measured ms per training step by batch size, for the current model and data. */
  paces = new Map<number, number>();
  readonly pause = new PauseGate();
  readonly lock = new JobLock();
  readonly saved: SavedWork;
  readonly read: DataReader;
  readonly backend: () => string;
  readonly now: () => number;

  constructor(options: StudioOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.read = new DataReader(options.decodeImage ?? browserDecoder, options.loadBuiltinData ?? (() => loadBuiltinDigits()));
    this.backend = options.backend ?? (() => tf.getBackend());
    this.saved = new SavedWork(options.store === undefined ? defaultStateStore() : options.store, options.onStorageNotice);
  }

  requireSession(): CompressionSession {
    if (!this.model) throw new UserError('Load a model first (a built-in one or your own).');
    if (!this.data) throw new UserError('Load data first (the built-in digits or your own).');
    if (this.pending) throw new UserError(this.pending);
    this.session ??= sessionFor(this.model, this.data);
    return this.session;
  }

  requireCandidates(): CompressionSession {
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
  replaceWork(model: LoadedModel | null, data: LoadedData | null): CompressionSession | null {
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

  stopSearch(): void {
    if (!this.search) return;
    this.search.controller.abort();
    this.search.iterator?.return(undefined).catch(() => undefined);
    this.search = null;
  }

  /** How model and data go together now: each load answers with it. */
  pairing(): InputPairing {
    return { pending: this.pending, scaling: this.scaling };
  }
}
