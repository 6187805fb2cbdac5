/**
 * One candidate of the grid search: a plan applied to the folded model,
 * recalibrated, then measured on held-out data (SPEC §2 Step 4, §6).
 */
import { throwIfAborted } from '../core/abort';
import type { ImageDataset, ModelSpec } from '../core/types';
import { evaluate } from '../eval/evaluate';
import { measureLatency } from '../eval/latency';
import { analyzeModel, type ModelAnalysis } from '../graph/analyze';
import { countSpecParams, modelFromSpec, specFromModel } from '../io/modelSpec';
import { applyPlan } from '../prune/applyPlan';
import { countKept, type PrunePlan } from '../prune/plan';
import { recalibrateBatchNorm, type RecalibrationOptions } from './recalibrate';

export interface CandidateFigures {
  /** Top-1 accuracy on the validation data, 0..1. */
  accuracy: number;
  loss: number;
  params: number;
  /** Multiply–accumulates per image. */
  flops: number;
  weightBytes: number;
  /** Median forward pass of one image on the backend in use. */
  latencyMs: number;
}

export interface Candidate extends CandidateFigures {
  index: number;
  /** Share of prunable channels removed (the grid's ratio). */
  ratio: number;
  stage: 'baseline' | 'grid' | 'refine';
  plan: PrunePlan;
  keptChannels: number;
  prunableChannels: number;
  backend: string;
}

export interface EvaluationContext {
  folded: ModelSpec;
  analysis: ModelAnalysis;
  calibration: ImageDataset;
  validation: ImageDataset;
  compensate: boolean;
  /** null: no recalibration. */
  recalibration: RecalibrationOptions | null;
  latencyRuns: number;
  signal?: AbortSignal;
}

/** Builds, recalibrates and measures a plan; returns the figures and the exportable spec. */
export async function evaluatePlan(context: EvaluationContext, plan: PrunePlan): Promise<{ figures: CandidateFigures; spec: ModelSpec; backend: string }> {
  throwIfAborted(context.signal);
  const pruned = applyPlan(context.folded, context.analysis, plan, { compensate: context.compensate });
  const model = await modelFromSpec(pruned);
  try {
    if (context.recalibration) await recalibrateBatchNorm(model, context.calibration, { ...context.recalibration, signal: context.signal });
    const evaluation = await evaluate(model, context.validation, { signal: context.signal });
    const { validation } = context;
    const latency = await measureLatency(model, [validation.height, validation.width, validation.channels], { runs: context.latencyRuns, warmup: 2 });
    const spec = await specFromModel(model);
    const params = countSpecParams(spec);
    return {
      figures: {
        accuracy: evaluation.accuracy,
        loss: evaluation.loss,
        params,
        flops: analyzeModel(spec).flops,
        weightBytes: params * 4,
        latencyMs: latency.msPerBatch,
      },
      spec,
      backend: latency.backend,
    };
  } finally {
    model.dispose();
  }
}

export function planSize(plan: PrunePlan, analysis: ModelAnalysis): { keptChannels: number; prunableChannels: number } {
  const { kept, total } = countKept(plan, analysis);
  return { keptChannels: kept, prunableChannels: total };
}
