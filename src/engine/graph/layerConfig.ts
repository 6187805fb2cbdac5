/**
 * Readers of Keras layer configs, shared by the two per-layer tables: the
 * engine's handlers (`graph/handlers.ts`: shapes, costs, pruning) and the ONNX
 * export's converters (`export/onnx/layers.ts`), so both read a layer alike.
 */

/** A 2-D setting given as one number or [h, w]; `fallback` where it is absent. */
function pair(value: unknown, fallback: number): [number, number] {
  if (Array.isArray(value)) return [Number(value[0]), Number(value[1] ?? value[0])];
  if (typeof value === 'number') return [value, value];
  return [fallback, fallback];
}

/** A sliding window: its size, strides and dilation, each [h, w]. */
export interface Window {
  size: [number, number];
  strides: [number, number];
  dilation: [number, number];
}

/** A convolution's window (Conv2D, DepthwiseConv2D). */
export function convWindow(config: Record<string, unknown>): Window {
  return { size: pair(config.kernel_size, 1), strides: pair(config.strides, 1), dilation: pair(config.dilation_rate, 1) };
}

/** A pooling layer's window: the pool is 2×2 unless set (Keras's default), and the strides default to the pool. */
export function poolWindow(config: Record<string, unknown>): Window {
  const size = pair(config.pool_size, 2);
  return { size, strides: config.strides == null ? size : pair(config.strides, 1), dilation: [1, 1] };
}

/** ZeroPadding2D's [[top, bottom], [left, right]], from one number, [h, w] or the two pairs. */
export function zeroPaddingSides(padding: unknown): [[number, number], [number, number]] {
  if (Array.isArray(padding) && Array.isArray(padding[0])) return padding as [[number, number], [number, number]];
  const [h, w] = pair(padding, 1);
  return [[h, h], [w, w]];
}

/** A ReLU layer's settings: f(x) = min(max, x ≥ threshold ? x : slope·(x − threshold)); no max where undefined. */
export function reluSettings(config: Record<string, unknown>): { max: number | undefined; slope: number; threshold: number } {
  return {
    max: config.max_value == null ? undefined : Number(config.max_value),
    slope: Number(config.negative_slope ?? 0),
    threshold: Number(config.threshold ?? 0),
  };
}
