/**
 * Step 4: fast compression without fine-tuning. Ratios → plans → pruned,
 * recalibrated copies → measured candidates, yielded one at a time so that a
 * UI can step through the search, pause it (stop pulling) and resume it.
 */
import type { Candidate } from '../../contract/candidate';
import { planForRatio } from '../../contract/plan';
import { passesTolerance, trainedFarBetter, type ReferenceAccuracy } from '../../contract/select';
import type { SearchSettings } from '../../contract/settings';
import { UserError } from '../core/errors';
import type { ImageDataset, ModelSpec } from '../core/types';
import { analyzeModel } from '../graph/analyze';
import { flopsPerChannel } from '../graph/flops';
import { foldGfrLayers } from '../gfr/instrument';
import { rankChannels, scoreChannels } from '../score/importance';
import type { PrunePlan } from '../prune/plan';
import { evaluatePlan, planSize, type EvaluationContext, type ImageHits } from './candidate';
import type { OutputKind } from '../eval/outputKind';

export { DEFAULT_SEARCH_SETTINGS, defaultGrid, type SearchSettings } from '../../contract/settings';

export interface SearchInput {
  /** The trained model, with GFR layers when it was trained with them. */
  trained: ModelSpec;
  /** Training images, for BN recalibration. */
  fit: ImageDataset;
  /** Held-out training images: the tolerance rule and the recalibration choice measure on them. */
  calibration: ImageDataset;
  validation: ImageDataset;
  /** The original model's accuracy, which every candidate is compared with. */
  reference: ReferenceAccuracy;
  outputKind: OutputKind;
  /** Which images the original gets right (the tolerance rule and the verdict allow for each difference's noise). */
  referenceHits?: ImageHits;
}

export interface SearchStep {
  candidate: Candidate;
  /** The candidate's pruned, recalibrated model, ready to export. */
  spec: ModelSpec;
  /** What the candidate was compared with: the original, or the trained model when training made it far better. */
  reference: ReferenceAccuracy;
}

export async function* gridSearch(input: SearchInput, settings: SearchSettings, signal?: AbortSignal): AsyncGenerator<SearchStep> {
  const trainedAnalysis = analyzeModel(input.trained);
  const scores = scoreChannels(input.trained, trainedAnalysis, { criterion: settings.criterion, aggregation: settings.aggregation, seed: settings.seed });
  const ranking = rankChannels(scores, settings.ranking, flopsPerChannel(trainedAnalysis));
  const folded = foldGfrLayers(input.trained);
  const analysis = analyzeModel(folded);
  if (analysis.prunableChannels === 0) {
    const reasons = [...new Set(analysis.groups.flatMap((group) => group.reasons))].slice(0, 3).join('; ');
    throw new UserError(`The model has no prunable channel (${reasons}). Use a model with Conv2D or Dense layers followed by BatchNormalization.`);
  }
  const context: EvaluationContext = {
    folded,
    analysis,
    fit: input.fit,
    calibration: input.calibration,
    validation: input.validation,
    outputKind: input.outputKind,
    referenceHits: input.referenceHits,
    compensate: settings.compensate,
    recalibration: settings.recalibrate ? { batches: settings.recalibrationBatches, batchSize: settings.batchSize, seed: settings.seed } : null,
    latencyRuns: settings.latencyRuns,
    signal,
  };
  const candidates: Candidate[] = [];
  const seenPlans = new Set<string>();
  let reference: ReferenceAccuracy = { ...input.reference, basis: 'original', validationImages: input.validation.count };

  async function measure(ratio: number, stage: Candidate['stage'], plan: PrunePlan): Promise<SearchStep> {
    const { figures, spec, backend, hits } = await evaluatePlan(context, plan);
    const candidate: Candidate = { index: candidates.length, ratio, stage, plan, ...planSize(plan, analysis), ...figures, backend };
    if (stage === 'baseline' && trainedFarBetter(candidate, reference, settings.tolerance)) {
      // An untrained model that training made far better: what pruning keeps is judged against the trained model.
      reference = {
        accuracy: candidate.accuracy, calibrationAccuracy: candidate.calibrationAccuracy, basis: 'trained', validationImages: input.validation.count,
        loaded: { accuracy: input.reference.accuracy, calibrationAccuracy: input.reference.calibrationAccuracy },
      };
      context.referenceHits = hits;
      Object.assign(candidate, { calibrationNoise: 0, validationNoise: 0 });
    }
    candidates.push(candidate);
    return { candidate, spec, reference };
  }
  const planOf = (ratio: number): PrunePlan | undefined => {
    const plan = planForRatio(ranking, analysis, ratio, { minKeepFraction: settings.minKeepFraction });
    const signature = JSON.stringify(plan.kept);
    if (seenPlans.has(signature)) return undefined;
    seenPlans.add(signature);
    return plan;
  };

  seenPlans.add(JSON.stringify({}));
  yield await measure(0, 'baseline', { kept: {} });
  for (const ratio of settings.ratios.filter((value) => value > 0)) {
    const plan = planOf(ratio);
    if (plan) yield await measure(ratio, 'grid', plan);
  }
  for (const ratio of refinementRatios(candidates, settings, reference)) {
    const plan = planOf(ratio);
    if (plan) yield await measure(ratio, 'refine', plan);
  }
}

/** Evenly spaced ratios between the largest grid ratio within the tolerance of the original and the next failing one. */
export function refinementRatios(candidates: Candidate[], settings: Pick<SearchSettings, 'refineSteps' | 'tolerance'>, reference: ReferenceAccuracy): number[] {
  if (settings.refineSteps < 1) return [];
  const grid = candidates.filter((candidate) => candidate.stage !== 'refine').sort((a, b) => a.ratio - b.ratio);
  const passing = grid.filter((candidate) => passesTolerance(candidate, reference, settings.tolerance));
  const last = passing.at(-1);
  const firstFailing = last && grid.find((candidate) => candidate.ratio > last.ratio && !passesTolerance(candidate, reference, settings.tolerance));
  if (!last || !firstFailing) return [];
  const step = (firstFailing.ratio - last.ratio) / (settings.refineSteps + 1);
  return Array.from({ length: settings.refineSteps }, (_, i) => Math.round((last.ratio + (i + 1) * step) * 10000) / 10000);
}
