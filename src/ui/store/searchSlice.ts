/**
 * Stage 3: the grid search, pulled one candidate at a time so it can run,
 * pause (stop pulling), resume, step, or be cancelled; then selection by a
 * rule or by hand, and export of the chosen candidate.
 */
import type { Candidate, QuantizedFigures, WeightQuantization } from '../../contract/candidate';
import type { GridStop } from '../../contract/gridStop';
import { verdictFor, type SelectionRule, type Verdict } from '../../contract/select';
import type { Progress } from '../../worker/messages';
import type { ExportParams, ExportResult, ProgressDetail, Reference } from '../../worker/studioTypes';
import { mimeOf } from '../lib/download';
import { isCancelled, messageOf, type ProgressState, type Slice, type TaskState } from './common';
import { defaultGrid } from '../../contract/settings';
import { DEFAULT_RULE, DEFAULT_SEARCH_FORM, SEARCH_FIXED, toleranceOf, type RuleForm, type SearchForm } from './defaults';

export interface ExportedFile {
  name: string;
  size: number;
  url: string;
  kind: 'model' | 'report';
}

export type SearchStatus = 'idle' | 'starting' | 'running' | 'paused' | 'done' | 'cancelled' | 'error';

export interface SearchSlice {
  searchForm: SearchForm;
  rule: RuleForm;
  search: {
    state: SearchStatus;
    /** Pause was asked for; the search stops after the current candidate. */
    stopping: boolean;
    planned: number[];
    prunableChannels: number;
    candidates: Candidate[];
    /** Criterion and ranking the search ranks channels by. */
    criterion: string | null;
    ranking: string | null;
    /** Candidate the rule selects, and the one the user picked (which wins). */
    autoSelected: number | null;
    picked: number | null;
    /** The original model's figures, which every candidate is compared with (known once the search starts). */
    reference: Reference | null;
    /** The worker's verdict on the rule's choice. */
    verdict: Verdict | null;
    progress: ProgressState | null;
    /** Time spent measuring candidates, ms. */
    elapsedMs: number;
    /** Candidates whose models can be exported; null: all (a restored search may have lost some). */
    exportable: number[] | null;
    /** Where the grid stopped because accuracy had collapsed (docs/METHOD.md §5.1); null when it did not. */
    gridStop: GridStop | null;
    /** Whether `measureRest` can continue that grid (not after a reload: the worker has no iterator left). */
    restAvailable: boolean;
    error: string | null;
  };
  /** The chosen candidate's files (or the original's, as ONNX), as object URLs the user saves with a click. */
  exported: {
    state: TaskState;
    candidate: number | 'original' | null;
    format: ExportFormat;
    quantization: WeightQuantization | null;
    /** The candidate's accuracy and weights.bin size with the quantized kernels, measured before the download. */
    quantized: QuantizedFigures | null;
    files: ExportedFile[];
    error: string | null;
  };
  setSearchForm: (patch: Partial<SearchForm>) => void;
  /** Runs until the end, or until paused / cancelled. */
  runSearch: () => Promise<void>;
  /** Measures one more candidate. */
  stepSearch: () => Promise<void>;
  /** After the grid stopped where accuracy collapsed: measures the ratios it left. */
  measureRest: () => Promise<void>;
  pauseSearch: () => void;
  cancelSearch: () => void;
  /** Discards the search so that a new one (other settings) can start. */
  resetSearch: () => void;
  pickCandidate: (index: number | null) => void;
  setRule: (rule: RuleForm) => Promise<void>;
  exportCandidate: (format: ExportFormat, quantization?: WeightQuantization) => Promise<void>;
  /** The original model, unpruned, as ONNX. */
  exportOriginalOnnx: () => Promise<void>;
}

/**
 * What follows the number of candidates measured: the grid planned while it runs, then the grid and the
 * refining pass apart, so that the count never reads "22 of 19" once the refining pass adds its candidates.
 */
export function candidateCountText({ state, planned, candidates }: Pick<SearchSlice['search'], 'state' | 'planned' | 'candidates'>): string {
  const refined = candidates.filter((candidate) => candidate.stage === 'refine').length;
  const grid = candidates.length - refined;
  if (refined > 0) return `candidates: ${grid} on the grid, ${refined} refining${state === 'done' ? '' : ' so far'}`;
  if (state === 'done' || grid >= planned.length) return candidates.length === 1 ? 'candidate' : 'candidates';
  return `of ${planned.length} grid candidates`;
}

export type ExportFormat = ExportParams['format'];

type ExportTarget = Pick<SearchSlice['exported'], 'candidate' | 'format' | 'quantization'>;

export const emptySearch = (): SearchSlice['search'] => ({
  state: 'idle',
  stopping: false,
  planned: [],
  prunableChannels: 0,
  candidates: [],
  criterion: null,
  ranking: null,
  autoSelected: null,
  picked: null,
  reference: null,
  verdict: null,
  progress: null,
  elapsedMs: 0,
  exportable: null,
  gridStop: null,
  restAvailable: false,
  error: null,
});

export function selectedIndex(search: SearchSlice['search']): number | null {
  return search.picked ?? search.autoSelected;
}

/**
 * How the shown candidate stands against the original: the worker's verdict on
 * the rule's choice, the same judgement made here on a candidate picked by hand.
 * null before any candidate, and under a budget that nothing meets.
 */
export function verdictOf(search: SearchSlice['search'], rule: RuleForm): Verdict | null {
  if (!search.reference || search.candidates.length === 0) return null;
  if (search.picked === null) return rule.kind === 'budget' && search.autoSelected === null ? null : search.verdict;
  return verdictFor(search.candidates.find((c) => c.index === search.picked), search.reference, toleranceOf(rule));
}

function ruleFor(form: RuleForm): SelectionRule {
  return form.kind === 'tolerance'
    ? { kind: 'tolerance', tolerance: form.tolerance, by: form.by }
    : { kind: 'budget', metric: form.metric, max: form.max };
}

export const createSearchSlice: Slice<SearchSlice> = (deps) => (set, get) => {
  let controller: AbortController | null = null;
  let generation = 0;

  const patch = (p: Partial<SearchSlice['search']>): void => set((s) => ({ search: { ...s.search, ...p } }));

  const addCandidates = (incoming: Candidate[]): void =>
    set((s) => {
      const known = new Set(s.search.candidates.map((c) => c.index));
      const fresh = incoming.filter((c) => !known.has(c.index));
      if (!fresh.length) return {};
      return { search: { ...s.search, candidates: [...s.search.candidates, ...fresh].sort((a, b) => a.index - b.index) } };
    });

  const reselect = async (): Promise<void> => {
    const mine = generation;
    if (get().search.candidates.length === 0) return;
    try {
      const { candidate, reference, verdict } = await deps.engine.call('select', ruleFor(get().rule));
      if (mine === generation) patch({ autoSelected: candidate, reference, verdict });
    } catch (err) {
      if (mine === generation) patch({ error: messageOf(err) });
    }
  };

  /** Starts the search on first use; false when it could not start. */
  const ensureStarted = async (): Promise<boolean> => {
    const state = get().search.state;
    if (state === 'paused') return true;
    if (state !== 'idle' && state !== 'cancelled' && state !== 'error' && state !== 'done') return false;
    const mine = ++generation;
    const form = get().searchForm;
    const { criterion, ranking } = get().scores;
    revoke(get().exported.files);
    set({ search: { ...emptySearch(), state: 'starting', criterion, ranking }, exported: emptyExport() });
    try {
      const started = await deps.engine.call('searchStart', {
        ...SEARCH_FIXED,
        criterion,
        ranking,
        ratios: defaultGrid(form.gridStep, form.gridMax),
        refineSteps: form.refineSteps,
        minKeepFraction: form.minKeepFraction,
        roundTo: form.roundTo,
        compensate: form.compensate,
        recalibrationBatches: form.recalibrationBatches,
        latencyRuns: form.latencyRuns,
        fullGrid: form.fullGrid,
        tolerance: toleranceOf(get().rule),
      });
      if (mine !== generation) return false;
      patch({ state: 'paused', planned: started.plannedRatios, prunableChannels: started.prunableChannels, reference: started.reference });
      return true;
    } catch (err) {
      if (mine === generation) patch({ state: 'error', error: messageOf(err) });
      return false;
    }
  };

  const pull = async (all: boolean): Promise<void> => {
    if (!(await ensureStarted())) return;
    const mine = generation;
    controller = new AbortController();
    const { signal } = controller;
    patch({ state: 'running', stopping: false, error: null });
    try {
      for (;;) {
        const startedAt = performance.now();
        const onProgress = (p: Progress): void => {
          const detail = p.detail as ProgressDetail | undefined;
          if (detail?.kind === 'candidate') addCandidates([detail.candidate]);
          patch({ progress: { done: p.done, total: p.total, label: p.label ?? '', startedAt } });
        };
        const result = await deps.engine.call('searchNext', { count: 1 }, { signal, onProgress });
        if (mine !== generation) return;
        addCandidates(result.candidates);
        patch({ elapsedMs: get().search.elapsedMs + (performance.now() - startedAt), progress: null, gridStop: result.gridStop ?? null, restAvailable: Boolean(result.gridStop) });
        await reselect();
        if (result.done) {
          patch({ state: 'done', stopping: false });
          return;
        }
        if (!all || get().search.stopping) break;
      }
      patch({ state: 'paused', stopping: false });
    } catch (err) {
      if (mine !== generation) return;
      patch(isCancelled(err) ? { state: 'cancelled', stopping: false, progress: null } : { state: 'error', stopping: false, progress: null, error: messageOf(err) });
    } finally {
      controller = null;
    }
  };

  /** Runs an export call and turns its files into object URLs. */
  const exportWith = async (target: ExportTarget, call: () => Promise<ExportResult & { quantized: QuantizedFigures | null }>): Promise<void> => {
    revoke(get().exported.files);
    set({ exported: { ...target, state: 'running', quantized: null, files: [], error: null } });
    try {
      const { files, quantized } = await call();
      const exported = files.map((f): ExportedFile => ({
        name: f.name,
        size: f.bytes.byteLength,
        url: URL.createObjectURL(new Blob([f.bytes], { type: mimeOf(f.name) })),
        kind: /^report\./.test(f.name) ? 'report' : 'model',
      }));
      set({ exported: { ...target, state: 'done', quantized, files: exported, error: null } });
    } catch (err) {
      set({ exported: { ...target, state: 'error', quantized: null, files: [], error: messageOf(err) } });
    }
  };

  return {
    searchForm: DEFAULT_SEARCH_FORM,
    rule: DEFAULT_RULE,
    search: emptySearch(),
    exported: emptyExport(),

    setSearchForm: (p) => set((s) => ({ searchForm: { ...s.searchForm, ...p } })),
    runSearch: () => pull(true),
    measureRest: async () => {
      const { state, gridStop, restAvailable } = get().search;
      if (state !== 'done' || !gridStop || !restAvailable) return;
      const mine = generation;
      try {
        const { plannedRatios } = await deps.engine.call('searchRest', {});
        if (mine !== generation) return;
        patch({ state: 'paused', planned: plannedRatios, gridStop: null, restAvailable: false, error: null });
      } catch (err) {
        if (mine === generation) patch({ error: messageOf(err) });
        return;
      }
      await pull(true);
    },
    stepSearch: () => pull(false),
    pauseSearch: () => {
      if (get().search.state === 'running') patch({ stopping: true });
    },
    cancelSearch: () => controller?.abort(),
    resetSearch: () => {
      generation++;
      controller?.abort();
      revoke(get().exported.files);
      set({ search: emptySearch(), exported: emptyExport() });
    },
    // Picking the rule's own choice is no pick: the page keeps following the rule.
    pickCandidate: (index) => patch({ picked: index === get().search.autoSelected ? null : index }),
    setRule: async (rule) => {
      set((s) => ({ rule, search: { ...s.search, picked: null } }));
      await reselect();
    },

    exportCandidate: async (format, quantization) => {
      const index = selectedIndex(get().search);
      if (index === null) return;
      await exportWith({ candidate: index, format, quantization: quantization ?? null }, async () => {
        const quantized = quantization ? await deps.engine.call('measureQuantized', { candidate: index, quantization }) : null;
        return { quantized, ...(await deps.engine.call('exportCandidate', { candidate: index, format, quantization })) };
      });
    },
    exportOriginalOnnx: () => exportWith({ candidate: 'original', format: 'onnx', quantization: null }, async () => ({
      quantized: null, ...(await deps.engine.call('exportOriginalOnnx', {})),
    })),
  };
};

/**
 * Whether the files prepared last are the ones the form now asks for: the shown candidate (or the original), in the
 * chosen format and precision. Links of another format or candidate are not offered as this one's.
 */
export function exportMatches(exported: SearchSlice['exported'], candidate: number, format: ExportFormat, quantization: WeightQuantization | undefined): boolean {
  if (exported.state !== 'done' || exported.format !== format) return false;
  if (exported.candidate === 'original') return format === 'onnx';
  return exported.candidate === candidate && (exported.quantization ?? undefined) === quantization;
}

export function emptyExport(): SearchSlice['exported'] {
  return { state: 'idle', candidate: null, format: 'files', quantization: null, quantized: null, files: [], error: null };
}

function revoke(files: ExportedFile[]): void {
  for (const file of files) URL.revokeObjectURL(file.url);
}
