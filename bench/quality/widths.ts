/**
 * Hardware-friendly widths in the trained protocol (issue 21): the default run's search again with each layer's kept
 * channels rounded to a multiple (SearchSettings.roundTo), from the same sparse-trained model, with its selection,
 * verdict and unseen check (the job's side); then, once every job is done and one model at a time, each selected
 * model's paired speed-up against the unpruned start at batch 1 and 32 on wasm, beside the FLOPs ratio it should
 * approach (the parent's side).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CriterionName } from '../../src/contract/criteria';
import type { ModelSpec } from '../../src/engine/core/types';
import { measureSpeedup, type SpeedupOptions } from '../../src/engine/eval/latency';
import { analyzeModel } from '../../src/engine/graph/analyze';
import { modelFromSpec } from '../../src/engine/io/modelSpec';
import { readSpec, writeSpec } from './specFile';
import type { CriterionResult, SelectedFigure, TaskResult, UnseenCheck, WidthLatency, WidthRun } from './types';

/** The criteria whose default run is searched again with rounded widths: the studio's default. */
export const WIDTH_CRITERIA: readonly CriterionName[] = ['gfr'];
/** The multiples the trained protocol compares by default (1: not rounded); `--round-to` names others. */
export const DEFAULT_ROUNDINGS: readonly number[] = [1, 8];
/** The target: at batch 32 on wasm, the selected model's speed-up is at least 0.8× its FLOPs ratio. */
export const WIDTH_TARGET = { batchSize: 32, share: 0.8 } as const;
/** Batch sizes of the latency comparison: one image, and the target's batch. */
export const WIDTH_BATCH_SIZES: readonly number[] = [1, WIDTH_TARGET.batchSize];

/** What the job asks for: the multiples to compare, and where the selected models go for the parent to time. */
export interface WidthsRequest {
  roundings: number[];
  dir: string;
}

/** One search's choice, as the criterion job makes it for the main search. */
export interface WidthSelection {
  figure: SelectedFigure | null;
  verdict: CriterionResult['verdict'];
  unseen: UnseenCheck | null;
  spec: ModelSpec | null;
  candidates: number;
  elapsedMs: number;
}

/** The selection of each multiple asked for (`select` searches with it, or reuses the main search's), its model saved. */
export async function widthRuns(request: WidthsRequest, select: (roundTo: number) => Promise<WidthSelection>): Promise<WidthRun[]> {
  const runs: WidthRun[] = [];
  for (const roundTo of request.roundings) {
    const { figure, verdict, unseen, spec, candidates, elapsedMs } = await select(roundTo);
    const specDir = spec ? join(request.dir, `round-${roundTo}`) : undefined;
    if (spec && specDir) writeSpec(specDir, spec);
    const keptChannels = spec ? analyzeModel(spec).groups.filter((group) => group.prunable).map((group) => group.size) : [];
    runs.push({ roundTo, selected: figure, verdict, unseen, keptChannels, candidates, elapsedMs, ...(specDir ? { specDir } : {}) });
  }
  return runs;
}

export interface WidthLatencyOptions extends Pick<SpeedupOptions, 'budgetMs' | 'minPairs' | 'halfWidth'> {
  batchSizes?: readonly number[];
}

/**
 * Each selected model of the task's width runs timed in turn with the unpruned start (measureSpeedup), at each
 * batch size, one model at a time; the saved models are removed once timed.
 */
export async function measureWidthLatency(result: TaskResult, start: ModelSpec, options: WidthLatencyOptions, log: (line: string) => void): Promise<void> {
  const { batchSizes = WIDTH_BATCH_SIZES, ...timing } = options;
  const reference = await modelFromSpec(start);
  const input = reference.inputs[0].shape.slice(1) as [number, number, number];
  try {
    for (const criterion of result.criteria) {
      for (const run of criterion.widths ?? []) {
        if (!run.specDir) continue;
        const model = await modelFromSpec(readSpec(run.specDir));
        try {
          run.latency = [];
          for (const batchSize of batchSizes) {
            const { speedup, interval, pairs, msModel, msReference, settled } = await measureSpeedup(model, reference, input, { ...timing, batchSize });
            const latency: WidthLatency = { batchSize, speedup, interval, pairs, msModel, msReference, settled };
            run.latency.push(latency);
            const flopsRatio = run.selected ? 1 / (1 - run.selected.flopsRemoved) : NaN;
            log(`${result.task.name} ${criterion.criterion}, kept channels rounded to ${run.roundTo}: batch ${batchSize} ${speedup.toFixed(2)}× (${interval[0].toFixed(2)}–${interval[1].toFixed(2)}, ${pairs} pairs) against a FLOPs ratio of ${flopsRatio.toFixed(2)}`);
          }
        } finally {
          model.dispose();
        }
        rmSync(run.specDir, { recursive: true, force: true });
        delete run.specDir;
      }
    }
  } finally {
    reference.dispose();
  }
}
