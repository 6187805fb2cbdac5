import { describe, expect, it } from 'vitest';

import type { ScoresResult } from '../../worker/studioTypes';
import { chanceLevel, nearChance } from './chance';
import { readAndSort } from './files';
import { indexRanges, percent, compact, change } from './format';
import { histogram } from './histogram';
import { previewRatio } from './preview';
import { timeLeftText } from '../components/status';

describe('format', () => {
  it('writes figures short', () => {
    expect(indexRanges([7, 0, 1, 2, 5, 8])).toBe('0–2, 5, 7–8');
    expect(indexRanges([])).toBe('none');
    expect(percent(0.9123)).toBe('91.2%');
    expect(compact(20_900)).toBe('20.9k');
    expect(change(100, 13)).toBe('−87.0%');
    expect(percent(Number.NaN)).toBe('—');
  });
});

describe('chance level', () => {
  it('is the most common class, and near it is within a tenth of the way to perfect', () => {
    const balanced = Array(10).fill(30);
    expect(chanceLevel(balanced)).toBeCloseTo(0.1);
    expect(nearChance(0.11, balanced)).toBe(true);
    expect(nearChance(0.19, balanced)).toBe(true);
    expect(nearChance(0.25, balanced)).toBe(false);
    expect(chanceLevel([90, 10])).toBeCloseTo(0.9);
    expect(nearChance(0.9, [90, 10])).toBe(true);
    expect(nearChance(0.95, [90, 10])).toBe(false);
  });
});

describe('histogram', () => {
  it('puts every value in a bin', () => {
    const bins = histogram([0, 0, 0.5, 1], 4);
    expect(bins.reduce((sum, b) => sum + b.count, 0)).toBe(4);
    expect(bins[0].count).toBe(2);
    expect(histogram([3, 3], 5).reduce((sum, b) => sum + b.count, 0)).toBe(2);
  });
});

describe('previewRatio', () => {
  const group = (key: string, size: number) => ({ key, size, members: [], prunable: true, reasons: [] });
  const result: ScoresResult = {
    criterion: 'gfr',
    groups: [
      { group: group('a', 4), importance: [0.1, 0.2, 0.9, 0.8], gamma: null, sr: null },
      { group: group('b', 2), importance: [0.05, 0.7], gamma: null, sr: null },
    ],
    ranking: [['b', 0], ['a', 0], ['a', 1], ['b', 1], ['a', 3], ['a', 2]],
    reference: null,
  };
  it('removes the lowest-ranked channels, keeping a floor per group', () => {
    const preview = previewRatio(result, 0.5, { minKeepFraction: 0.05 });
    expect(preview.count).toBe(3);
    expect([...preview.removed.get('a')!]).toEqual([0, 1]);
    expect([...preview.removed.get('b')!]).toEqual([0]);
    expect(preview.threshold).toBe(0.2);
    // 'b' keeps its last channel: the next removal comes from 'a'.
    expect([...previewRatio(result, 0.67, { minKeepFraction: 0.05 }).removed.get('a')!]).toEqual([0, 1, 3]);
  });

  it('shows the cut the search makes with kept channels rounded: whole pairs of \'a\', and \'b\' (2 channels) whole', () => {
    const preview = previewRatio(result, 0.5, { minKeepFraction: 0.05, roundTo: 2 });
    expect([...preview.removed.get('a')!]).toEqual([0, 1]);
    expect(preview.removed.has('b')).toBe(false);
    expect(preview.threshold).toBe(0.2);
  });
});

describe('readAndSort', () => {
  const file = (name: string) => ({ file: new File([new Uint8Array([1, 2, 3])], name), path: name });
  it('sends model.json, shards, Keras and ONNX files to the model, the rest to the data', async () => {
    const sorted = await readAndSort([
      file('model.json'), file('group1-shard1of2.bin'), file('net.keras'), file('legacy.h5'), file('old.hdf5'), file('resnet.ONNX'),
      file('train-images-idx3-ubyte'), file('.DS_Store'),
    ]);
    expect(sorted.model.map((f) => f.name)).toEqual(['model.json', 'group1-shard1of2.bin', 'net.keras', 'legacy.h5', 'old.hdf5', 'resnet.ONNX']);
    expect(sorted.data.map((f) => f.name)).toEqual(['train-images-idx3-ubyte']);
  });
});

describe('the progress bar\'s time left', () => {
  it('says the call is finishing once every step is done, not "about 0 ms left"', () => {
    expect(timeLeftText(1, 0)).toBe('finishing…');
    expect(timeLeftText(1, 1200)).toBe('finishing…');
    expect(timeLeftText(0.5, 90_000)).toMatch(/^about .* left$/);
    expect(timeLeftText(0.5, undefined)).toBe('estimating time…');
    expect(timeLeftText(0.5, 1000, true)).toBe('paused');
  });
});
