/**
 * The four steps of the method around one model and one dataset, as the
 * command line and the studio's worker both drive them: analyse, (instrument
 * and) train, score, search, export. Holds the state between steps; the
 * callers only pick a backend and relay events.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from './core/errors';
import type { ImageDataset, ModelSpec } from './core/types';
import { evaluate, type Evaluation } from './eval/evaluate';
import { analyzeModel, type ModelAnalysis } from './graph/analyze';
import { isGfrLayer } from './gfr/gfrLayer';
import { foldGfrLayers, hasGfrLayers, insertGfrLayers } from './gfr/instrument';
import { DEFAULT_RECALIBRATION, recalibrateBatchNorm } from './search/recalibrate';
import { artifactsFromSpec, modelFromSpec, specFromModel } from './io/modelSpec';
import type { CriterionName } from './score/criterion';
import { scoreChannels, type GroupScores } from './score/importance';
import type { Candidate } from './search/candidate';
import { gridSearch, type SearchSettings, type SearchStep } from './search/gridSearch';
import { selectCandidate, type SelectionRule } from './search/select';
import { rescaleGammaForOptimizer } from './train/rescale';
import { trainSparse, type TrainOptions, type TrainSettings, type TrainSummary } from './train/sparseTraining';

export interface SessionData {
  train: ImageDataset;
  validation: ImageDataset;
}

/**
 * How a criterion trains (SPEC §2 and the baselines): `gfr` with GFR layers
 * and both sparsity terms; `gamma` without GFR, L1 on γ only (Network
 * Slimming); `l1` and `random` score a normally trained model.
 */
export function trainingModeFor(criterion: CriterionName): 'gfr' | 'gamma' | 'plain' {
  return criterion === 'gfr' ? 'gfr' : criterion === 'gamma' ? 'gamma' : 'plain';
}

export class CompressionSession {
  /** The model as given, or after `pretrain`. */
  original: ModelSpec;
  readonly analysis: ModelAnalysis;
  /** The model after training: instrumented with GFR when trained in `gfr` mode. */
  trained: ModelSpec;
  readonly candidates: Candidate[] = [];
  private readonly specs = new Map<number, ModelSpec>();

  constructor(model: ModelSpec, readonly data: SessionData) {
    this.original = model;
    this.analysis = analyzeModel(model);
    this.trained = model;
    checkCompatible(model, this.analysis, data);
  }

  /** Instruments (for `gfr`) and trains a copy of the original model. */
  async train(criterion: CriterionName, settings: TrainSettings, options: TrainOptions = {}): Promise<TrainSummary> {
    const mode = trainingModeFor(criterion);
    const sparse = mode !== 'plain';
    const rescaled = sparse && settings.target > 0 && settings.gammaScale !== 1
      ? rescaleGammaForOptimizer(this.original, this.analysis, settings.gammaScale).spec
      : this.original;
    const start = mode === 'gfr' ? insertGfrLayers(rescaled, this.analysis, { seed: settings.seed, temperature: settings.gateTemperature }) : rescaled;
    const modeSettings = mode === 'gfr' ? settings : mode === 'gamma' ? { ...settings, lambdaS: 0 } : { ...settings, lambdaGamma: 0, lambdaS: 0, target: 0 };
    const model = await modelFromSpec(start);
    try {
      const prunable = this.analysis.groups.filter((g) => g.prunable);
      const regularizedBns = prunable.flatMap((g) => g.members.flatMap((m) => (m.bn ? [m.bn] : [])));
      const summary = await trainSparse(model, this.data.train, modeSettings, { ...options, regularizedBns, analysis: this.analysis });
      // The controller moves γ until the last step; BN's moving statistics (momentum 0.99) lag behind,
      // so the trained model is only valid once they are measured again.
      await recalibrateBatchNorm(model, this.data.train, { ...DEFAULT_RECALIBRATION, signal: options.signal });
      model.layers.filter(isGfrLayer).forEach((layer) => layer.releaseGates());
      this.trained = await specFromModel(model);
      return summary;
    } finally {
      model.dispose();
    }
  }

  /** Normal training (no sparsity terms) that replaces the original: a trained start for every criterion. */
  async pretrain(settings: TrainSettings, options: TrainOptions = {}): Promise<TrainSummary> {
    const summary = await this.train('l1', settings, options);
    this.original = this.trained;
    return summary;
  }

  /** Accuracy of the model before sparse training (as given, or after `pretrain`), BN as trained. */
  async evaluateOriginal(): Promise<Evaluation> {
    const model = await modelFromSpec(this.original);
    try {
      return await evaluate(model, this.data.validation);
    } finally {
      model.dispose();
    }
  }

  scores(criterion: CriterionName, seed = 1): GroupScores {
    return scoreChannels(this.trained, analyzeModel(this.trained), { criterion, seed });
  }

  /** Runs the grid search on the trained model, keeping every candidate's model for export. */
  async *search(settings: SearchSettings, signal?: AbortSignal): AsyncGenerator<SearchStep> {
    if (settings.criterion === 'gfr' && !hasGfrLayers(this.trained)) {
      throw new UserError("The 'gfr' criterion needs sparse training with GFR first (epochs ≥ 1), or choose 'gamma', 'l1' or 'random'.");
    }
    this.candidates.length = 0;
    this.specs.clear();
    for await (const step of gridSearch({ trained: this.trained, calibration: this.data.train, validation: this.data.validation }, settings, signal)) {
      this.candidates.push(step.candidate);
      this.specs.set(step.candidate.index, step.spec);
      yield step;
    }
  }

  /** Candidates measured in an earlier visit, with the models that were kept for them. */
  restoreCandidates(candidates: Candidate[], specs: Map<number, ModelSpec>): void {
    this.candidates.push(...candidates);
    for (const [index, spec] of specs) this.specs.set(index, spec);
  }

  /** Whether the candidate's model is at hand for export. */
  canExport(index: number): boolean {
    return this.specs.has(index);
  }

  select(rule: SelectionRule): Candidate | undefined {
    return selectCandidate(this.candidates, rule);
  }

  /** The candidate's model as tfjs artifacts (model.json + one weight buffer), stock layers only. */
  exportCandidate(index: number): tf.io.ModelArtifacts {
    const spec = this.specs.get(index);
    if (!spec) throw new UserError(`There is no candidate #${index}; run the search first.`);
    return artifactsFromSpec(spec);
  }

  /** The trained model with GFR folded into BN, unpruned. */
  exportFolded(): tf.io.ModelArtifacts {
    return artifactsFromSpec(foldGfrLayers(this.trained));
  }
}

function checkCompatible(model: ModelSpec, analysis: ModelAnalysis, data: SessionData): void {
  const input = analysis.layers.find((layer) => layer.role === 'input')?.outputShape;
  const { train } = data;
  if (input && (input[0] !== train.height || input[1] !== train.width || input[2] !== train.channels)) {
    throw new UserError(`The model expects ${input.join('×')} inputs but the data has ${train.height}×${train.width}×${train.channels} images; pick data of that size.`);
  }
  const output = analysis.layers.find((layer) => layer.name === model.outputs[0])?.outputShape;
  if (output && output[output.length - 1] !== train.numClasses) {
    throw new UserError(`The model predicts ${output[output.length - 1]} classes but the data has ${train.numClasses}; pick data with as many classes, or another model.`);
  }
}
