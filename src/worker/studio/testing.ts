/**
 * What the studio's tests share: call contexts that record what a call reports, the built-in digits on the wasm
 * backend, fake image files and a decoder for them, IDX files, and studios loaded and trained as the page leaves them.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, expect } from 'vitest';
import type { TrainStepEvent } from '../../contract/events';
import { DEFAULT_SEARCH_SETTINGS, DEFAULT_TRAIN_SETTINGS, type SearchSettings } from '../../contract/settings';
import { useNodeBackend } from '../../engine/backend/node';
import type { ImageDataset } from '../../engine/core/types';
import { loadBuiltinDigits } from '../../engine/data/builtinDigits';
import type { ImageDecoder } from '../../engine/data/imageFiles';
import { subsetDataset } from '../../engine/data/split';
import type { CallContext } from '../callContext';
import type { Progress } from '../messages';
import type { DroppedFile, ProgressDetail, TrainParams } from '../studioTypes';
import { createStudio, type StudioApi } from './calls';
import type { StudioOptions } from './studio';

/** How many of the built-in digits the studio's tests load as the built-in data. */
export const DIGITS = 1500;

/** A call context that records what the call reports; `controller` cancels the call. */
export function context(controller = new AbortController()) {
  const progress: Progress[] = [];
  const ctx: CallContext & { log: Progress[]; controller: AbortController } = {
    signal: controller.signal,
    progress: (p) => progress.push(p),
    transfer: [],
    log: progress,
    controller,
  };
  return ctx;
}

export const details = (log: Progress[]): ProgressDetail[] => log.flatMap((p) => (p.detail ? [p.detail] : []));
export const trainEvents = (log: Progress[], phase: 'pretrain' | 'sparse'): TrainStepEvent[] =>
  details(log).flatMap((d) => (d.kind === 'train' && d.phase === phase ? d.events : []));

export const TRAIN: TrainParams = {
  criterion: 'gfr',
  settings: { ...DEFAULT_TRAIN_SETTINGS, epochs: 1, batchSize: 32, maxSteps: 12 },
  pretrainEpochs: 1,
};

export const SEARCH: SearchSettings = {
  ...DEFAULT_SEARCH_SETTINGS,
  criterion: 'gfr',
  ratios: [0, 0.1, 0.2, 0.3, 0.5, 0.7],
  refineSteps: 1,
  recalibrationBatches: 3,
  latencyRuns: 1,
  latencyBudgetMs: 100,
};

/** A fake image: bytes [width, height, red, green, blue]; the decoder paints it flat. */
export const fakeImage = (width: number, height: number, rgb: [number, number, number]): ArrayBuffer => new Uint8Array([width, height, ...rgb]).buffer;
export const fakeDecoder: ImageDecoder = async (bytes) => {
  if (bytes.length !== 5) throw new Error('not an image');
  const [width, height] = bytes;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) rgba.set([bytes[2], bytes[3], bytes[4], 255], p * 4);
  return { width, height, rgba };
};
export const file = (path: string, bytes: ArrayBuffer): DroppedFile => ({ name: path.split('/').pop()!, path, bytes });

export function idxFile(dims: number[], values: Uint8Array): ArrayBuffer {
  const header = new Uint8Array(4 + 4 * dims.length);
  header.set([0, 0, 0x08, dims.length]);
  const view = new DataView(header.buffer);
  dims.forEach((dim, i) => view.setUint32(4 + 4 * i, dim));
  const bytes = new Uint8Array(header.length + values.length);
  bytes.set(header);
  bytes.set(values, header.length);
  return bytes.buffer;
}

let loadedDigits: ImageDataset | null = null;

/** For beforeAll: the wasm backend, and the first `count` built-in digits as the built-in data of `digitsStudio`. */
export async function setUpDigits(count = DIGITS): Promise<void> {
  await useNodeBackend('wasm');
  loadedDigits = subsetDataset(await loadBuiltinDigits(), Array.from({ length: count }, (_, i) => i));
}

/** The digits `setUpDigits` loaded. */
export function digits(): ImageDataset {
  if (!loadedDigits) throw new Error('Call setUpDigits() in beforeAll first.');
  return loadedDigits;
}

/** `count` digits as IDX files of `side`×`side`×3 images (gray copied into R, G and B; cropped or padded with black). */
export function rgbIdxFiles(count: number, side = 28): DroppedFile[] {
  const { images, labels } = digits();
  const pixels = new Uint8Array(count * side * side * 3);
  for (let n = 0; n < count; n++) {
    for (let y = 0; y < Math.min(side, 28); y++) {
      for (let x = 0; x < Math.min(side, 28); x++) {
        const value = Math.round(images[n * 784 + y * 28 + x] * 255);
        pixels.fill(value, ((n * side + y) * side + x) * 3, ((n * side + y) * side + x) * 3 + 3);
      }
    }
  }
  return [
    file('train-images-idx3-ubyte', idxFile([count, side, side, 3], pixels)),
    file('train-labels-idx1-ubyte', idxFile([count], Uint8Array.from(labels.subarray(0, count)))),
  ];
}

/** A studio whose built-in data is the digits `setUpDigits` loaded, decoding fake images. */
export function digitsStudio(options: StudioOptions = {}): StudioApi {
  return createStudio({ loadBuiltinData: async () => digits(), decodeImage: fakeDecoder, ...options });
}

/** A fresh studio with the built-in lenet and digits loaded. */
export async function loadedStudio(options: StudioOptions = {}): Promise<StudioApi> {
  const studio = digitsStudio(options);
  await studio.loadModel({ kind: 'builtin', name: 'lenet' }, context());
  await studio.loadData({ kind: 'builtin' }, context());
  return studio;
}

/** A fresh studio, loaded, pretrained and sparse-trained with TRAIN. */
export async function trainedStudio(): Promise<StudioApi> {
  const studio = await loadedStudio();
  await studio.train(TRAIN, context());
  return studio;
}

/** For a describe block: every call leaves the tensors as it found them (a studio keeps plain specs, never tensors). */
export function expectNoTensorsLeft(): { readonly atStart: number } {
  const counts = { atStart: 0 };
  beforeEach(() => {
    counts.atStart = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors, 'tensors left behind').toBe(counts.atStart);
  });
  return counts;
}
