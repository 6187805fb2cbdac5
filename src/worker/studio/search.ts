/**
 * The calls of steps 3 and 4: the channels' scores for the charts, the search measured candidate by candidate (and
 * the rest of a grid that stopped where accuracy collapsed), and the selection rule's choice with its verdict.
 */
import { CancelledError, throwIfAborted } from '../../engine/core/abort';
import { UserError } from '../../engine/core/errors';
import type { Candidate } from '../../contract/candidate';
import { DEFAULT_TOLERANCE, type SelectionRule } from '../../contract/select';
import type { SearchSettings } from '../../contract/settings';
import type { SearchStep } from '../../engine/search/gridSearch';
import type { CompressionSession, Reference } from '../../engine/session';
import type { CallContext } from '../callContext';
import { scoresResult } from '../scoresResult';
import type { NoParams, ScoresParams, ScoresResult, SearchNextResult, SearchRestResult, SearchStartResult, SelectResult } from '../studioTypes';
import type { Studio } from './studio';

export interface SearchState {
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

export const plannedRatiosOf = (settings: SearchSettings): number[] => [0, ...new Set(settings.ratios.filter((ratio) => ratio > 0))];

/** The reference if it has been measured, else null (never measures). */
function knownReference(session: CompressionSession): Reference | null {
  try {
    return session.requireReference();
  } catch (error) {
    if (error instanceof UserError) return null;
    throw error;
  }
}

export function scores(studio: Studio, params: ScoresParams): ScoresResult {
  const session = studio.requireSession();
  return { ...scoresResult(session.trained, session.scores(params.criterion), params), reference: knownReference(session) };
}

/** Starts a new search, discarding any previous one. */
export async function searchStart(studio: Studio, settings: SearchSettings, ctx: CallContext): Promise<SearchStartResult> {
  return studio.lock.exclusive('starting the search', ctx.signal, async () => {
    const session = studio.requireSession();
    // Scoring first gives the engine's clear error now (e.g. 'gfr' without GFR training), not at the first candidate.
    session.scores(settings.criterion);
    // Measured now (once per original), so the page can draw it before the first candidate.
    const reference = await session.reference();
    throwIfAborted(ctx.signal);
    studio.stopSearch();
    const controller = new AbortController();
    const plannedRatios = plannedRatiosOf(settings);
    studio.search = {
      iterator: session.search(settings, controller.signal),
      controller,
      settings,
      planned: plannedRatios.length,
      elapsedMs: 0,
      done: false,
      stopped: null,
      tolerance: settings.tolerance,
    };
    studio.saved.searchStarted(settings, plannedRatios.length, reference);
    return { prunableChannels: session.analysis.prunableChannels, plannedRatios, reference };
  });
}

/** Measures up to `count` more candidates; cancel stops the one being measured, and the search with it. */
export async function searchNext(studio: Studio, params: { count: number }, ctx: CallContext): Promise<SearchNextResult> {
  if (!Number.isInteger(params.count) || params.count < 1) throw new UserError(`Ask for a whole number of candidates ≥ 1, not ${params.count}.`);
  return studio.lock.exclusive('the search', ctx.signal, async () => {
    const { search, session } = studio;
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
        studio.saved.candidate(candidate, spec, { elapsedMs: search.elapsedMs + performance.now() - start, done: false, reference: session.requireReference() });
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
      studio.saved.searchProgress({ elapsedMs: search.elapsedMs, done: search.done, gridStop: session.gridStop });
    }
    return { candidates, done: search.done, gridStop: session.gridStop };
  });
}

/** After the grid stopped where accuracy collapsed, and the refining pass: plans the ratios it left, which `searchNext` then measures. */
export async function searchRest(studio: Studio, _params: NoParams, ctx: CallContext): Promise<SearchRestResult> {
  return studio.lock.exclusive('the rest of the grid', ctx.signal, async () => {
    const { search, session } = studio;
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
    studio.saved.searchProgress({ elapsedMs: search.elapsedMs, done: false, gridStop: null });
    return { plannedRatios: plannedRatiosOf(search.settings) };
  });
}

/** The rule's choice, with the original's figures and the verdict (tolerance: the rule's, else DEFAULT_TOLERANCE). */
export function select(studio: Studio, rule: SelectionRule): SelectResult {
  const session = studio.requireCandidates();
  const selected = session.select(rule);
  const tolerance = rule.kind === 'tolerance' ? rule.tolerance : DEFAULT_TOLERANCE;
  studio.search!.tolerance = tolerance;
  return { candidate: selected?.index ?? null, reference: session.requireReference(), verdict: session.verdict(selected, tolerance) };
}
