/** Pure-JS operations on WeightArrays (row-major), used by pruning and folding. */
import type { WeightArray } from './types';

/** Keeps the given indices along one axis. */
export function takeAlongAxis(weight: WeightArray, axis: number, indices: readonly number[]): WeightArray {
  const { shape, values } = weight;
  const resolved = axis < 0 ? shape.length + axis : axis;
  const outer = shape.slice(0, resolved).reduce((p, s) => p * s, 1);
  const inner = shape.slice(resolved + 1).reduce((p, s) => p * s, 1);
  const size = shape[resolved];
  const result = new Float32Array(outer * indices.length * inner);
  let offset = 0;
  for (let o = 0; o < outer; o++) {
    for (const index of indices) {
      const start = (o * size + index) * inner;
      result.set(values.subarray(start, start + inner), offset);
      offset += inner;
    }
  }
  const newShape = [...shape];
  newShape[resolved] = indices.length;
  return { shape: newShape, values: result };
}

export function vector(values: ArrayLike<number>): WeightArray {
  return { shape: [values.length], values: Float32Array.from(values) };
}

export function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index);
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}
