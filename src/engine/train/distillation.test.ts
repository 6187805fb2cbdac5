import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelFromSpec } from '../io/modelSpec';
import { syntheticDataset } from '../testing/syntheticData';
import { expectNoLeaks, maxAbsDifference } from '../testing/tensors';
import { flattenModel, twoConvModel } from '../testing/tinyModels';
import { distillationLoss, Teacher } from './distillation';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const softmax = (row: number[]): number[] => {
  const max = Math.max(...row);
  const exps = row.map((value) => Math.exp(value - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((value) => value / sum);
};

/** KL(softmax(t / T) ‖ softmax(s / T)) by hand. */
const kl = (teacher: number[], student: number[], temperature: number): number => {
  const p = softmax(teacher.map((v) => v / temperature));
  const q = softmax(student.map((v) => v / temperature));
  return p.reduce((sum, pi, i) => sum + pi * Math.log(pi / q[i]), 0);
};

const lossOf = (student: number[][], teacher: number[][], temperature: number): number =>
  tf.tidy(() => distillationLoss(tf.tensor2d(student), tf.tensor2d(teacher), temperature).dataSync()[0]);

describe('distillationLoss', () => {
  const teacher = [[2, 0.5, -1], [0, 3, 1]];
  const student = [[0.5, 1, 0], [1, 1, 2]];

  it('is zero when the student matches the teacher, positive otherwise', () => {
    expect(Math.abs(lossOf(teacher, teacher, 4))).toBeLessThan(1e-6);
    // A constant shift of the logits is the same distribution.
    expect(Math.abs(lossOf(teacher.map((row) => row.map((v) => v + 7)), teacher, 2))).toBeLessThan(1e-5);
    expect(lossOf(student, teacher, 4)).toBeGreaterThan(1e-3);
  });

  it('is T² times the mean KL divergence at temperature T', () => {
    for (const temperature of [1, 2, 4]) {
      const expected = temperature ** 2 * (kl(teacher[0], student[0], temperature) + kl(teacher[1], student[1], temperature)) / 2;
      expect(lossOf(student, teacher, temperature)).toBeCloseTo(expected, 5);
    }
  });

  it('leaks no tensor', async () => {
    const [s, t] = [tf.tensor2d(student), tf.tensor2d(teacher)];
    await expectNoLeaks(() => distillationLoss(s, t, 3).dispose());
    [s, t].forEach((tensor) => tensor.dispose());
  });
});

describe('Teacher', () => {
  const data = syntheticDataset(12);
  const shape: [number, number, number, number] = [data.count, data.height, data.width, data.channels];
  const all = Int32Array.from({ length: data.count }, (_, i) => i);

  it('gives log p of the asked images for a softmax model, in the order asked', async () => {
    const model = await modelFromSpec(await flattenModel());
    // flattenModel has 5 classes; the data's labels stay below 3.
    const teacher = new Teacher(model, 'softmax', { ...data, numClasses: 5 });
    expect(teacher.classes).toBe(5);
    const expected = tf.tidy(() => tf.log(model.predict(tf.tensor4d(data.images, shape)) as tf.Tensor).dataSync());
    const rows = await expectNoLeaks(() => teacher.logitsFor(Int32Array.from([4, 0, 4])));
    expect(rows.length).toBe(3 * 5);
    expect(maxAbsDifference(rows.subarray(0, 5), expected.subarray(20, 25))).toBeLessThan(1e-4);
    expect(maxAbsDifference(rows.subarray(5, 10), expected.subarray(0, 5))).toBeLessThan(1e-4);
    expect(maxAbsDifference(rows.subarray(10, 15), expected.subarray(20, 25))).toBeLessThan(1e-4);
    // Every image at once, the cached ones included, agrees with one forward pass.
    expect(maxAbsDifference(await teacher.logitsFor(all), expected)).toBeLessThan(1e-4);
    model.dispose();
  });

  it('computes an image once: a changed model does not change a row already given', async () => {
    const model = await modelFromSpec(await twoConvModel(1));
    const teacher = new Teacher(model, 'logits', data);
    const first = await teacher.logitsFor(Int32Array.from([1, 2]));
    const expected = tf.tidy(() => (model.predict(tf.tensor4d(data.images, shape)) as tf.Tensor).dataSync());
    expect(maxAbsDifference(first, expected.subarray(3, 9))).toBeLessThan(1e-5);
    // Not all in [0, 1]: these are logits, not probabilities.
    expect(Array.from(expected).some((value) => value < 0 || value > 1)).toBe(true);
    model.weights.forEach((weight) => weight.write(tf.zerosLike(weight.read())));
    expect(Array.from(await teacher.logitsFor(Int32Array.from([2, 1])))).toEqual([...Array.from(first.subarray(3, 6)), ...Array.from(first.subarray(0, 3))]);
    model.dispose();
  });

  it('gives the targets at T of the asked images (softmax and log-softmax of its rows over T), kept per temperature', async () => {
    const model = await modelFromSpec(await twoConvModel(1));
    const teacher = new Teacher(model, 'logits', data);
    const indices = Int32Array.from([5, 0, 5, 11]);
    for (const temperature of [4, 1.5]) {
      const logits = await teacher.logitsFor(indices);
      const [target, logTarget] = tf.tidy(() => {
        const scaled = tf.div(tf.tensor2d(logits, [indices.length, data.numClasses]), temperature);
        return [tf.softmax(scaled).dataSync(), tf.logSoftmax(scaled).dataSync()];
      });
      const rows = await expectNoLeaks(() => teacher.targetsFor(indices, temperature));
      expect(maxAbsDifference(rows.target, target)).toBeLessThan(1e-6);
      expect(maxAbsDifference(rows.logTarget, logTarget)).toBeLessThan(1e-6);
      // Kept: a changed model changes no target already given.
      model.weights.forEach((weight) => weight.write(tf.zerosLike(weight.read())));
      expect(Array.from((await teacher.targetsFor(indices, temperature)).target)).toEqual(Array.from(rows.target));
    }
    model.dispose();
  });
});
