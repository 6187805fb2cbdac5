/**
 * Constant tensors of an ONNX graph and the operators on them that an export's
 * shape arithmetic uses (Shape → Gather → Unsqueeze → Concat → Reshape, the
 * pads of F.pad…), folded while the graph is read. Values are plain numbers,
 * row-major; the batch size, unknown until run time, is NaN, which every
 * operation carries along.
 */
import { UserError } from '../../core/errors';

export interface Constant {
  dims: number[];
  values: ArrayLike<number>;
  /** True for float types: integer division truncates, float division does not. */
  float: boolean;
}

/** Constants of more values than this are weights, not shape arithmetic: only the operators below that read weights see them. */
const MAX_ARITHMETIC_VALUES = 1 << 20;

export const sizeOf = (dims: number[]): number => dims.reduce((product, dim) => product * dim, 1);

function strides(dims: number[]): number[] {
  const result = new Array<number>(dims.length).fill(1);
  for (let axis = dims.length - 2; axis >= 0; axis--) result[axis] = result[axis + 1] * dims[axis + 1];
  return result;
}

const normalizeAxis = (axis: number, rank: number, node: string): number => {
  const result = axis < 0 ? axis + rank : axis;
  if (!(result >= 0 && result < rank)) throw new UserError(`Node '${node}' names axis ${axis} of a ${rank}-D tensor.`);
  return result;
};

/** Numpy-style broadcasting of two constants through `op`. */
export function broadcast(a: Constant, b: Constant, op: (x: number, y: number) => number, node: string): Constant {
  const rank = Math.max(a.dims.length, b.dims.length);
  const pad = (dims: number[]) => [...new Array<number>(rank - dims.length).fill(1), ...dims];
  const [da, db] = [pad(a.dims), pad(b.dims)];
  const dims = da.map((size, axis) => {
    if (size === db[axis] || db[axis] === 1) return size;
    if (size === 1) return db[axis];
    throw new UserError(`Node '${node}' combines constants of shapes [${a.dims}] and [${b.dims}], which do not broadcast.`);
  });
  if (sizeOf(dims) > MAX_ARITHMETIC_VALUES) throw new UserError(`Node '${node}' makes a constant of ${sizeOf(dims)} values; the import folds small constants only.`);
  const [sa, sb, so] = [strides(da), strides(db), strides(dims)];
  const values = new Array<number>(sizeOf(dims));
  for (let i = 0; i < values.length; i++) {
    let ia = 0;
    let ib = 0;
    for (let axis = 0; axis < rank; axis++) {
      const at = Math.floor(i / so[axis]) % dims[axis];
      if (da[axis] !== 1) ia += at * sa[axis];
      if (db[axis] !== 1) ib += at * sb[axis];
    }
    values[i] = op(a.values[ia], b.values[ib]);
  }
  return { dims, values, float: a.float || b.float };
}

export function arithmetic(opType: string, a: Constant, b: Constant, node: string): Constant {
  const float = a.float || b.float;
  const ops: Record<string, (x: number, y: number) => number> = {
    Add: (x, y) => x + y,
    Sub: (x, y) => x - y,
    Mul: (x, y) => x * y,
    Div: float ? (x, y) => x / y : (x, y) => Math.trunc(x / y),
  };
  return broadcast(a, b, ops[opType], node);
}

export function gather(data: Constant, indices: Constant, axisAttribute: number, node: string): Constant {
  const axis = normalizeAxis(axisAttribute, data.dims.length, node);
  const size = data.dims[axis];
  const outer = sizeOf(data.dims.slice(0, axis));
  const inner = sizeOf(data.dims.slice(axis + 1));
  const picks = Array.from(indices.values, (index) => {
    const at = index < 0 ? index + size : index;
    if (!(at >= 0 && at < size)) throw new UserError(`Node '${node}' gathers index ${index} of an axis of ${size}.`);
    return at;
  });
  const values: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const at of picks) for (let i = 0; i < inner; i++) values.push(data.values[(o * size + at) * inner + i]);
  }
  return { dims: [...data.dims.slice(0, axis), ...indices.dims, ...data.dims.slice(axis + 1)], values, float: data.float };
}

export function concat(parts: Constant[], axisAttribute: number, node: string): Constant {
  const rank = parts[0].dims.length;
  const axis = normalizeAxis(axisAttribute, rank, node);
  const outer = sizeOf(parts[0].dims.slice(0, axis));
  const values: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const part of parts) {
      const chunk = sizeOf(part.dims.slice(axis));
      for (let i = 0; i < chunk; i++) values.push(part.values[o * chunk + i]);
    }
  }
  const dims = [...parts[0].dims];
  dims[axis] = parts.reduce((sum, part) => sum + part.dims[axis], 0);
  return { dims, values, float: parts.some((part) => part.float) };
}

export function unsqueeze(data: Constant, axes: number[], node: string): Constant {
  const rank = data.dims.length + axes.length;
  const sorted = axes.map((axis) => normalizeAxis(axis, rank, node)).sort((a, b) => a - b);
  const dims = [...data.dims];
  for (const axis of sorted) dims.splice(axis, 0, 1);
  return { ...data, dims };
}

export function squeeze(data: Constant, axes: number[] | undefined, node: string): Constant {
  const drop = new Set(axes ? axes.map((axis) => normalizeAxis(axis, data.dims.length, node)) : data.dims.flatMap((dim, axis) => (dim === 1 ? [axis] : [])));
  return { ...data, dims: data.dims.filter((_, axis) => !drop.has(axis)) };
}

/** ONNX Reshape's target: 0 copies the input's dimension (unless allowzero), −1 takes what is left. */
export function reshapeDims(input: number[], shape: number[], node: string): number[] {
  const dims = shape.map((dim, axis) => (dim === 0 ? input[axis] : dim));
  const known = dims.filter((dim) => dim !== -1).reduce((product, dim) => product * dim, 1);
  const free = dims.indexOf(-1);
  if (free >= 0) dims[free] = sizeOf(input) / known;
  if (sizeOf(dims) !== sizeOf(input) && !dims.some(Number.isNaN)) throw new UserError(`Node '${node}' reshapes [${input}] to [${shape}].`);
  return dims;
}

export function transpose(data: Constant, perm: number[] | undefined): Constant {
  const rank = data.dims.length;
  const order = perm ?? Array.from({ length: rank }, (_, axis) => rank - 1 - axis);
  const dims = order.map((axis) => data.dims[axis]);
  const [si, so] = [strides(data.dims), strides(dims)];
  const values = new Array<number>(data.values.length);
  for (let i = 0; i < values.length; i++) {
    let source = 0;
    for (let axis = 0; axis < rank; axis++) source += (Math.floor(i / so[axis]) % dims[axis]) * si[order[axis]];
    values[i] = data.values[source];
  }
  return { ...data, dims, values };
}

/** Slice's starts/ends/steps clamped as ONNX says, per sliced axis. */
export function sliceRanges(dims: number[], starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined, node: string): { axis: number; start: number; end: number; step: number }[] {
  return starts.map((startValue, i) => {
    const axis = normalizeAxis(axes ? axes[i] : i, dims.length, node);
    const size = dims[axis];
    const step = steps ? steps[i] : 1;
    if (step === 0) throw new UserError(`Node '${node}' slices with a step of 0.`);
    const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value < 0 ? value + size : value));
    const [low, high] = step > 0 ? [0, size] : [-1, size - 1];
    return { axis, start: clamp(startValue, low, high), end: clamp(ends[i], low, high), step };
  });
}

export function slice(data: Constant, ranges: ReturnType<typeof sliceRanges>): Constant {
  const picks = data.dims.map((size) => Array.from({ length: size }, (_, i) => i));
  for (const { axis, start, end, step } of ranges) {
    const taken: number[] = [];
    for (let at = start; step > 0 ? at < end : at > end; at += step) taken.push(at);
    picks[axis] = taken;
  }
  const dims = picks.map((list) => list.length);
  const source = strides(data.dims);
  const target = strides(dims);
  const values = new Array<number>(sizeOf(dims));
  for (let i = 0; i < values.length; i++) {
    let at = 0;
    for (let axis = 0; axis < dims.length; axis++) at += picks[axis][Math.floor(i / target[axis]) % dims[axis]] * source[axis];
    values[i] = data.values[at];
  }
  return { ...data, dims, values };
}
