/**
 * What the studio saves so that a reload loses nothing (docs/METHOD.md §8), and the
 * queue that writes it. Plain data and typed arrays only: specs, dropped
 * files, settings, summaries, candidates. Writes go one after another, in the
 * background; a failed write is reported once and never fails the call.
 */
import type { ModelSpec } from '../engine/core/types';
import { countSpecParams } from '../engine/io/modelSpec';
import type { Candidate } from '../engine/search/candidate';
import type { SearchSettings } from '../engine/search/gridSearch';
import type { Reference } from '../engine/session';
import type { TrainSummary } from '../engine/train/sparseTraining';
import type { StateStore } from './stateStore';
import type { DroppedFile, TrainingRecord, TrainPoint } from './studioTypes';

export type SavedModel = { kind: 'builtin'; name: string } | { kind: 'files'; spec: ModelSpec; source: string };
export type SavedData = { kind: 'builtin' } | { kind: 'files'; files: DroppedFile[] };

export interface SavedTraining {
  record: TrainingRecord;
  original: ModelSpec;
  /** Whether `original` is a trained model (the session's trainedStart); absent in work saved before it was kept. */
  trainedStart?: boolean;
  trained: ModelSpec;
  pretrained: { key: string; spec: ModelSpec; summary: TrainSummary; curve?: TrainPoint[] } | null;
}

export interface SavedSearch {
  settings: SearchSettings;
  /** The original's figures the candidates were compared with; absent in searches saved before the original became the reference. */
  reference?: Reference;
  planned: number;
  candidates: Candidate[];
  elapsedMs: number;
  done: boolean;
  /** Candidates whose models were saved (under `candidate:<index>`). */
  saved: number[];
}

/** Candidate models kept across a reload, in weight bytes: beyond it, candidates come back without their models. */
export const MAX_SAVED_CANDIDATE_BYTES = 64 * 1024 * 1024;

export const candidateKey = (index: number): string => `candidate:${index}`;

export class SavedWork {
  private queue: Promise<void> = Promise.resolve();
  private warned = false;
  private savedBytes = 0;
  private search: SavedSearch | null = null;

  constructor(private readonly store: StateStore | null) {}

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

  model(model: SavedModel): void {
    this.write(async (store) => {
      await this.dropWork(store);
      await store.set('model', model);
    });
  }

  data(data: SavedData): void {
    this.write(async (store) => {
      await this.dropWork(store);
      await store.set('data', data);
    });
  }

  training(training: SavedTraining): void {
    this.write(async (store) => {
      await this.dropSearch(store);
      await store.set('training', training);
    });
  }

  searchStarted(settings: SearchSettings, planned: number, reference: Reference): void {
    const search: SavedSearch = { settings, reference, planned, candidates: [], elapsedMs: 0, done: false, saved: [] };
    this.write(async (store) => {
      await this.dropSearch(store);
      this.search = search;
      await store.set('search', search);
    });
  }

  candidate(candidate: Candidate, spec: ModelSpec, progress: { elapsedMs: number; done: boolean }): void {
    this.write(async (store) => {
      const search = this.search;
      if (!search) return;
      const bytes = countSpecParams(spec) * 4;
      if (this.savedBytes + bytes <= MAX_SAVED_CANDIDATE_BYTES) {
        await store.set(candidateKey(candidate.index), spec);
        this.savedBytes += bytes;
        search.saved.push(candidate.index);
      }
      search.candidates.push(candidate);
      Object.assign(search, progress);
      await store.set('search', search);
    });
  }

  searchProgress(progress: { elapsedMs: number; done: boolean }): void {
    this.write(async (store) => {
      if (!this.search) return;
      Object.assign(this.search, progress);
      await store.set('search', this.search);
    });
  }

  /** Drops the saved search and its candidate models (one that can no longer be restored). */
  forgetSearch(): void {
    this.write((store) => this.dropSearch(store));
  }

  /** After a restore: the search record to extend (it cannot be continued, but it can be replaced). */
  adopt(search: SavedSearch | null): void {
    this.search = search;
  }

  private async dropWork(store: StateStore): Promise<void> {
    await this.dropSearch(store);
    await store.delete(['training']);
  }

  private async dropSearch(store: StateStore): Promise<void> {
    const previous = this.search ?? (await store.get<SavedSearch>('search')) ?? null;
    await store.delete(['search', ...(previous?.saved ?? []).map(candidateKey)]);
    this.search = null;
    this.savedBytes = 0;
  }

  private write(step: (store: StateStore) => Promise<void>): void {
    const store = this.store;
    if (!store) return;
    this.queue = this.queue.then(() => step(store)).catch((error: unknown) => {
      if (this.warned) return;
      this.warned = true;
      console.warn(`GFR Studio could not save its work for the next visit: ${(error as Error)?.message ?? error}`);
    });
  }
}
