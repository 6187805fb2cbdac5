/**
 * The hard limits on what a user's files may make the engine allocate, in one place. Each is checked from sizes
 * known before the allocation (a header, a trailer, a declared shape), and refused with a UserError that says the
 * limit and how to get under it. Why these values: docs/DECISIONS.md ("Hard limits").
 */
import { UserError } from './errors';

const GiB = 1024 ** 3;

export const LIMITS = {
  /** Bytes of the decoded dataset (float32 pixels): the split and the batches copy it again. */
  datasetBytes: 1 * GiB,
  /** Pixels of one image, checked from its header before it is decoded. */
  imagePixels: 40_000_000,
  /** Layers of a model, nested models counted. */
  layers: 5_000,
  /** Nesting of arrays and objects in a model's JSON. */
  jsonDepth: 100,
  /** Longest side of a model's input, in pixels. */
  inputSide: 4_096,
  /** Values of one input image (height × width × channels). */
  inputValues: 16 * 1024 * 1024,
  /** Bytes all dropped or given archives may expand to, together; also the most one gzip may inflate to. */
  archiveBytes: 1 * GiB,
} as const;

export type LimitName = keyof typeof LIMITS;

const bytesText = (bytes: number): string =>
  bytes >= GiB ? `${(bytes / GiB).toFixed(bytes % GiB ? 2 : 0)} GiB` : bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MiB` : `${bytes} bytes`;

/**
 * Refuses `value` over the limit: "`what` is <value>; the limit is <limit>. <advice>". Sizes in bytes are written
 * in GiB/MiB when `bytes` is set.
 */
export function checkLimit(name: LimitName, value: number, what: string, advice: string, bytes = false): void {
  const limit = LIMITS[name];
  if (!(value <= limit)) {
    const text = bytes ? (n: number) => bytesText(n) : (n: number) => n.toLocaleString('en-US');
    throw new UserError(`${what} is ${text(value)}; the limit is ${text(limit)}. ${advice}`);
  }
}

/** Decoded dataset of `count` images of `valuesPerImage` float32 values. */
export function checkDatasetSize(count: number, valuesPerImage: number, what: string): void {
  checkLimit('datasetBytes', count * valuesPerImage * 4, `${what}, decoded as ${count.toLocaleString('en-US')} images of ${valuesPerImage.toLocaleString('en-US')} float32 values,`,
    'Use fewer images, or smaller ones (a model with a smaller input).', true);
}

/** Nesting depth of parsed JSON, walked iteratively (a recursive walk would overflow the stack first). */
export function checkJsonDepth(value: unknown, what: string): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > LIMITS.jsonDepth) {
      throw new UserError(`${what} nests arrays and objects more than ${LIMITS.jsonDepth} levels deep; the limit is ${LIMITS.jsonDepth}. A model's JSON nests a few levels: this file is damaged or not a model.`);
    }
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
}
