/**
 * Pixel scaling: raw values on a 0..255 scale become model inputs as
 * x/255, then (x − mean[c]) / std[c] per channel (see InputScaling).
 */
import { DEFAULT_SCALING, type InputScaling } from '../core/types';
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
 * Scales NHWC pixel values (0..255, channels innermost) to model inputs.
 * Any numeric array works: Uint8Array, Uint8ClampedArray, Float32Array...
 */
export function scalePixels(
  raw: ArrayLike<number>,
  channels: number,
  scaling: InputScaling = DEFAULT_SCALING,
): Float32Array {
  validateScaling(scaling, channels);
  if (raw.length % channels !== 0) {
    throw new UserError(`Got ${raw.length} pixel values, which is not a multiple of ${channels} channels.`);
  }
  const { mul, add } = affinePerChannel(scaling, channels);
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const c = i % channels;
    out[i] = raw[i] * mul[c] + add[c];
  }
  return out;
}

/** Inverse of scalePixels, for showing images: model inputs back to 0..255 bytes. */
export function unscalePixels(
  scaled: ArrayLike<number>,
  channels: number,
  scaling: InputScaling = DEFAULT_SCALING,
): Uint8ClampedArray {
  validateScaling(scaling, channels);
  const out = new Uint8ClampedArray(scaled.length);
  for (let i = 0; i < scaled.length; i++) {
    const c = i % channels;
    out[i] = Math.round((scaled[i] * pick(scaling.std, c) + pick(scaling.mean, c)) * 255);
  }
  return out;
}

/** (x/255 − mean)/std written as x·mul + add, one pair per channel. */
function affinePerChannel(scaling: InputScaling, channels: number): { mul: Float64Array; add: Float64Array } {
  const mul = new Float64Array(channels);
  const add = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const std = pick(scaling.std, c);
    mul[c] = 1 / (255 * std);
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

/**
 * Builds an InputScaling from text such as mean "0.5,0.5,0.5" and std "0.25".
 * Either may be omitted (mean 0, std 1). `channels`, when known, is checked.
 * The preset names "none" and "imagenet" are accepted for `mean`.
 */
export function parseScaling(mean?: string, std?: string, channels?: number): InputScaling {
  const preset = mean?.trim().toLowerCase();
  let scaling: InputScaling;
  if (preset === 'imagenet' || preset === 'none') {
    if (std !== undefined && std.trim() !== '') {
      throw new UserError(`The scaling preset "${preset}" sets std itself; leave std empty.`);
    }
    scaling = preset === 'imagenet' ? cloneScaling(IMAGENET_SCALING) : cloneScaling(DEFAULT_SCALING);
  } else {
    scaling = {
      mean: mean === undefined || mean.trim() === '' ? [0] : parseNumberList(mean, 'scaling mean'),
      std: std === undefined || std.trim() === '' ? [1] : parseNumberList(std, 'scaling std'),
    };
  }
  validateScaling(scaling, channels ?? Math.max(scaling.mean.length, scaling.std.length));
  return scaling;
}

/** "mean 0.5,0.5,0.5 std 0.25" style text, for reports. */
export function formatScaling(scaling: InputScaling): string {
  return `mean ${scaling.mean.join(',')} std ${scaling.std.join(',')}`;
}

function cloneScaling(s: InputScaling): InputScaling {
  return { mean: [...s.mean], std: [...s.std] };
}
