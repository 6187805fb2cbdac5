/**
 * Pixel scaling: raw values on a 0..255 scale become model inputs as
 * x/255, then (x − mean[c]) / std[c] per channel (see InputScaling), with the
 * channels reversed first for a BGR model. One implementation for the command
 * line and the studio.
 */
import { DEFAULT_SCALING, type ChannelOrder, type ImageDataset, type InputScaling } from '../core/types';
import { UserError } from '../core/errors';

/** Mean/std as used by torchvision's ImageNet models. */
export const IMAGENET_SCALING: InputScaling = {
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/** Throws a UserError unless `scaling` fits images with `channels` channels. */
export function validateScaling(scaling: InputScaling, channels: number): void {
  checkList(scaling.mean, 'mean', channels);
  checkList(scaling.std, 'std', channels);
  scaling.std.forEach((s) => {
    if (!(s > 0)) {
      throw new UserError(`Scaling std must be greater than 0, got ${s}. Use positive values such as 1 or 0.5.`);
    }
  });
  if (scaling.channelOrder === 'bgr' && channels !== 3) {
    throw new UserError(`BGR channel order needs images with 3 channels; these have ${channels}. Use RGB order.`);
  }
}

function checkList(values: number[], what: 'mean' | 'std', channels: number): void {
  if (values.length !== 1 && values.length !== channels) {
    throw new UserError(
      `Scaling ${what} has ${values.length} values but the images have ${channels} channel(s). ` +
        `Give one value for all channels or exactly ${channels}.`,
    );
  }
  values.forEach((v) => {
    if (!Number.isFinite(v)) throw new UserError(`Scaling ${what} contains ${v}, which is not a finite number.`);
  });
}

/**
 * Scales NHWC pixel values (0..`white`, channels innermost) to model inputs.
 * Any numeric array works: Uint8Array, Uint8ClampedArray, Float32Array...
 * `white` is 255 for raw pixels, 1 for images already in [0, 1].
 */
export function scalePixels(
  raw: ArrayLike<number>,
  channels: number,
  scaling: InputScaling = DEFAULT_SCALING,
  white = 255,
): Float32Array {
  validateScaling(scaling, channels);
  if (raw.length % channels !== 0) {
    throw new UserError(`Got ${raw.length} pixel values, which is not a multiple of ${channels} channels.`);
  }
  const { mul, add } = affinePerChannel(scaling, channels, white);
  const from = sourceChannels(scaling.channelOrder, channels);
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i += channels) {
    for (let c = 0; c < channels; c++) out[i + c] = raw[i + from[c]] * mul[c] + add[c];
  }
  return out;
}

/** A dataset read with the default scaling (pixels in [0, 1]) as `scaling` wants it; the same dataset for the default. */
export function scaleDataset(unit: ImageDataset, scaling: InputScaling): ImageDataset {
  if (sameScaling(scaling, DEFAULT_SCALING)) return unit;
  return { ...unit, images: scalePixels(unit.images, unit.channels, scaling, 1) };
}

/** Which input channel feeds each output channel: reversed for BGR. */
function sourceChannels(order: ChannelOrder | undefined, channels: number): number[] {
  return Array.from({ length: channels }, (_, c) => (order === 'bgr' ? channels - 1 - c : c));
}

/** Inverse of scalePixels, for showing images: model inputs back to 0..255 bytes. */
export function unscalePixels(
  scaled: ArrayLike<number>,
  channels: number,
  scaling: InputScaling = DEFAULT_SCALING,
): Uint8ClampedArray {
  validateScaling(scaling, channels);
  const from = sourceChannels(scaling.channelOrder, channels);
  const out = new Uint8ClampedArray(scaled.length);
  for (let i = 0; i < scaled.length; i += channels) {
    for (let c = 0; c < channels; c++) out[i + from[c]] = Math.round((scaled[i + c] * pick(scaling.std, c) + pick(scaling.mean, c)) * 255);
  }
  return out;
}

/** (x/white − mean)/std written as x·mul + add, one pair per channel. */
function affinePerChannel(scaling: InputScaling, channels: number, white: number): { mul: Float64Array; add: Float64Array } {
  const mul = new Float64Array(channels);
  const add = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const std = pick(scaling.std, c);
    mul[c] = 1 / (white * std);
    add[c] = -pick(scaling.mean, c) / std;
  }
  return { mul, add };
}

function pick(values: number[], c: number): number {
  return values.length === 1 ? values[0] : values[c];
}

/** Parses "0.5, 0.5,0.5" (commas and/or spaces) into numbers. */
export function parseNumberList(text: string, what = 'value list'): number[] {
  const parts = text.trim().split(/[\s,]+/).filter((p) => p.length > 0);
  if (parts.length === 0) throw new UserError(`The ${what} is empty. Give numbers such as "0.5,0.5,0.5".`);
  return parts.map((p) => {
    const v = Number(p);
    if (!Number.isFinite(v)) throw new UserError(`The ${what} "${text}" contains "${p}", which is not a number.`);
    return v;
  });
}

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
    if (sameScaling(scalingFromPreprocessing(preset), scaling)) return { preset: name, preprocessing: clonePreprocessing(preset) };
  }
  return { preset: null, preprocessing: { range: '0-1', mean: [...scaling.mean], std: [...scaling.std], channelOrder: scaling.channelOrder ?? 'rgb' } };
}

/** Equal up to float rounding (a scaling read back from model.json went through decimal text). */
export function sameScaling(a: InputScaling, b: InputScaling): boolean {
  const close = (x: number[], y: number[]): boolean => x.length === y.length && x.every((v, i) => Math.abs(v - y[i]) <= 1e-9 * Math.max(1, Math.abs(v)));
  return close(a.mean, b.mean) && close(a.std, b.std) && (a.channelOrder ?? 'rgb') === (b.channelOrder ?? 'rgb');
}

function clonePreprocessing(pre: Preprocessing): Preprocessing {
  return { ...pre, mean: [...pre.mean], std: [...pre.std] };
}

/**
 * Builds an InputScaling from text such as mean "0.5,0.5,0.5" and std "0.25".
 * Either may be omitted (mean 0, std 1). `channels`, when known, is checked.
 * A preset name (none, imagenet, tf, caffe) is accepted for `mean`.
 */
export function parseScaling(mean?: string, std?: string, channels?: number): InputScaling {
  const preset = mean?.trim().toLowerCase();
  let scaling: InputScaling;
  if (preset !== undefined && preset in PREPROCESSING_PRESETS) {
    if (std !== undefined && std.trim() !== '') {
      throw new UserError(`The scaling preset "${preset}" sets std itself; leave std empty.`);
    }
    scaling = scalingFromPreprocessing(PREPROCESSING_PRESETS[preset as PresetName]);
  } else {
    scaling = {
      mean: mean === undefined || mean.trim() === '' ? [0] : parseNumberList(mean, 'scaling mean'),
      std: std === undefined || std.trim() === '' ? [1] : parseNumberList(std, 'scaling std'),
    };
  }
  validateScaling(scaling, channels ?? Math.max(scaling.mean.length, scaling.std.length, scaling.channelOrder === 'bgr' ? 3 : 1));
  return scaling;
}

/** "mean 0.5,0.5,0.5 std 0.25" style text, for reports. */
export function formatScaling(scaling: InputScaling): string {
  return `mean ${scaling.mean.join(',')} std ${scaling.std.join(',')}${scaling.channelOrder === 'bgr' ? ' channels BGR' : ''}`;
}
