/**
 * One candidate of the grid search: a plan applied to the folded model,
 * recalibrated, then measured on held-out data (docs/METHOD.md §5.5, §9).
 */
import type { CandidateFigures } from '../../contract/candidate';
import { throwIfAborted } from '../core/abort';
import type { ImageDataset, ModelSpec } from '../core/types';
import { evaluate } from '../eval/evaluate';
import { measureSpeedup, type Speedup } from '../eval/latency';
import { LATENCY } from '../../contract/settings';
import type { OutputKind } from '../../contract/outputKind';
import type { ModelAnalysis } from '../../contract/analysis';
import type { PrunePlan } from '../../contract/plan';
import { pairedStandardError } from '../eval/pairedDifference';
import { analyzeModel } from '../graph/analyze';
import { countSpecParams, modelFromSpec, specFromModel } from '../io/modelSpec';
import { checkSpecFinite } from '../io/weightData';
import { applyPlan } from '../prune/applyPlan';
import { changedBatchNorms } from '../prune/changedLayers';
import { countKept } from '../prune/plan';
import { recalibrateIfBetter, type RecalibrationOptions } from './recalibrate';


export interface EvaluationContext {
  folded: ModelSpec;
  analysis: ModelAnalysis;
  /** Training images: BN statistics are measured on them. */
  fit: ImageDataset;
  /** Held-out training images: recalibration is kept only where it measures better on them. */
  calibration: ImageDataset;
  validation: ImageDataset;
  outputKind: OutputKind;
  /** Which images the reference gets right, for the noise of each candidate's difference with it. */
  referenceHits?: ImageHits;
  compensate: boolean;
  /** null: no recalibration. */
  recalibration: RecalibrationOptions | null;
  /** Timed pairs at least (candidate, unpruned model). */
  latencyRuns: number;
  /** Time for the timing of one candidate, ms. */
  latencyBudgetMs?: number;
  signal?: AbortSignal;
}

/** 1 for each image a model gets right, on the calibration and the validation images. */
export interface ImageHits {
  calibration?: Uint8Array;
  validation?: Uint8Array;
}

export interface EvaluatedPlan {
  figures: CandidateFigures;
  spec: ModelSpec;
  backend: string;
  hits: ImageHits;
}

/** Builds, recalibrates and measures a plan; returns the figures, the exportable spec and the images it gets right. */
export async function evaluatePlan(context: EvaluationContext, plan: PrunePlan): Promise<EvaluatedPlan> {
  throwIfAborted(context.signal);
  const pruned = applyPlan(context.folded, context.analysis, plan, { compensate: context.compensate });
  const model = await modelFromSpec(pruned);
  try {
    const { outputKind, signal } = context;
    // With nothing removed the candidate is the model it was given, statistics and all.
    const changed = context.recalibration ? changedBatchNorms(context.analysis, plan) : [];
    const choice = changed.length > 0
      ? await recalibrateIfBetter(model, context, { ...context.recalibration!, layers: changed, signal })
      : { kept: false, calibration: await evaluate(model, context.calibration, { outputKind, signal, keepHits: true }) };
    const evaluation = await evaluate(model, context.validation, { outputKind, signal, keepHits: true });
    const hits = { calibration: choice.calibration.hits, validation: evaluation.hits };
    const { validation } = context;
    // Timed in turn with the unpruned model (the folded model, nothing removed): a speed-up with its interval.
    const unpruned = await modelFromSpec(context.folded);
    let latency: Speedup;
    try {
      latency = await measureSpeedup(model, unpruned, [validation.height, validation.width, validation.channels], {
        minPairs: Math.max(1, context.latencyRuns), budgetMs: context.latencyBudgetMs ?? LATENCY.budgetMs,
      });
    } finally {
      unpruned.dispose();
    }
    const spec = await specFromModel(model);
    checkSpecFinite(spec, 'A pruned candidate');
    const params = countSpecParams(spec);
    return {
      figures: {
        accuracy: evaluation.accuracy,
        calibrationAccuracy: choice.calibration.accuracy,
        calibrationNoise: noiseAgainst(context.referenceHits?.calibration, hits.calibration),
        validationNoise: noiseAgainst(context.referenceHits?.validation, hits.validation),
        recalibrated: choice.kept,
        loss: evaluation.loss,
        params,
        flops: analyzeModel(spec).flops,
        weightBytes: params * 4,
        latencyMs: latency.msModel,
        speedup: latency.speedup,
        speedupInterval: latency.interval,
        speedupPairs: latency.pairs,
      },
      spec,
      backend: latency.backend,
      hits,
    };
  } finally {
    model.dispose();
  }
}

const noiseAgainst = (reference: Uint8Array | undefined, hits: Uint8Array | undefined): number =>
  reference && hits ? pairedStandardError(reference, hits) : 0;

export function planSize(plan: PrunePlan, analysis: ModelAnalysis): { keptChannels: number; prunableChannels: number } {
  const { kept, total } = countKept(plan, analysis);
  return { keptChannels: kept, prunableChannels: total };
}
