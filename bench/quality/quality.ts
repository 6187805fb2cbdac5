/**
 * `npm run bench -- quality`: every task, from one normally trained start per
 * task, every criterion; jobs run in child processes, one per core, or in this
 * process (tests, --serial). The protocol (tasks.ts) sets how long the start
 * and the criteria train.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { useNodeBackend, type NodeBackendName } from '../../src/engine/backend/node';
import { CRITERION_NAMES, type CriterionName } from '../../src/contract/criteria';
import { DEFAULT_SEARCH_SETTINGS, TRAINED_START_LEARNING_RATE, type TrainSettings } from '../../src/contract/settings';
import { runTsChild, Slots } from '../common/pool';
import { loadTaskData, readTaskModel, realFilesProblem, SPLIT_SEED } from './data';
import { readSpec } from './specFile';
import { DEFAULT_ROUNDINGS, measureWidthLatency } from './widths';
import { runJob, type JobFile, type PretrainOutput } from './job';
import { searchSettingsFor, TOLERANCE, trainSettingsFor, type Log } from './pipeline';
import { FULL_TASKS, isModelFile, protocolProblem, protocolTask, QUICK_TASKS, type ExtraRun, type Protocol, type QualityTask } from './tasks';
import type { CriterionResult, QualityResults, QualityRow, SkippedTask, TaskResult, TrainedStartRow } from './types';
import { baselineOf } from '../../src/contract/candidate';

/** Where the `trained` protocol keeps its starts between runs: outside the repository, never committed. */
export const DEFAULT_STARTS_DIR = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'gfr-studio', 'starts');

export interface QualityOptions {
  mode: 'quick' | 'full';
  /** Default `short`. */
  protocol?: Protocol;
  tasks: QualityTask[];
  /** Child processes at a time; 0 runs every job in this process. */
  parallel: number;
  backend: NodeBackendName;
  /** Scratch folder for job files and trained starts. */
  workDir: string;
  /** Criteria to run (default: all, and the tasks' extra runs). */
  criteria?: CriterionName[];
  /** Training settings over the engine's defaults, for the sparse runs (experiments). */
  trainOverrides?: Partial<TrainSettings>;
  /**
   * Folder of trained starts kept between runs, reused when trained the same way:
   * `<task>-start` (short protocol; default: none kept), `<task>-trained[-quick]`
   * (trained protocol; default DEFAULT_STARTS_DIR).
   */
  startDir?: string;
  /** Tasks left out of this run and why (selectTasks), recorded in the results. */
  skipped?: SkippedTask[];
  /**
   * Multiples the default run's kept channels are rounded to, each searched from the same trained model and its
   * selection timed against the start (widths.ts); default DEFAULT_ROUNDINGS in the trained protocol, none otherwise.
   */
  roundings?: number[];
  log: Log;
}

/**
 * The tasks a run names (all by default) in `mode`, less those that cannot run in `protocol` or here
 * (a model file's task in the short protocol or in quick mode; a task whose files in ../shared/real are missing), with why.
 */
export function selectTasks(mode: QualityOptions['mode'], protocol: Protocol, names?: string[]): { tasks: QualityTask[]; skipped: SkippedTask[] } {
  const all = mode === 'quick' ? QUICK_TASKS : FULL_TASKS;
  const unknown = (names ?? []).filter((name) => !all.some((task) => task.name === name));
  if (unknown.length) throw new Error(`No task named ${unknown.join(', ')}; tasks: ${all.map((task) => task.name).join(', ')}.`);
  const tasks: QualityTask[] = [];
  const skipped: SkippedTask[] = [];
  for (const task of all.filter((candidate) => !names || names.includes(candidate.name))) {
    const reason = protocolProblem(task, protocol, mode) ?? realFilesProblem(task);
    if (reason) skipped.push({ task: task.name, reason });
    else tasks.push(task);
  }
  return { tasks, skipped };
}

export async function runQuality(options: QualityOptions): Promise<QualityResults> {
  const start = performance.now();
  const protocol = options.protocol ?? 'short';
  mkdirSync(options.workDir, { recursive: true });
  const run = options.parallel > 0 ? childRunner(options) : await inProcessRunner(options);
  const tasks = await Promise.all(options.tasks.map((task) => runTask(protocolTask(task, protocol), protocol, options, run)));
  // Timed after every job, one model at a time: no training runs beside the timing.
  for (const task of tasks) {
    if (!task.criteria.some((criterion) => criterion.widths?.length)) continue;
    await useNodeBackend(options.backend);
    const start = isModelFile(task.task.model) ? await readTaskModel(task.task.model) : readSpec(startDirOf(task.task, protocol, options));
    await measureWidthLatency(task, start, WIDTH_TIMING[options.mode], options.log);
  }
  return {
    mode: options.mode, protocol, elapsedMs: performance.now() - start, tasks, rows: qualityRows(tasks),
    ...(protocol === 'trained' ? { trainedStartRows: trainedStartRows(tasks) } : {}),
    ...(options.skipped?.length ? { skipped: options.skipped } : {}),
  };
}

type JobRunner = (job: JobFile) => Promise<unknown>;

function childRunner(options: QualityOptions): JobRunner {
  const slots = new Slots(options.parallel);
  const script = new URL('./job.ts', import.meta.url);
  return (job) => slots.run(async () => {
    const name = jobName(job);
    const file = join(options.workDir, `${name}.job.json`);
    writeFileSync(file, JSON.stringify(job));
    options.log(`start ${name}`);
    await runTsChild(script, [file], name);
    options.log(`done ${name}`);
    return JSON.parse(readFileSync(job.outFile, 'utf8'));
  });
}

async function inProcessRunner(options: QualityOptions): Promise<JobRunner> {
  await useNodeBackend(options.backend);
  // One job at a time: tfjs has one engine per process.
  const slots = new Slots(1);
  const cache = new Map<string, ReturnType<typeof loadTaskData>>();
  return (job) => slots.run(async () => {
    if (!cache.has(job.task.name)) cache.set(job.task.name, loadTaskData(job.task));
    return runJob(job, options.log, await cache.get(job.task.name));
  });
}

/** `task` as `protocol` runs it (protocolTask). */
/** Where a task's trained start is kept (a model file's task reads its file instead). */
function startDirOf(task: QualityTask, protocol: Protocol, options: QualityOptions): string {
  return protocol === 'trained'
    ? join(options.startDir ?? DEFAULT_STARTS_DIR, `${task.name}-trained${options.mode === 'quick' ? '-quick' : ''}`)
    : join(options.startDir ?? options.workDir, `${task.name}-start`);
}

/** Paired timing of each selected model against the start: quick mode only checks that it runs. */
const WIDTH_TIMING = {
  quick: { budgetMs: 500, minPairs: 6, halfWidth: 0.03 },
  full: { budgetMs: 20_000, minPairs: 10, halfWidth: 0.03 },
} as const;

async function runTask(task: QualityTask, protocol: Protocol, options: QualityOptions, run: JobRunner): Promise<TaskResult> {
  const specDir = startDirOf(task, protocol, options);
  const roundings = options.roundings ?? (protocol === 'trained' ? [...DEFAULT_ROUNDINGS] : []);
  // From a trained start, sparse training runs at the rate the CLI uses there.
  // The short protocol keeps its settings of before issue 10 (a fixed target, no teacher), so its table stays comparable.
  const protocolSettings: Partial<TrainSettings> = protocol === 'trained' ? { learningRate: TRAINED_START_LEARNING_RATE } : { targetMode: 'fixed', distillation: 0 };
  const trainOverrides: Partial<TrainSettings> = { ...protocolSettings, ...options.trainOverrides };
  const job = (kind: JobFile['kind'], criterion?: CriterionName, extra?: ExtraRun): JobFile => ({
    kind, task, criterion, specDir, backend: options.backend, trainOverrides, extra,
    outFile: join(options.workDir, `${jobName({ task, kind, criterion, extra })}.out.json`),
    ...(roundings.length && !extra ? { widths: { roundings, dir: join(options.workDir, `${jobName({ task, kind, criterion, extra })}-selected`) } } : {}),
  });
  const startJob = () => run(job('pretrain')) as Promise<PretrainOutput>;
  // A model file is the start as it is: loaded and measured on every run, nothing kept.
  const pretrain = isModelFile(task.model) ? await startJob() : await trainedStart(specDir, startRecipe(task), startJob, options.log);
  const criteria = options.criteria ?? CRITERION_NAMES;
  // An experiment that names its criteria runs just those, at its own settings.
  const extras = options.criteria ? [] : task.extraRuns;
  const results = (await Promise.all([
    ...criteria.map((criterion) => run(job('criterion', criterion))),
    ...extras.map((extra) => run(job('criterion', extra.criterion, extra))),
  ])) as CriterionResult[];
  const { criterion: _criterion, compensate: _c, recalibrate: _r, ranking: _k, ...search } = searchSettingsFor(task, 'gfr');
  return {
    task,
    data: pretrain.data,
    settings: { train: trainSettingsFor(task, task.sparseEpochs, trainOverrides), search: { ...search, minKeepFraction: DEFAULT_SEARCH_SETTINGS.minKeepFraction }, tolerance: TOLERANCE },
    pretrain: pretrain.result,
    criteria: results,
  };
}

/** `<task>-<pretrain | criterion | extra run's label>`, safe as a file name. */
function jobName({ task, kind, criterion, extra }: Pick<JobFile, 'task' | 'kind' | 'criterion' | 'extra'>): string {
  const label = kind === 'pretrain' ? 'pretrain' : (extra?.label ?? criterion ?? kind);
  return `${task.name}-${label.replace(/[^\w.-]+/g, '-')}`;
}

/** How a start is trained: a kept start is reused only when it was trained the same way. */
function startRecipe(task: QualityTask): Record<string, string | number | null> {
  const { model, data, trainCount, valCount, pretrainEpochs, batchSize, maxSteps } = task;
  // heldOut: which of the training images the start may not learn from (the guard's images joined the calibration ones).
  return { model: isModelFile(model) ? model.path : model, data, trainCount, valCount, splitSeed: SPLIT_SEED, heldOut: 'calibration+guard', epochs: pretrainEpochs, batchSize, maxSteps: maxSteps ?? null };
}

/**
 * The pretrain job's output, kept beside the trained start (with its recipe) so
 * that a later run with the same start can reuse both. Starts kept before
 * recipes were recorded are reused as they are.
 */
async function trainedStart(specDir: string, recipe: ReturnType<typeof startRecipe>, pretrain: () => Promise<PretrainOutput>, log: Log): Promise<PretrainOutput> {
  const kept = join(specDir, 'pretrain.json');
  if (existsSync(kept)) {
    const { recipe: keptRecipe, ...output } = JSON.parse(readFileSync(kept, 'utf8')) as PretrainOutput & { recipe?: typeof recipe };
    if (!keptRecipe || JSON.stringify(keptRecipe) === JSON.stringify(recipe)) {
      log(`reusing the trained start in ${specDir}`);
      return output;
    }
    log(`the start in ${specDir} was trained otherwise (${JSON.stringify(keptRecipe)}); training it again`);
  }
  const output = await pretrain();
  writeFileSync(kept, JSON.stringify({ ...output, recipe }));
  return output;
}

export function qualityRows(tasks: TaskResult[]): QualityRow[] {
  return tasks.flatMap((task) => task.criteria.flatMap((result) => result.search.candidates.map((candidate): QualityRow => ({
    task: task.task.name,
    criterion: result.criterion,
    ...(result.label ? { label: result.label } : {}),
    ratio: candidate.ratio,
    stage: candidate.stage,
    accuracy: candidate.accuracy,
    params: candidate.params,
    flops: candidate.flops,
  }))));
}

/** Every candidate of every criterion against the start it was pruned from (the `trained` protocol's rows). */
export function trainedStartRows(tasks: TaskResult[]): TrainedStartRow[] {
  return tasks.flatMap((task) => task.criteria.flatMap((result) => {
    const baseline = baselineOf(result.search.candidates)!;
    return result.search.candidates.map((candidate): TrainedStartRow => ({
      task: task.task.name,
      criterion: result.criterion,
      flopsKept: candidate.flops / baseline.flops,
      accuracy: candidate.accuracy,
      originalAccuracy: result.original!.accuracy,
    }));
  }));
}
