/** One candidate of the grid search: a plan applied to the trained model and measured (docs/METHOD.md §5.5). */
import type { PrunePlan } from './plan';

export interface CandidateFigures {
  /** Top-1 accuracy on the validation data, 0..1: the figure reported against the original's. */
  accuracy: number;
  /** Top-1 accuracy on the calibration images (held out from training), 0..1: the figure the tolerance rule chooses by. */
  calibrationAccuracy: number;
  /** One standard error of the calibration accuracy's difference with the reference's, on the same images (0..1). */
  calibrationNoise: number;
  /**
   * One standard error of the validation accuracy's difference with the reference's, on the same images (0..1):
   * the verdict's uncertainty. Absent in work saved before it was measured (then read as 0).
   */
  validationNoise?: number;
  /** Whether recalibrated BN statistics were kept (they measured better on the calibration images). */
  recalibrated: boolean;
  loss: number;
  params: number;
  /** Multiply–accumulates per image. */
  flops: number;
  weightBytes: number;
  /**
   * Forward pass of one image on the backend in use, ms: the unpruned model's median divided by the speed-up (so every
   * candidate's figure, and a latency budget, rests on the paired measurement); the unpruned model's own median for it.
   * In work saved before the speed-up was measured: the candidate's median timed alone.
   */
  latencyMs: number;
  /**
   * How many times faster than the unpruned model: the median over pairs of its time over this model's, timed in
   * turn on the same input (A/B, B/A…). Absent in work saved before it was measured.
   */
  speedup?: number;
  /** The 95% interval of the speed-up (order statistics of the pairs' ratios). */
  speedupInterval?: [number, number];
  /** Timed pairs behind the speed-up. */
  speedupPairs?: number;
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
  /** Accuracy and size with quantized kernels, for the quantizations measured so far (on request, not by the search). */
  quantized?: Partial<Record<WeightQuantization, QuantizedFigures>>;
}

/** How the download stores kernels besides float32: the tfjs manifest's `quantization` dtypes. */
export const WEIGHT_QUANTIZATIONS = ['float16', 'uint8'] as const;
export type WeightQuantization = (typeof WEIGHT_QUANTIZATIONS)[number];

/** A model's figures with quantized kernels, measured on the model stock tfjs loads from the quantized files. */
export interface QuantizedFigures {
  /** Top-1 accuracy on the validation images, 0..1. */
  accuracy: number;
  /** Bytes of weights.bin. */
  weightBytes: number;
}

/** The search's first candidate: the trained model, unpruned (ratio 0); undefined before the search measured it. */
export function baselineOf<C extends Pick<Candidate, 'stage'>>(candidates: readonly C[]): C | undefined {
  return candidates.find((candidate) => candidate.stage === 'baseline');
}
