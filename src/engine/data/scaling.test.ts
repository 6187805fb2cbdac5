import { describe, expect, test } from 'vitest';
import { UserError } from '../core/errors';
import { type InputScaling, PREPROCESSING_PRESETS, preprocessingFromScaling, PRESET_NAMES, type PresetName, sameScaling, scalingFromPreprocessing } from '../../contract/preprocessing';
import { formatScaling, parseNumberList, parseScaling, scalePixels, unscalePixels, validateScaling } from './scaling';

describe('scalePixels', () => {
  test('default scaling maps 0..255 to 0..1', () => {
    expect(Array.from(scalePixels(new Uint8Array([0, 51, 255]), 1))).toEqual([0, 0.2, 1].map(Math.fround));
  });

  test('one mean/std value applies to all channels', () => {
    const out = scalePixels(new Float32Array([0, 255, 127.5]), 3, { mean: [0.5], std: [0.5] });
    expect(Array.from(out)).toEqual([-1, 1, 0]);
  });

  test('per-channel mean and std', () => {
    const out = scalePixels(new Uint8Array([255, 255, 0, 0]), 2, { mean: [0, 1], std: [2, 0.5] });
    expect(Array.from(out)).toEqual([0.5, 0, 0, -2]);
  });

  test('unscalePixels inverts it', () => {
    const raw = Uint8Array.from({ length: 60 }, (_, i) => (i * 41) % 256);
    const s = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    expect(Array.from(unscalePixels(scalePixels(raw, 3, s), 3, s))).toEqual(Array.from(raw));
  });

  test('rejects bad scaling and pixel counts', () => {
    expect(() => scalePixels(new Uint8Array(6), 3, { mean: [0, 0], std: [1] })).toThrow(/mean has 2 values .* 3 channel/);
    expect(() => scalePixels(new Uint8Array(3), 3, { mean: [0], std: [0] })).toThrow(UserError);
    expect(() => scalePixels(new Uint8Array(3), 3, { mean: [0], std: [-1] })).toThrow(/greater than 0/);
    expect(() => scalePixels(new Uint8Array(4), 3)).toThrow(/not a multiple of 3/);
    expect(() => validateScaling({ mean: [NaN], std: [1] }, 1)).toThrow(/not a finite number/);
  });
});

describe('parseScaling', () => {
  test('parses comma and space separated lists', () => {
    expect(parseNumberList(' 0.5, 0.25 1 ')).toEqual([0.5, 0.25, 1]);
    expect(parseScaling('0.5,0.5,0.5', '0.25')).toEqual({ mean: [0.5, 0.5, 0.5], std: [0.25] });
  });

  test('missing parts default to mean 0, std 1', () => {
    expect(parseScaling()).toEqual({ mean: [0], std: [1] });
    expect(parseScaling('', '0.3')).toEqual({ mean: [0], std: [0.3] });
  });

  test('presets', () => {
    expect(parseScaling('ImageNet').std).toEqual([0.229, 0.224, 0.225]);
    expect(parseScaling('none')).toEqual({ mean: [0], std: [1] });
    expect(() => parseScaling('imagenet', '0.5')).toThrow(/leave std empty/);
  });

  test('rejects bad input with UserErrors', () => {
    expect(() => parseScaling('0.5,abc')).toThrow(/"abc", which is not a number/);
    expect(() => parseScaling('0.5', '0')).toThrow(/greater than 0/);
    expect(() => parseScaling('0.1,0.2', '1,1,1')).toThrow(UserError);
    expect(() => parseScaling('0.1,0.2', undefined, 3)).toThrow(/2 values .* 3 channel/);
    expect(() => parseNumberList(' , ')).toThrow(/empty/);
  });

  test('formatScaling', () => {
    expect(formatScaling({ mean: [0.5], std: [0.25, 1, 2] })).toBe('mean 0.5 std 0.25,1,2');
  });
});

describe('preprocessing conventions', () => {
  test('BGR order reverses the channels before mean and std, and unscalePixels puts them back', () => {
    const raw = new Uint8Array([255, 0, 51, 0, 255, 0]);
    const bgr = { mean: [0], std: [1], channelOrder: 'bgr' as const };
    expect(Array.from(scalePixels(raw, 3, bgr))).toEqual([0.2, 0, 1, 0, 1, 0].map(Math.fround));
    expect(Array.from(unscalePixels(scalePixels(raw, 3, bgr), 3, bgr))).toEqual(Array.from(raw));
    expect(() => scalePixels(new Uint8Array(2), 1, bgr)).toThrow(/BGR channel order needs images with 3 channels/);
  });

  test('images already in [0, 1] scale the same as raw pixels', () => {
    const raw = Uint8Array.from({ length: 30 }, (_, i) => (i * 37) % 256);
    const unit = Float32Array.from(raw, (v) => v / 255);
    const caffe = parseScaling('caffe');
    const viaUnit = scalePixels(unit, 3, caffe, 1);
    scalePixels(raw, 3, caffe).forEach((v, i) => expect(viaUnit[i]).toBeCloseTo(v, 3));
  });

  test('each preset gives the inputs its convention names', () => {
    const pixel = new Uint8Array([255, 127.5, 0]);
    const of = (name: PresetName): number[] => Array.from(scalePixels(pixel, 3, scalingFromPreprocessing(PREPROCESSING_PRESETS[name])));
    of('none').forEach((v, i) => expect(v).toBeCloseTo([1, 127 / 255, 0][i], 5));
    of('tf').forEach((v, i) => expect(v).toBeCloseTo([1, 127 / 127.5 - 1, -1][i], 5));
    of('imagenet').forEach((v, i) => expect(v).toBeCloseTo([(1 - 0.485) / 0.229, (127 / 255 - 0.456) / 0.224, -0.406 / 0.225][i], 5));
    // caffe: B, G, R − ImageNet mean on 0..255.
    of('caffe').forEach((v, i) => expect(v).toBeCloseTo([0 - 103.939, 127 - 116.779, 255 - 123.68][i], 3));
  });

  test('a scaling read back shows as its preset, others on the [0, 1] range', () => {
    for (const name of PRESET_NAMES) {
      const roundTrip = JSON.parse(JSON.stringify(scalingFromPreprocessing(PREPROCESSING_PRESETS[name]))) as InputScaling;
      expect(preprocessingFromScaling(roundTrip).preset).toBe(name);
    }
    expect(preprocessingFromScaling({ mean: [0.1], std: [0.3] })).toEqual({ preset: null, preprocessing: { range: '0-1', mean: [0.1], std: [0.3], channelOrder: 'rgb' } });
    expect(sameScaling({ mean: [0.5], std: [0.5] }, parseScaling('tf'))).toBe(true);
    expect(sameScaling({ mean: [0], std: [1] }, { mean: [0], std: [1], channelOrder: 'bgr' })).toBe(false);
  });

  test('the CLI accepts the preset names', () => {
    expect(parseScaling('tf')).toEqual({ mean: [0.5], std: [0.5] });
    expect(parseScaling('caffe').channelOrder).toBe('bgr');
    expect(() => parseScaling('caffe', undefined, 1)).toThrow(/3 values|3 channels/);
  });
});
