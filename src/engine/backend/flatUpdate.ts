/**
 * What the flat optimizers (FusedAdam, FusedSgd) share: which variables have a gradient this step, their values and
 * gradients as one flat vector each, and the new values split back into the variables.
 */
import * as tf from '@tensorflow/tfjs';

/** One variable's place in the flat buffers. */
export interface Segment {
  name: string;
  size: number;
}

export const flat = (t: tf.Tensor): tf.Tensor1D => (t.rank === 1 ? (t as tf.Tensor1D) : tf.reshape(t, [-1]));

export interface FlatStep {
  variables: tf.Variable[];
  layout: Segment[];
  /** Call inside a tidy: the gradients and the values, concatenated in the layout's order. */
  gradient: () => tf.Tensor1D;
  value: () => tf.Tensor1D;
}

/** The variables that have a gradient this step, in order; null when none has. */
export function flatStep(variableGradients: Parameters<tf.Optimizer['applyGradients']>[0]): FlatStep | null {
  const entries = Array.isArray(variableGradients)
    ? variableGradients.map(({ name, tensor }) => [name, tensor] as const)
    : Object.entries(variableGradients);
  const present = entries.filter(([, gradient]) => gradient != null);
  if (present.length === 0) return null;
  const variables = present.map(([name]) => tf.engine().registeredVariables[name]);
  return {
    variables,
    layout: present.map(([name], i) => ({ name, size: variables[i].size })),
    gradient: () => tf.concat(present.map(([, g]) => flat(g))),
    value: () => tf.concat(variables.map(flat)),
  };
}

/** Writes the flat new values back into the variables (inside a tidy). */
export function assignFlat(step: FlatStep, next: tf.Tensor1D): void {
  const pieces = tf.split(next, step.layout.map((s) => s.size));
  step.variables.forEach((variable, i) => variable.assign(variable.rank === 1 ? pieces[i] : tf.reshape(pieces[i], variable.shape)));
}

/** Whether two layouts place the same variables the same way (the buffers can stay as they are). */
export const sameLayout = (a: Segment[], b: Segment[]): boolean => a.length === b.length && a.every((s, i) => s.name === b[i].name && s.size === b[i].size);
