/**
 * Pixel scaling: raw values on a 0..255 scale become model inputs as
 * x/255, then (x − mean[c]) / std[c] per channel (see InputScaling), with the
 * channels reversed first for a BGR model. One implementation for the command
 * line and the studio.
 */
import { DEFAULT_SCALING, numberList, PREPROCESSING_PRESETS, sameScaling, scalingFromPreprocessing, type ChannelOrder, type InputScaling, type PresetName } from '../../contract/preprocessing';
import type { ImageDataset } from '../core/types';
import { UserError } from '../core/errors';

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
  const parsed = numberList(text, what);
  if ('problem' in parsed) throw new UserError(parsed.problem);
  return parsed.values;
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
