/**
 * What the studio saves so that a reload or a crash loses nothing (docs/METHOD.md §8),
 * and the queue that writes it. Plain data and typed arrays only: specs,
 * dropped files, settings, summaries, candidates, training checkpoints.
 *
 * Writes go one after another, in the background, each in one transaction
 * (all of it lands or none), so the store always holds a complete state. A
 * failed write never fails the call: it is reported (`onNotice`) with what
 * was not saved, and the page says so.
 */
import { UserError } from '../engine/core/errors';
import type { ModelSpec } from '../engine/core/types';
import type { InputScaling } from '../contract/preprocessing';
import { countSpecParams } from '../engine/io/modelSpec';
import type { Candidate } from '../contract/candidate';
import type { TrainPoint, TrainSummary } from '../contract/events';
import type { GridStop } from '../contract/gridStop';
import type { SearchSettings } from '../contract/settings';
import type { Reference } from '../engine/session';
import type { TrainCheckpoint } from '../engine/train/sparseTraining';
import type { StateChanges, StateStore } from './stateStore';
import type { DroppedFile, ModelSummary, StorageNotice, TrainingRecord, TrainParams } from './studioTypes';

/** A dropped model keeps its ONNX origin, so its ONNX download keeps the input's layout after a reload (absent in older saves). */
export type SavedModel = { kind: 'builtin'; name: string } | { kind: 'files'; spec: ModelSpec; source: string; onnx?: ModelSummary['onnx'] };
export type SavedData = { kind: 'builtin' } | { kind: 'files'; files: DroppedFile[] };
/** The user's own validation images (key `validation`); absent in work saved before they could be given, which then keeps the split. */
export type SavedValidation = { kind: 'files'; files: DroppedFile[] };

export interface SavedPretrained {
  key: string;
  spec: ModelSpec;
  summary: TrainSummary;
  curve?: TrainPoint[];
}

export interface SavedTraining {
  record: TrainingRecord;
  original: ModelSpec;
  /** Whether `original` is a trained model (the session's trainedStart). */
  trainedStart: boolean;
  trained: ModelSpec;
  pretrained: SavedPretrained | null;
}

/** A training that was running: where it stood at its latest checkpoint. */
export interface SavedCheckpoint {
  params: TrainParams;
  phase: TrainPoint['phase'];
  checkpoint: TrainCheckpoint;
  /** The chart points so far, of both phases. */
  curve: TrainPoint[];
  /** In the sparse phase after pretraining: the pretrained model it started from. */
  pretrained: SavedPretrained | null;
}

export interface SavedSearch {
  settings: SearchSettings;
  /** The original's figures the candidates were compared with. */
  reference: Reference;
  planned: number;
  candidates: Candidate[];
  elapsedMs: number;
  done: boolean;
  /** Candidates whose models were saved (under `candidate:<index>`). */
  saved: number[];
  /** Where the grid stopped because accuracy had collapsed (absent: it did not, or work saved before it could). */
  gridStop?: GridStop | null;
}

/** Candidate models kept across a reload, in weight bytes: beyond it, candidates come back without their models. */
export const MAX_SAVED_CANDIDATE_BYTES = 64 * 1024 * 1024;

/**
 * The layout of the saved records. 1: before the version was written (some
 * trainings lack trainedStart, some searches their reference); 2: every record
 * complete, training checkpoints.
 */
export const SCHEMA_VERSION = 2;
const SCHEMA_KEY = 'schema';

export const candidateKey = (index: number): string => `candidate:${index}`;

export class SavedWork {
  private queue: Promise<void> = Promise.resolve();
  private savedBytes = 0;
  private search: SavedSearch | null = null;
  /** The latest checkpoint not yet written: a newer one replaces it. */
  private pendingCheckpoint: SavedCheckpoint | null = null;
  /** Saved work of a newer version was found: nothing is written over it. */
  private refused: string | null = null;

  constructor(
    private readonly store: StateStore | null,
    private readonly onNotice: (notice: StorageNotice) => void = () => undefined,
  ) {}

  get enabled(): boolean {
    return this.store !== null;
  }

  read<T>(key: string): Promise<T | undefined> {
    return this.store ? this.store.get<T>(key) : Promise.resolve(undefined);
  }

  /** Resolves when every write so far is done (tests, and reads after writes). */
  flushed(): Promise<void> {
    return this.queue;
  }

  /**
   * Brings saved work of an older layout up to SCHEMA_VERSION before it is
   * read, and refuses work saved by a newer version (which would be misread)
   * with a UserError; from then on nothing is saved over it. Returns notes on
   * what could not be brought up to date.
   */
  async open(): Promise<string[]> {
    const store = this.store;
    if (!store) return [];
    const version = (await store.get<number>(SCHEMA_KEY)) ?? ((await store.get('model')) === undefined ? SCHEMA_VERSION : 1);
    if (version > SCHEMA_VERSION) {
      this.refused = `The saved work is from a newer version of GFR Studio (layout ${version}; this one reads up to ${SCHEMA_VERSION}), so it is left as it is and nothing of this visit is saved. Open the newer version, or use "Forget saved work" to start afresh here.`;
      throw new UserError(this.refused);
    }
    if (version === SCHEMA_VERSION) return [];
    const { changes, notes } = await migrateFromVersion1(store);
    await store.write({ ...changes, set: [...(changes.set ?? []), [SCHEMA_KEY, SCHEMA_VERSION]] });
    return notes;
  }

  model(model: SavedModel): void {
    this.write('the model you loaded', async (store) => ({
      delete: await this.workKeys(store),
      set: [[SCHEMA_KEY, SCHEMA_VERSION], ['model', model]],
    }), () => this.forgetSearchRecord());
  }

  data(data: SavedData): void {
    this.write('the data you loaded', async (store) => ({
      delete: await this.workKeys(store),
      set: [[SCHEMA_KEY, SCHEMA_VERSION], ['data', data]],
    }), () => this.forgetSearchRecord());
  }

  /**
   * The user's own validation images, or none (back to the split): the images that judge changed, and the training
   * images with them (all of the data, or all but the held-out part), so the training and search made before go.
   */
  validation(files: DroppedFile[] | null): void {
    this.write(files ? 'your validation images' : 'removing your validation images', async (store) => ({
      delete: [...(await this.workKeys(store)), ...(files ? [] : ['validation'])],
      set: files ? [['validation', { kind: 'files', files } satisfies SavedValidation]] : [],
    }), () => this.forgetSearchRecord());
  }

  /** How pixels become model inputs: the images changed, so the training and search made from them go. */
  preprocessing(scaling: InputScaling): void {
    this.write('the preprocessing', async (store) => ({
      delete: await this.workKeys(store),
      set: [['preprocessing', scaling]],
    }), () => this.forgetSearchRecord());
  }

  /** A finished training replaces the previous one, its search and its checkpoint. */
  training(training: SavedTraining): void {
    this.pendingCheckpoint = null;
    this.write('the trained model', async (store) => ({
      delete: ['checkpoint', ...(await this.searchKeys(store))],
      set: [['training', training]],
    }), () => this.forgetSearchRecord());
  }

  /** Where a running training stands; only the latest of several waiting ones is written. */
  checkpoint(saved: SavedCheckpoint): void {
    const waiting = this.pendingCheckpoint !== null;
    this.pendingCheckpoint = saved;
    if (waiting) return;
    let step = saved.checkpoint.step;
    this.write(() => `the training checkpoint at step ${step}`, async () => {
      const latest = this.pendingCheckpoint;
      this.pendingCheckpoint = null;
      if (!latest) return {};
      step = latest.checkpoint.step;
      return { set: [['checkpoint', latest]] };
    }, undefined, (what) => this.onNotice({ kind: 'saved', what, step }));
  }

  /** A training that ended without finishing (cancelled, or failed) leaves nothing to resume. */
  forgetCheckpoint(): void {
    this.pendingCheckpoint = null;
    this.write('forgetting the interrupted training', async () => ({ delete: ['checkpoint'] }));
  }

  searchStarted(settings: SearchSettings, planned: number, reference: Reference): void {
    const search: SavedSearch = { settings, reference, planned, candidates: [], elapsedMs: 0, done: false, saved: [] };
    this.write('the search', async (store) => ({ delete: await this.searchKeys(store), set: [['search', search]] }), () => {
      this.forgetSearchRecord();
      this.search = search;
    });
  }

  /** A measured candidate, with the search's progress and its reference (the trained model may have become it). */
  candidate(candidate: Candidate, spec: ModelSpec, progress: { elapsedMs: number; done: boolean; reference: Reference }): void {
    let bytes = 0;
    let next: SavedSearch | null = null;
    this.write(`candidate #${candidate.index}`, async () => {
      const search = this.search;
      if (!search) throw new Error('its search was not saved');
      bytes = countSpecParams(spec) * 4;
      const keep = this.savedBytes + bytes <= MAX_SAVED_CANDIDATE_BYTES;
      next = { ...search, ...progress, candidates: [...search.candidates, candidate], saved: keep ? [...search.saved, candidate.index] : search.saved };
      if (!keep) bytes = 0;
      return { set: [['search', next], ...(keep ? [[candidateKey(candidate.index), spec] as [string, unknown]] : [])] };
    }, () => {
      if (!next) return;
      this.search = next;
      this.savedBytes += bytes;
    });
  }

  searchProgress(progress: { elapsedMs: number; done: boolean; gridStop?: GridStop | null }): void {
    let next: SavedSearch | null = null;
    this.write('the search', async () => {
      if (!this.search) throw new Error('its start was not saved');
      next = { ...this.search, ...progress };
      return { set: [['search', next]] };
    }, () => {
      if (next) this.search = next;
    });
  }

  /** Drops the saved search and its candidate models (one that can no longer be restored). */
  forgetSearch(): void {
    this.write('forgetting the search', async (store) => ({ delete: await this.searchKeys(store) }), () => this.forgetSearchRecord());
  }

  /** Removes everything saved; what is written afterwards starts a new saved state. */
  forgetAll(): Promise<void> {
    this.pendingCheckpoint = null;
    this.refused = null;
    const store = this.store;
    this.queue = this.queue.then(async () => {
      await store?.clear();
      this.forgetSearchRecord();
    });
    return this.queue;
  }

  /** After a restore: the search record to extend (it cannot be continued, but it can be replaced). */
  adopt(search: SavedSearch | null): void {
    this.search = search;
  }

  private forgetSearchRecord(): void {
    this.search = null;
    this.savedBytes = 0;
  }

  /** Everything derived from the model and the data. */
  private async workKeys(store: StateStore): Promise<string[]> {
    return ['training', 'checkpoint', ...(await this.searchKeys(store))];
  }

  private async searchKeys(store: StateStore): Promise<string[]> {
    const previous = this.search ?? (await store.get<SavedSearch>('search')) ?? null;
    return ['search', ...(previous?.saved ?? []).map(candidateKey)];
  }

  /**
   * Queues one transaction: `changes` says what to write (read when its turn
   * comes), `applied` runs once it is complete. A failure is reported with
   * `what`, and the records in memory stay as the store has them.
   */
  private write(
    what: string | (() => string),
    changes: (store: StateStore) => Promise<StateChanges>,
    applied?: () => void,
    onSaved?: (what: string) => void,
  ): void {
    const store = this.store;
    if (!store) return;
    const describe = (): string => (typeof what === 'string' ? what : what());
    this.queue = this.queue.then(async () => {
      if (this.refused) return;
      try {
        const change = await changes(store);
        if (!change.set?.length && !change.delete?.length) return;
        await store.write(change);
      } catch (error) {
        this.onNotice({ kind: 'failed', what: describe(), reason: reasonOf(error) });
        return;
      }
      applied?.();
      onSaved?.(describe());
    });
  }
}

function reasonOf(error: unknown): string {
  const name = (error as Error)?.name;
  if (name === 'QuotaExceededError') return "the browser's storage for this page is full";
  return `${name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`;
}

/**
 * Layout 1 → 2: a training without `trainedStart` gets it (its original was
 * trained if it was pretrained or the user's own); its chart points name the
 * kind of target `targetKind` (layout 1 said `measure`); a search measured
 * before the original became the reference cannot be compared, so it is dropped.
 */
export async function migrateFromVersion1(store: StateStore): Promise<{ changes: StateChanges; notes: string[] }> {
  const set: [string, unknown][] = [];
  const remove: string[] = [];
  const notes: string[] = [];
  const training = await store.get<Omit<SavedTraining, 'trainedStart'> & { trainedStart?: boolean }>('training');
  if (training) {
    const model = await store.get<SavedModel>('model');
    const trainedStart = training.trainedStart ?? (training.record.pretraining !== undefined || model?.kind !== 'builtin');
    const record = training.record.curve ? { ...training.record, curve: training.record.curve.map(targetKindOfVersion1) } : training.record;
    set.push(['training', { ...training, trainedStart, record }]);
  }
  const search = await store.get<Omit<SavedSearch, 'reference'> & { reference?: Reference }>('search');
  if (search && !search.reference) {
    remove.push('search', ...search.saved.map(candidateKey));
    if (search.candidates.length > 0) notes.push('The search of the last visit was measured before the original model became the reference; run the search again.');
  }
  return { changes: { set, delete: remove }, notes };
}

/** A layout-1 chart point: its kind of target was called `measure`. */
function targetKindOfVersion1(point: TrainPoint & { measure?: TrainPoint['targetKind'] }): TrainPoint {
  const { measure, ...rest } = point;
  return measure && !rest.targetKind ? { ...rest, targetKind: measure } : rest;
}
