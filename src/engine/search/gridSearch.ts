/**
 * Step 4: fast compression without fine-tuning. Ratios → plans → pruned,
 * recalibrated copies → measured candidates, yielded one at a time so that a
 * UI can step through the search, pause it (stop pulling) and resume it.
 */
import type { Candidate } from '../../contract/candidate';
import { planForRatio, type PrunePlan } from '../../contract/plan';
import { toleranceBracket, trainedFarBetter, type ReferenceAccuracy } from '../../contract/select';
import { ROUND_TO, type SearchSettings } from '../../contract/settings';
import { inRange, RANGES, rangeText } from '../../contract/ranges';
import { UserError } from '../core/errors';
import type { ImageDataset, ModelSpec } from '../core/types';
import { analyzeModel } from '../graph/analyze';
import { flopsPerChannel } from '../graph/flops';
import { foldGfrLayers } from '../gfr/instrument';
import { rankChannels, scoreChannels } from '../score/importance';
import type { ModelAnalysis } from '../../contract/analysis';
import type { OutputKind } from '../../contract/outputKind';
import { evaluatePlan, planSize, type EvaluationContext, type ImageHits } from './candidate';
import { gridStopAfter, type GridStop } from '../../contract/gridStop';


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
  /** Set on the grid candidate after which the grid stopped: accuracy had collapsed (docs/METHOD.md §5.1). */
  gridStop?: GridStop;
}

/**
 * One search: `run()` measures the baseline, the grid up to where accuracy collapses (unless `fullGrid`), then the
 * refining pass; `rest()` measures the grid ratios the stop left, when asked. Its state (ranking, the plans seen,
 * the reference) stays between the two, so the rest is measured as the full grid would have measured it.
 */
export class GridSearch {
  readonly candidates: Candidate[] = [];
  /** Why the grid stopped early; null when it did not (or the rest has been measured since). */
  stop: GridStop | null = null;
  private readonly context: EvaluationContext;
  private readonly ranking: ReturnType<typeof rankChannels>;
  private readonly analysis: ModelAnalysis;
  private readonly seenPlans = new Set<string>([JSON.stringify({})]);
  private reference: ReferenceAccuracy;

  constructor(private readonly input: SearchInput, private readonly settings: SearchSettings, signal?: AbortSignal) {
    checkRoundTo(settings.roundTo);
    const trainedAnalysis = analyzeModel(input.trained);
    const scores = scoreChannels(input.trained, trainedAnalysis, { criterion: settings.criterion, aggregation: settings.aggregation, seed: settings.seed });
    this.ranking = rankChannels(scores, settings.ranking, flopsPerChannel(trainedAnalysis));
    const folded = foldGfrLayers(input.trained);
    const analysis = analyzeModel(folded);
    if (analysis.prunableChannels === 0) {
      const reasons = [...new Set(analysis.groups.flatMap((group) => group.reasons))].slice(0, 3).join('; ');
      throw new UserError(`The model has no prunable channel (${reasons}). Use a model with Conv2D or Dense layers followed by BatchNormalization.`);
    }
    this.analysis = analysis;
    this.context = {
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
      latencyBudgetMs: settings.latencyBudgetMs,
      signal,
    };
    this.reference = { ...input.reference, basis: 'original', validationImages: input.validation.count };
  }

  /** The baseline, the grid (stopping where accuracy collapsed, unless settings.fullGrid), then the refining pass. */
  async *run(): AsyncGenerator<SearchStep> {
    yield await this.measure(0, 'baseline', { kept: {} });
    const ratios = [...new Set(this.settings.ratios.filter((value) => value > 0))];
    for (let i = 0; i < ratios.length; i++) {
      const plan = this.planOf(ratios[i]);
      if (!plan) continue;
      const step = await this.measure(ratios[i], 'grid', plan);
      const stop = this.settings.fullGrid ? null : gridStopAfter(this.candidates, this.reference, this.settings.tolerance, ratios.slice(i + 1));
      if (stop) {
        this.stop = stop;
        yield { ...step, gridStop: stop };
        break;
      }
      yield step;
    }
    yield* this.refine();
  }

  /** The grid ratios the stop left, then any refining they call for (none: they lie past the first failing ratio). */
  async *rest(signal?: AbortSignal): AsyncGenerator<SearchStep> {
    const stop = this.stop;
    if (!stop) return;
    if (signal) this.context.signal = signal;
    this.stop = null;
    for (const ratio of stop.remaining) {
      const plan = this.planOf(ratio);
      if (plan) yield await this.measure(ratio, 'grid', plan);
    }
    yield* this.refine();
  }

  private async *refine(): AsyncGenerator<SearchStep> {
    for (const ratio of refinementRatios(this.candidates, this.settings, this.reference)) {
      const plan = this.planOf(ratio);
      if (plan) yield await this.measure(ratio, 'refine', plan);
    }
  }

  private async measure(ratio: number, stage: Candidate['stage'], plan: PrunePlan): Promise<SearchStep> {
    const { figures, spec, backend, hits } = await evaluatePlan(this.context, plan);
    const candidate: Candidate = { index: this.candidates.length, ratio, stage, plan, ...planSize(plan, this.analysis), ...figures, backend };
    // Every latency on one scale, from the paired speed-up: the unpruned model's median over the candidate's speed-up.
    const baseline = this.candidates.find((measured) => measured.stage === 'baseline');
    if (baseline && candidate.speedup) candidate.latencyMs = baseline.latencyMs / candidate.speedup;
    if (stage === 'baseline' && trainedFarBetter(candidate, this.reference, this.settings.tolerance)) {
      // An untrained model that training made far better: what pruning keeps is judged against the trained model.
      const { input } = this;
      this.reference = {
        accuracy: candidate.accuracy, calibrationAccuracy: candidate.calibrationAccuracy, basis: 'trained', validationImages: input.validation.count,
        loaded: { accuracy: input.reference.accuracy, calibrationAccuracy: input.reference.calibrationAccuracy },
      };
      this.context.referenceHits = hits;
      Object.assign(candidate, { calibrationNoise: 0, validationNoise: 0 });
    }
    this.candidates.push(candidate);
    return { candidate, spec, reference: this.reference };
  }

  private planOf(ratio: number): PrunePlan | undefined {
    const plan = planForRatio(this.ranking, this.analysis, ratio, { minKeepFraction: this.settings.minKeepFraction, roundTo: this.settings.roundTo ?? ROUND_TO });
    const signature = JSON.stringify(plan.kept);
    if (this.seenPlans.has(signature)) return undefined;
    this.seenPlans.add(signature);
    return plan;
  }
}

function checkRoundTo(roundTo: number | undefined): void {
  if (roundTo === undefined || (Number.isInteger(roundTo) && inRange(roundTo, RANGES.roundTo))) return;
  throw new UserError(`The multiple kept channels are rounded to must be a whole number in ${rangeText(RANGES.roundTo)} (1: no rounding; 4, 8 or 16 suit SIMD kernels), got ${roundTo}.`);
}

/** The whole search as one iterator (the grid stops where accuracy collapsed, unless settings.fullGrid). */
export async function* gridSearch(input: SearchInput, settings: SearchSettings, signal?: AbortSignal): AsyncGenerator<SearchStep> {
  yield* new GridSearch(input, settings, signal).run();
}

/**
 * Evenly spaced ratios between the largest grid ratio that passes the tolerance rule and the first failing one after
 * it, where the rule looks (§5.6: the ratios before the first that fails; a passing ratio past a failing one is more
 * likely a lucky reading). So a grid stopped where accuracy collapsed refines where the full grid would.
 */
export function refinementRatios(candidates: Candidate[], settings: Pick<SearchSettings, 'refineSteps' | 'tolerance'>, reference: ReferenceAccuracy): number[] {
  if (settings.refineSteps < 1) return [];
  const grid = candidates.filter((candidate) => candidate.stage !== 'refine');
  const { lastPassing: last, firstFailing } = toleranceBracket(grid, reference, settings.tolerance);
  if (!last || !firstFailing) return [];
  const step = (firstFailing.ratio - last.ratio) / (settings.refineSteps + 1);
  return Array.from({ length: settings.refineSteps }, (_, i) => Math.round((last.ratio + (i + 1) * step) * 10000) / 10000);
}
