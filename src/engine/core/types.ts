/**
 * Shared vocabulary of the engine. Everything here is plain data (JSON plus
 * typed arrays), so it can cross a worker boundary, be saved and be diffed.
 * Names follow docs/METHOD.md §1: `sr`, `gamma`, `importance`, `ratio`, `candidate`, `plan`.
 */

/** A dense float tensor as plain data, row-major (the layout tfjs uses). */
export interface WeightArray {
  shape: number[];
  values: Float32Array;
}

/**
 * One layer of a model, independent of tfjs objects. `config` is the Keras /
 * tfjs-layers config in snake_case, exactly as model.json stores it.
 * `inbound` names the layers whose (first) outputs feed this one, in order.
 * `weights` maps the weight's short name (`kernel`, `gamma`, `moving_mean`...)
 * to its values.
 */
export interface LayerSpec {
  name: string;
  className: string;
  config: Record<string, unknown>;
  inbound: string[];
  weights: Record<string, WeightArray>;
}

/** A whole model as plain data, layers in topological order. */
export interface ModelSpec {
  name: string;
  layers: LayerSpec[];
  /** Names of the InputLayer layers. */
  inputs: string[];
  /** Names of the layers whose outputs are the model outputs. */
  outputs: string[];
}

/** Shape without the batch dimension, e.g. [H, W, C] or [units]. */
export type Shape = number[];

/** An image-classification dataset held in memory, NHWC, already scaled. */
export interface ImageDataset {
  /** N·H·W·C floats, scaled as `scaling` says. */
  images: Float32Array;
  /** N class indices in [0, numClasses). */
  labels: Int32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  classNames: string[];
  /** Where it came from, for reports: `mnist (built-in)`, a folder path... */
  source: string;
}

/** How raw pixels (0..255) become model inputs: x/255, then (x − mean)/std. */
export interface InputScaling {
  mean: number[];
  std: number[];
}

export const DEFAULT_SCALING: InputScaling = { mean: [0], std: [1] };

/** Progress callback: `done` of `total` units of the named phase. */
export type ProgressFn = (progress: { phase: string; done: number; total: number }) => void;
