/**
 * One quality job in a child process: `node --import tsx bench/quality/job.ts JOB.json`.
 * Reads the job, runs it with the engine on a Node backend, writes its result file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useNodeBackend, type NodeBackendName } from '../../src/engine/backend/node';
import type { CriterionName } from '../../src/contract/criteria';
import type { TrainSettings } from '../../src/contract/settings';
import { loadTaskData, readTaskModel, type TaskData } from './data';
import { criterionJob, pretrainJob, type Log } from './pipeline';
import { readSpec, writeSpec } from './specFile';
import { isModelFile, type ExtraRun, type QualityTask } from './tasks';
import type { CriterionResult, PretrainResult } from './types';
import type { WidthsRequest } from './widths';

export interface JobFile {
  kind: 'pretrain' | 'criterion';
  task: QualityTask;
  criterion?: CriterionName;
  /** Where the pretrain job writes the trained start and criterion jobs read it (a task's model file is read in place instead). */
  specDir: string;
  outFile: string;
  backend: NodeBackendName;
  /** Training settings over the engine's defaults for the sparse run. */
  trainOverrides?: Partial<TrainSettings>;
  /** An extra run's label and own settings (over trainOverrides). */
  extra?: ExtraRun;
  /** The default run searched again with kept channels rounded, its selected models saved (widths.ts). */
  widths?: WidthsRequest;
}

export type DataInfo = { source: string; train: number; validation: number; substitute?: string };
export type PretrainOutput = { result: PretrainResult; data: DataInfo };

export function dataInfo(data: TaskData): DataInfo {
  return { source: data.source, train: data.train.count, validation: data.validation.count, ...(data.substitute ? { substitute: data.substitute } : {}) };
}

/** Runs a job in this process; `data` may be given when the caller already loaded it. */
export async function runJob(job: JobFile, log: Log, data?: TaskData): Promise<PretrainOutput | CriterionResult> {
  const taskData = data ?? (await loadTaskData(job.task));
  if (job.kind === 'pretrain') {
    if (taskData.substitute) log(taskData.substitute);
    const { spec, result } = await pretrainJob(job.task, taskData, log);
    // A model file is read in place by every job, never copied.
    if (!isModelFile(job.task.model)) writeSpec(job.specDir, spec);
    return { result, data: dataInfo(taskData) };
  }
  if (!job.criterion) throw new Error('A criterion job needs a criterion.');
  const start = isModelFile(job.task.model) ? await readTaskModel(job.task.model) : readSpec(job.specDir);
  if (!job.extra) return criterionJob(job.task, taskData, start, job.criterion, log, job.trainOverrides, { widths: job.widths });
  const overrides = { ...job.trainOverrides, ...job.extra.train };
  const result = await criterionJob(job.task, taskData, start, job.criterion, log, overrides, { label: job.extra.label, ablations: false });
  return { ...result, label: job.extra.label, train: job.extra.train };
}

async function main(path: string): Promise<void> {
  const job = JSON.parse(readFileSync(path, 'utf8')) as JobFile;
  await useNodeBackend(job.backend);
  const output = await runJob(job, (line) => process.stderr.write(`${line}\n`));
  writeFileSync(job.outFile, JSON.stringify(output));
}

if (process.argv[1]?.endsWith(join('quality', 'job.ts'))) {
  main(process.argv[2]).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
