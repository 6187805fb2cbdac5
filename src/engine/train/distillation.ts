/**
 * Knowledge distillation from the model as the user brought it (issue 10,
 * docs/METHOD.md §3.3): the sparse-trained student also
 * matches the original's class distribution at a temperature T (Hinton et
 * al., 2015), so it keeps the function the user already has while channels
 * go to zero. The teacher sees the image the student sees: without
 * augmentation, or with flips only, the teacher's output for an image (and
 * for its mirror) is computed once, not at every step; with shifts it is
 * computed on each augmented batch (`targetsOn`).
 */
import * as tf from '@tensorflow/tfjs';
import { trainingFusionConfig } from '../backend/trainingFusionConfig';
import type { ImageDataset } from '../core/types';
import { distributionLogits } from '../eval/outputKind';
import { augmentImages } from './augmentation';
import type { OutputKind } from '../../contract/outputKind';


/**
 * The original's outputs on the training images, as distribution logits
 * (`distributionLogits`), each computed the first time a batch needs it and
 * kept: a long run pays one forward pass per image, a short demo run only for
 * the images it visits.
 */
export class Teacher {
  /** Rows per key: image i as it is (key i), mirrored (key count + i). */
  private readonly rows: Float32Array;
  private readonly known: Uint8Array;

  constructor(private readonly model: tf.LayersModel, private readonly kind: OutputKind, private readonly data: ImageDataset) {
    this.rows = new Float32Array(2 * data.count * data.numClasses);
    this.known = new Uint8Array(2 * data.count);
  }

  /** Rows of `distillationTargets` at `targetTemperature`, per key, filled as images are asked for. */
  private targetRows: { temperature: number; target: Float32Array; logTarget: Float32Array; known: Uint8Array } | null = null;

  get classes(): number {
    return this.data.numClasses;
  }

  /** The keys of the images at `indices`, mirrored where `flipped` says so. */
  private keysOf(indices: Int32Array, flipped?: Uint8Array): Int32Array {
    return flipped ? Int32Array.from(indices, (index, k) => (flipped[k] ? this.data.count + index : index)) : indices;
  }

  /** The teacher's rows for the images at `indices` of the data (mirrored where `flipped` is 1), N × classes. */
  async logitsFor(indices: Int32Array, flipped?: Uint8Array): Promise<Float32Array> {
    return this.logitsForKeys(this.keysOf(indices, flipped));
  }

  private async logitsForKeys(keys: Int32Array): Promise<Float32Array> {
    const { height, width, channels, numClasses, count } = this.data;
    const missing = [...new Set(Array.from(keys).filter((key) => !this.known[key]))];
    if (missing.length > 0) {
      const per = height * width * channels;
      const images = new Float32Array(missing.length * per);
      const mirrored = new Uint8Array(missing.length);
      missing.forEach((key, k) => {
        const index = key % count;
        mirrored[k] = key >= count ? 1 : 0;
        images.set(this.data.images.subarray(index * per, (index + 1) * per), k * per);
      });
      // Mirrored exactly as the student's batch is (a flip draws nothing when forced).
      const seen = mirrored.some((m) => m === 1) ? mirrorWhere(images, missing.length, this.data, mirrored) : images;
      const values = await this.predictRows(seen, missing.length);
      missing.forEach((key, k) => {
        this.rows.set(values.subarray(k * numClasses, (k + 1) * numClasses), key * numClasses);
        this.known[key] = 1;
      });
    }
    return gatherRows(this.rows, keys, numClasses);
  }

  private async predictRows(images: Float32Array, size: number): Promise<Float32Array> {
    const { height, width, channels } = this.data;
    // One pass over the batch: predict's default of 32 would cut a step's batch of 64 in two and join the halves again.
    const logits = tf.tidy(() => distributionLogits(this.model.predict(tf.tensor4d(images, [size, height, width, channels]), { batchSize: size }) as tf.Tensor2D, this.kind));
    const values = (await logits.data()) as Float32Array;
    logits.dispose();
    return values;
  }

  /**
   * The teacher's targets at temperature T for the images at `indices`
   * (mirrored where `flipped` is 1): softmax and log-softmax of its rows
   * over T, each computed once per image, mirror and temperature: constants
   * of the run, so a training step spends no kernel on them.
   */
  async targetsFor(indices: Int32Array, temperature: number, flipped?: Uint8Array): Promise<{ target: Float32Array; logTarget: Float32Array }> {
    const { count, numClasses } = this.data;
    if (this.targetRows?.temperature !== temperature) {
      const size = 2 * count * numClasses;
      this.targetRows = { temperature, target: new Float32Array(size), logTarget: new Float32Array(size), known: new Uint8Array(2 * count) };
    }
    const rows = this.targetRows;
    const keys = this.keysOf(indices, flipped);
    const missing = Int32Array.from(new Set(Array.from(keys).filter((key) => !rows.known[key])));
    if (missing.length > 0) {
      const logits = await this.logitsForKeys(missing);
      const { target, logTarget } = await this.targetsOfRows(logits, missing.length, temperature);
      missing.forEach((key, k) => {
        rows.target.set(target.subarray(k * numClasses, (k + 1) * numClasses), key * numClasses);
        rows.logTarget.set(logTarget.subarray(k * numClasses, (k + 1) * numClasses), key * numClasses);
        rows.known[key] = 1;
      });
    }
    return { target: gatherRows(rows.target, keys, numClasses), logTarget: gatherRows(rows.logTarget, keys, numClasses) };
  }

  /**
   * The teacher's targets on a batch as the student sees it (N × H × W × C):
   * for shifted images, which no cache can hold; one forward pass of the
   * teacher per step.
   */
  async targetsOn(images: Float32Array, size: number, temperature: number): Promise<{ target: Float32Array; logTarget: Float32Array }> {
    return this.targetsOfRows(await this.predictRows(images, size), size, temperature);
  }

  private async targetsOfRows(logits: Float32Array, size: number, temperature: number): Promise<{ target: Float32Array; logTarget: Float32Array }> {
    const targets = tf.tidy(() => distillationTargets(tf.tensor2d(logits, [size, this.data.numClasses]), temperature));
    const [target, logTarget] = (await Promise.all([targets.target.data(), targets.logTarget.data()])) as Float32Array[];
    tf.dispose([targets.target, targets.logTarget]);
    return { target, logTarget };
  }
}

/** The images of `images` mirrored where `which` is 1. */
function mirrorWhere(images: Float32Array, size: number, shape: ImageDataset, which: Uint8Array): Float32Array {
  let k = 0;
  return augmentImages(images, size, shape, 'flip', () => (which[k++] ? 0 : 1)).images;
}

function gatherRows(rows: Float32Array, indices: Int32Array, width: number): Float32Array {
  const out = new Float32Array(indices.length * width);
  indices.forEach((index, k) => out.set(rows.subarray(index * width, (index + 1) * width), k * width));
  return out;
}

/** The teacher's side of the loss at temperature T: softmax(teacher / T) and its log, N × classes each. */
// A type, not an interface: tf.tidy may return it.
export type DistillationTargets = { target: tf.Tensor2D; logTarget: tf.Tensor2D };

export function distillationTargets(teacher: tf.Tensor2D, temperature: number): DistillationTargets {
  return tf.tidy(() => ({ target: tf.softmax(tf.div(teacher, temperature)) as tf.Tensor2D, logTarget: tf.logSoftmax(tf.div(teacher, temperature)) as tf.Tensor2D }));
}

/** T² · mean over the batch of KL(softmax(teacher / T) ‖ softmax(student / T)). */
export function distillationLoss(student: tf.Tensor2D, teacher: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => distillationLossToTargets(student, distillationTargets(teacher, temperature), temperature));
}

/**
 * distillationLoss against targets computed beforehand (`Teacher.targetsFor`
 * keeps them per image: they are the same at every step). With the
 * `distillation` fusion its gradient is in closed form,
 * ∂/∂student = T·(softmax(student / T) − target) / N, so the tape records one
 * node instead of ~15; without it, tfjs differentiates the same formula.
 */
export function distillationLossToTargets(student: tf.Tensor2D, targets: DistillationTargets, temperature: number): tf.Scalar {
  if (trainingFusionConfig.fused.distillation) return closedFormDistillation(student, targets.target, targets.logTarget, temperature);
  return tf.tidy(() => meanKl(targets.target, targets.logTarget, tf.logSoftmax(tf.div(student, temperature)), temperature));
}

/** T² · mean over the rows of Σ target·(log target − log student). */
function meanKl(target: tf.Tensor, logTarget: tf.Tensor, logStudent: tf.Tensor, temperature: number): tf.Scalar {
  return tf.mul(tf.mean(tf.sum(tf.mul(target, tf.sub(logTarget, logStudent)), 1)), temperature * temperature) as tf.Scalar;
}

function closedFormDistillation_(student: tf.Tensor2D, target: tf.Tensor2D, logTarget: tf.Tensor2D, temperature: number): tf.Scalar {
  const loss = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const logStudent = tf.logSoftmax(tf.div(args[0] as tf.Tensor, temperature));
    save([logStudent, target]);
    const gradFunc = (dy: tf.Tensor, [savedLogStudent, savedTarget]: tf.Tensor[]): tf.Tensor =>
      tf.mul(tf.sub(tf.exp(savedLogStudent), savedTarget), tf.mul(dy, temperature / student.shape[0]));
    return { value: meanKl(target, logTarget, logStudent, temperature), gradFunc };
  });
  return loss(student) as tf.Scalar;
}

const closedFormDistillation = tf.op({ closedFormDistillation_ });
