/**
 * How pixels become a model's inputs, as every side names it: the engine's
 * scaling (src/engine/data/scaling.ts applies it), the worker's preprocessing
 * setting, the page's panel and the CLI's --mean/--std. A scaling works on the
 * [0, 1] scale: x/255, then (x − mean[c]) / std[c], the channels reversed first
 * for 'bgr'. Preprocessing is the same said as people say it: a pixel range,
 * then mean and std in that range's units, in a channel order.
 */

/** 'bgr': the model takes blue, green, red (Caffe-style); mean/std are then in that order. */
export type ChannelOrder = 'rgb' | 'bgr';

/** How raw pixels (0..255) become model inputs: x/255, then (x − mean)/std; channels reversed first for 'bgr'. */
export interface InputScaling {
  mean: number[];
  std: number[];
  /** Absent means 'rgb'. */
  channelOrder?: ChannelOrder;
}

export const DEFAULT_SCALING: InputScaling = { mean: [0], std: [1] };

/** Mean/std as used by torchvision's ImageNet models. */
export const IMAGENET_SCALING: InputScaling = {
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/** The range a model's inputs span before mean and std: mean and std are given in its units. */
export type PixelRange = '0-1' | '-1-1' | '0-255';

/** Preprocessing as people state it: a pixel range, then (x − mean)/std in that range's units, in a channel order. */
export interface Preprocessing {
  range: PixelRange;
  mean: number[];
  std: number[];
  channelOrder: ChannelOrder;
}

/** A pixel range as x01·scale + offset, x01 being the pixel in [0, 1]. */
const RANGES: Record<PixelRange, { scale: number; offset: number }> = {
  '0-1': { scale: 1, offset: 0 },
  '-1-1': { scale: 2, offset: -1 },
  '0-255': { scale: 255, offset: 0 },
};

/** The common conventions, by name. */
export const PREPROCESSING_PRESETS = {
  /** Pixels in [0, 1], nothing else (the studio's and the CLI's default). */
  none: { range: '0-1', mean: [0], std: [1], channelOrder: 'rgb' },
  /** torchvision's ImageNet models (and Keras 'torch' mode). */
  imagenet: { range: '0-1', mean: [...IMAGENET_SCALING.mean], std: [...IMAGENET_SCALING.std], channelOrder: 'rgb' },
  /** Keras 'tf' mode (MobileNet, Inception...): pixels in [−1, 1]. */
  tf: { range: '-1-1', mean: [0], std: [1], channelOrder: 'rgb' },
  /** Keras 'caffe' mode (VGG, ResNet50 of keras.applications): BGR, ImageNet mean subtracted on 0–255. */
  caffe: { range: '0-255', mean: [103.939, 116.779, 123.68], std: [1], channelOrder: 'bgr' },
} satisfies Record<string, Preprocessing>;

export type PresetName = keyof typeof PREPROCESSING_PRESETS;
export const PRESET_NAMES = Object.keys(PREPROCESSING_PRESETS) as PresetName[];

/** The InputScaling (on the [0, 1] scale) that `pre` describes: (x01·scale + offset − m)/s = (x01 − (m − offset)/scale)/(s/scale). */
export function scalingFromPreprocessing(pre: Preprocessing): InputScaling {
  const { scale, offset } = RANGES[pre.range];
  return {
    mean: pre.mean.map((m) => (m - offset) / scale),
    std: pre.std.map((s) => s / scale),
    ...(pre.channelOrder === 'bgr' ? { channelOrder: 'bgr' as const } : {}),
  };
}

/** How to show `scaling`: as the preset it is, else on the [0, 1] range. */
export function preprocessingFromScaling(scaling: InputScaling): { preset: PresetName | null; preprocessing: Preprocessing } {
  for (const name of PRESET_NAMES) {
    const preset = PREPROCESSING_PRESETS[name];
    if (sameScaling(scalingFromPreprocessing(preset), scaling)) return { preset: name, preprocessing: { ...preset, mean: [...preset.mean], std: [...preset.std] } };
  }
  return { preset: null, preprocessing: { range: '0-1', mean: [...scaling.mean], std: [...scaling.std], channelOrder: scaling.channelOrder ?? 'rgb' } };
}

/** Equal up to float rounding (a scaling read back from model.json went through decimal text). */
export function sameScaling(a: InputScaling, b: InputScaling): boolean {
  const close = (x: number[], y: number[]): boolean => x.length === y.length && x.every((v, i) => Math.abs(v - y[i]) <= 1e-9 * Math.max(1, Math.abs(v)));
  return close(a.mean, b.mean) && close(a.std, b.std) && (a.channelOrder ?? 'rgb') === (b.channelOrder ?? 'rgb');
}

/** "0.5, 0.25 1" (commas and/or spaces) as numbers, or what is wrong with it (the caller raises its own error). */
export function numberList(text: string, what = 'value list'): { values: number[] } | { problem: string } {
  const parts = text.trim().split(/[\s,]+/).filter((p) => p.length > 0);
  if (parts.length === 0) return { problem: `The ${what} is empty. Give numbers such as "0.5,0.5,0.5".` };
  const values = parts.map(Number);
  const bad = parts.find((_, i) => !Number.isFinite(values[i]));
  return bad === undefined ? { values } : { problem: `The ${what} "${text}" contains "${bad}", which is not a number.` };
}
