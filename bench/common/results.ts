/** Result files: one per run under bench/results/, and latest.json that the report is generated from. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OnnxImportResult } from '../onnxImport/onnxImport';
import type { QualityResults, QualityRow, TrainedStartRow } from '../quality/types';
import type { SpeedResults } from '../speed/types';
import type { Environment } from './environment';

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));
export const LATEST_FILE = join(RESULTS_DIR, 'latest.json');

export interface RunFile {
  kind: 'quality' | 'speed' | 'onnx-import';
  mode: 'quick' | 'full' | 'gpu';
  date: string;
  environment: Environment;
  /** 1-minute load average at the start and the end of the run (the machine may be shared). */
  load: { start: number; end: number };
  result: QualityResults | SpeedResults | OnnxImportResult;
}

export interface Latest {
  updated: string;
  environment: Environment;
  /** Every candidate of every main search of the short protocol: the figures of its quality tables. */
  quality: QualityRow[];
  qualityRun: (QualityResults & { date: string; load: RunFile['load'] }) | null;
  /** Every candidate of the trained protocol (issue 10); absent in older files. */
  trainedStartRows?: TrainedStartRow[];
  trainedRun?: (QualityResults & { date: string; load: RunFile['load'] }) | null;
  /** realNetworkRun: when the real network was measured by a run of its own (`--real`), and its load. */
  speed: (SpeedResults & { date: string; load: RunFile['load']; realNetworkRun?: { date: string; load: RunFile['load'] } }) | null;
}

const isTrainedRun = (run: RunFile): boolean => run.kind === 'quality' && (run.result as QualityResults).protocol === 'trained';

/** Writes bench/results/<date>-<kind>[-trained]-<mode>.json and returns its path. */
export function writeRunFile(run: RunFile, dir = RESULTS_DIR): string {
  mkdirSync(dir, { recursive: true });
  const stamp = run.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const path = join(dir, `${stamp}-${run.kind}${isTrainedRun(run) ? '-trained' : ''}-${run.mode}.json`);
  writeFileSync(path, `${JSON.stringify(run, null, 1)}\n`);
  return path;
}

/** Writes bench/results/experiments/<name>.json (an experiment's run, apart from the reported ones) and returns its path. */
export function writeExperimentFile(name: string, run: RunFile & { experiment: Record<string, string | undefined> }, dir = join(RESULTS_DIR, 'experiments')): string {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`An experiment name may hold letters, digits, '.', '-' and '_' only; got '${name}'.`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(run, null, 1)}\n`);
  return path;
}

export function readLatest(path = LATEST_FILE): Latest | null {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Latest) : null;
}

/** Replaces the part of latest.json that this run measured, keeping the other. */
export function updateLatest(run: RunFile, path = LATEST_FILE): Latest {
  const previous = readLatest(path);
  const latest: Latest = {
    updated: run.date,
    environment: run.environment,
    quality: previous?.quality ?? [],
    qualityRun: previous?.qualityRun ?? null,
    trainedStartRows: previous?.trainedStartRows ?? [],
    trainedRun: previous?.trainedRun ?? null,
    speed: previous?.speed ?? null,
  };
  if (isTrainedRun(run)) {
    const result = run.result as QualityResults;
    // A run of some tasks (--tasks) replaces those; the other tasks of an earlier run in the same mode stay, dated.
    const earlier = previous?.trainedRun?.mode === result.mode ? previous.trainedRun : null;
    const measured = new Set(result.tasks.map((task) => task.task.name));
    const kept = (earlier?.tasks ?? []).filter((task) => !measured.has(task.task.name)).map((task) => ({ ...task, date: task.date ?? earlier!.date }));
    const keptNames = new Set(kept.map((task) => task.task.name));
    const order = [...(earlier?.tasks ?? []).map((task) => task.task.name), ...result.tasks.map((task) => task.task.name)];
    const tasks = [...kept, ...result.tasks].sort((a, b) => order.indexOf(a.task.name) - order.indexOf(b.task.name));
    latest.trainedStartRows = [
      ...(earlier ? (previous?.trainedStartRows ?? []).filter((row) => keptNames.has(row.task)) : []),
      ...(result.trainedStartRows ?? []),
    ].sort((a, b) => order.indexOf(a.task) - order.indexOf(b.task));
    latest.trainedRun = { ...result, tasks, date: run.date, load: run.load };
  } else if (run.kind === 'quality') {
    const result = run.result as QualityResults;
    latest.quality = result.rows;
    latest.qualityRun = { ...result, date: run.date, load: run.load };
  } else if ((run.result as SpeedResults).scope === 'real-network' && previous?.speed) {
    // Only the real network was measured: the other speed figures stay, with their date.
    const { realNetwork, realNetworkSkipped } = run.result as SpeedResults;
    latest.speed = { ...previous.speed, realNetwork, realNetworkSkipped, realNetworkRun: { date: run.date, load: run.load } };
  } else {
    latest.speed = { ...(run.result as SpeedResults), date: run.date, load: run.load };
  }
  writeFileSync(path, `${JSON.stringify(latest, null, 1)}\n`);
  return latest;
}
