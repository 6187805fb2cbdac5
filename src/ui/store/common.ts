/** What every slice shares: the engine it calls, and how errors become messages. */
import type { StateCreator } from 'zustand';

import type { WorkerBridge } from '../../worker/bridge';
import type { StudioState } from './store';

/** The part of the bridge the store uses (tests can hand it a fake). */
export type EngineClient = Pick<WorkerBridge, 'call'>;

export interface StoreDeps {
  engine: EngineClient;
  requestedBackend: string | null;
  /** The `?threads=` value of the page address, passed to the worker as is. */
  requestedThreads?: string | null;
  /** Starts a new engine worker after one died; false (or absent) where that is not possible. */
  restartEngine?: () => boolean;
}

export type Slice<T> = (deps: StoreDeps) => StateCreator<StudioState, [], [], T>;

export type TaskState = 'idle' | 'running' | 'done' | 'error';

export interface ProgressState {
  done: number;
  total: number;
  label: string;
  startedAt: number;
}

export function isCancelled(err: unknown): boolean {
  return err instanceof Error && err.name === 'CancelledError';
}

/**
 * A message for the page. UserError messages say what to do and are shown
 * as they are; anything else is a bug or a broken browser feature, said so.
 */
export function messageOf(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'UserError') return err.message;
    return `Unexpected error (${err.name}): ${err.message}`;
  }
  return String(err);
}
