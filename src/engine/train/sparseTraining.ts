/**
 * Step 2: sparse training of a (GFR-instrumented) model with a custom loop,
 * so that the loss can carry the sparsity terms and sr can follow the gates.
 *   L = cross-entropy + λγ·Σ|γ| + λs·R(s)   (R: the gates' sum, or its polarized form)
 * With a target share of channels (SPEC §2 design), the γ term leaves the loss
 * and a SparsityController applies a proximal polarization step after every
 * optimizer step instead, driving that share of channels to exactly zero.
 * Modes follow from the model and the settings: `gfr` (GFR layers present),
 * `gamma` (no GFR: Network Slimming), `plain` (no sparsity at all).
 */
import * as tf from '@tensorflow/tfjs';
import { nextTick, throwIfAborted } from '../core/abort';
import { UserError } from '../core/errors';
import type { ImageDataset } from '../core/types';
import { batchCount, batches } from '../data/split';
import { classificationLoss, declaredOutputKind, distributionLogits, outputLayerView, type OutputKind } from '../eval/outputKind';
import { isGfrLayer, type GfrLayer } from '../gfr/gfrLayer';
import { DEFAULT_GATE_TEMPERATURE, DEFAULT_SR_MOMENTUM } from '../gfr/gfrLayer';
import type { ModelAnalysis } from '../graph/analyze';
import { gammaL1, GATE_PENALTIES, gatePenalty, type GatePenalty } from './regularizers';
import { readGuard, type AccuracyGuard } from './accuracyGuard';
import { DEFAULT_DISTILLATION, distillationLoss, type Teacher } from './distillation';
import { DEFAULT_GAMMA_SCALE } from './rescale';
import { StepClock } from './stepClock';
import { AUTO_SPARSITY, DEFAULT_SPARSITY, SPARSITY_MEASURES, SparsityController, type ControllerState, type SparsityMeasure, type SparsityStatus } from './sparsityController';

/** `auto`: free as much as accuracy allows (needs a guard); `fixed`: follow the schedule to `target`. */
export type TargetMode = 'auto' | 'fixed';
export const TARGET_MODES: readonly TargetMode[] = ['auto', 'fixed'];

export interface TrainSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** λγ: weight of Σ|γ|. */
  lambdaGamma: number;
  /** λs: weight of the gates' penalty R(s). */
  lambdaS: number;
  /** R(s): Σ mean_N(s), or the polarization of the gates within each layer. */
  gatePenalty: GatePenalty;
  /** τ of the gates' sigmoid, applied when GFR is inserted (1 = the plain sigmoid). */
  gateTemperature: number;
  /** μ of sr's moving average. */
  srMomentum: number;
  /** Seed of the batch order. */
  seed: number;
  /** Share to free: of prunable channels driven to exactly zero, or of FLOPs (targetKind); 0 = plain L1 on γ in the loss. */
  target: number;
  targetKind: SparsityMeasure;
  /**
   * `auto` (with an accuracy guard, i.e. from a trained start): the schedule
   * rises toward AUTO_SPARSITY.target and stops while accuracy is too low;
   * `target` is then unused. `fixed`: the schedule reaches `target`.
   */
  targetMode: TargetMode;
  /** Share of the task loss given to distillation from the original (used when a teacher is given), 0..1. */
  distillation: number;
  /** T of distillation. */
  distillTemperature: number;
  /** Factor applied to BN γ, β before training (1 = none). */
  gammaScale: number;
  /** Stop after this many steps (a budget for demos and tests). */
  maxSteps?: number;
  /** Points of accuracy the selection may lose against the original; the guard holds sparsity at half of it (default 1). */
  tolerance?: number;
  /** Readings of the accuracy guard per epoch (automatic target; default 5): the steps a chunk of zeros has to recover. */
  guardReadings?: number;
}

/**
 * Adam's rate for sparse training from a trained start (the CLI's and the
 * studio's default there): 1e-3 moved a converged model off its optimum
 * before a channel was removed; with gradual zeroing and the teacher, 1e-4
 * recovered too slowly from each chunk of zeros (trained ResNet: −1.15
 * points unpruned at the end, against +1.25 at 3e-4; docs/DECISIONS.md).
 */
export const TRAINED_START_LEARNING_RATE = 3e-4;

export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  epochs: 2,
  batchSize: 64,
  learningRate: 1e-3,
  lambdaGamma: 1e-4,
  lambdaS: 1e-4,
  gatePenalty: 'sum',
  gateTemperature: DEFAULT_GATE_TEMPERATURE,
  srMomentum: DEFAULT_SR_MOMENTUM,
  seed: 1,
  target: DEFAULT_SPARSITY.target,
  targetKind: DEFAULT_SPARSITY.measure,
  targetMode: 'auto',
  distillation: DEFAULT_DISTILLATION.weight,
  distillTemperature: DEFAULT_DISTILLATION.temperature,
  gammaScale: DEFAULT_GAMMA_SCALE,
};

export interface TrainStepEvent {
  kind: 'step';
  step: number;
  totalSteps: number;
  epoch: number;
  /** Total loss, with the sparsity terms. */
  loss: number;
  crossEntropy: number;
  /** Top-1 accuracy on this batch, 0..1. */
  accuracy: number;
  /** Images/s, elapsed and remaining time count only the time the run ran, not its pauses. */
  imagesPerSec: number;
  elapsedMs: number;
  remainingMs: number;
  /** Share of channels at exactly zero against the schedule; absent without a target. */
  sparsity?: SparsityStatus;
  /** The accuracy guard's latest reading on the calibration images, with its floor (0..1). */
  guard?: GuardReading;
}

export interface GuardReading {
  step: number;
  accuracy: number;
  /** One standard error of the reading's difference with the original; a reading fails below floor − noise. */
  noise?: number;
  floor: number;
  /** Below the floor: training went back to the weights and zeros of this earlier step's reading. */
  restoredFrom?: number;
}

/** Weights and controller state at a good reading of the accuracy guard. */
class Checkpoint {
  private constructor(private readonly weights: tf.Tensor[], readonly state: ControllerState, readonly reading: GuardReading) {}

  static take(model: tf.LayersModel, controller: SparsityController, reading: GuardReading, previous?: Checkpoint): Checkpoint {
    previous?.dispose();
    return new Checkpoint(model.weights.map((weight) => tf.clone(weight.read())), controller.checkpoint(), reading);
  }

  restore(model: tf.LayersModel): void {
    model.weights.forEach((weight, index) => weight.write(this.weights[index]));
  }

  dispose(): void {
    this.weights.forEach((tensor) => tensor.dispose());
  }
}

export interface TrainEpochEvent {
  kind: 'epoch';
  epoch: number;
  epochs: number;
}

export type TrainEvent = TrainStepEvent | TrainEpochEvent;

export interface TrainOptions {
  signal?: AbortSignal;
  onEvent?: (event: TrainEvent) => void;
  /** BN layers whose γ gets the L1 term (default: every BN with a γ). */
  regularizedBns?: string[];
  /** The model's analysis (without GFR): with a target, the controller frees channels of its prunable groups. */
  analysis?: ModelAnalysis;
  /** Awaited before every step: resolves at once, or when a paused run is resumed. */
  whilePaused?: () => Promise<void>;
  /** What the model outputs, for the matching loss (default: what its last layer declares, else softmax). */
  outputKind?: OutputKind;
  /** The original's outputs on the training images: adds distillation (settings.distillation). */
  teacher?: Teacher;
  /** Stops sparsity from rising while calibration accuracy is below its floor; makes `auto` possible. */
  guard?: AccuracyGuard;
}

export interface TrainSummary {
  steps: number;
  images: number;
  /** Time the run ran, pauses left out. */
  elapsedMs: number;
  imagesPerSec: number;
  lastLoss: number;
  lastAccuracy: number;
  sparsity?: SparsityStatus;
  /** The last reading of the accuracy guard. */
  guard?: GuardReading;
}

interface StepResult {
  loss: number;
  crossEntropy: number;
  correct: number;
}

export async function trainSparse(model: tf.LayersModel, data: ImageDataset, settings: TrainSettings, options: TrainOptions = {}): Promise<TrainSummary> {
  checkSettings(settings, data);
  const gfrLayers = model.layers.filter(isGfrLayer);
  const gammas = gammaVariables(model, options.regularizedBns);
  const optimizer = tf.train.adam(settings.learningRate);
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const stepsPerEpoch = batchCount(data, settings.batchSize);
  const totalSteps = Math.min(settings.maxSteps ?? Infinity, settings.epochs * stepsPerEpoch);
  const outputKind = options.outputKind ?? declaredOutputKind(outputLayerView(model)) ?? 'softmax';
  const auto = settings.targetMode === 'auto' && options.guard !== undefined;
  const sparsitySettings = {
    ...DEFAULT_SPARSITY, ...(auto ? { ...AUTO_SPARSITY, chunkSteps: options.guard!.every } : { target: settings.target }), measure: settings.targetKind,
  };
  const controller = options.analysis && sparsitySettings.target > 0
    ? await SparsityController.create(model, options.analysis, sparsitySettings, totalSteps)
    : undefined;
  const guard = controller?.enabled ? options.guard : undefined;
  let guardReading: GuardReading | undefined;
  // The model as it starts is the first good state: it is the original, or close to it.
  let lastGood = guard && controller ? Checkpoint.take(model, controller, { step: 0, accuracy: NaN, floor: guard.floor }) : undefined;
  const lambdaGamma = controller?.enabled ? 0 : settings.lambdaGamma;
  let sparsity: SparsityStatus | undefined;
  const clock = new StepClock();
  let step = 0;
  let images = 0;
  let last: StepResult = { loss: NaN, crossEntropy: NaN, correct: 0 };
  let lastBatch = 1;
  try {
    for (let epoch = 0; epoch < settings.epochs && step < totalSteps; epoch++) {
      for (const batch of batches(data, settings.batchSize, { shuffle: true, seed: settings.seed + epoch })) {
        if (step >= totalSteps) break;
        await clock.excluding(options.whilePaused?.());
        throwIfAborted(options.signal);
        last = await trainStep(model, batch, data, {
          optimizer, variables, gammas, gfrLayers, settings: { ...settings, lambdaGamma }, firstStep: step === 0,
          outputKind, teacher: settings.distillation > 0 ? options.teacher : undefined,
        });
        step++;
        if (!Number.isFinite(last.loss)) {
          throw new UserError(`Training diverged at step ${step}: the loss became ${last.loss}. The model is kept as it was before training; try a smaller learning rate than ${settings.learningRate}.`);
        }
        if (controller?.enabled) sparsity = await controller.afterStep(step, settings.learningRate);
        if (guard && controller && (step % guard.every === 0 || step === totalSteps)) {
          const reading = await readGuard(model, guard);
          guardReading = { step, accuracy: reading.accuracy, noise: reading.noise, floor: guard.floor };
          if (reading.passes) {
            lastGood = Checkpoint.take(model, controller, guardReading, lastGood);
            controller.goodReading();
          }
          else if (lastGood) {
            lastGood.restore(model);
            controller.setBack(lastGood.state);
            sparsity = controller.status();
            guardReading = { ...guardReading, restoredFrom: lastGood.reading.step };
          }
        }
        images += batch.size;
        lastBatch = batch.size;
        clock.stepDone(step);
        const elapsedMs = clock.elapsedMs();
        options.onEvent?.({
          kind: 'step', step, totalSteps, epoch: epoch + 1,
          loss: last.loss, crossEntropy: last.crossEntropy, accuracy: last.correct / batch.size,
          imagesPerSec: (images / elapsedMs) * 1000, elapsedMs, remainingMs: clock.remainingMs(step, totalSteps), sparsity,
          ...(guardReading ? { guard: guardReading } : {}),
        });
        await nextTick();
      }
      options.onEvent?.({ kind: 'epoch', epoch: epoch + 1, epochs: settings.epochs });
    }
  } finally {
    gfrLayers.forEach((layer) => layer.releaseGates());
    optimizer.dispose();
    lastGood?.dispose();
  }
  const elapsedMs = clock.elapsedMs();
  return {
    steps: step, images, elapsedMs, imagesPerSec: (images / elapsedMs) * 1000, lastLoss: last.loss, lastAccuracy: last.correct / lastBatch, sparsity,
    ...(guardReading ? { guard: guardReading } : {}),
  };
}

interface StepContext {
  optimizer: tf.Optimizer;
  variables: tf.Variable[];
  gammas: tf.Variable[];
  gfrLayers: GfrLayer[];
  settings: TrainSettings;
  firstStep: boolean;
  outputKind: OutputKind;
  teacher?: Teacher;
}

async function trainStep(
  model: tf.LayersModel,
  batch: { images: Float32Array; labels: Int32Array; size: number; indices: Int32Array },
  data: ImageDataset,
  context: StepContext,
): Promise<StepResult> {
  const { settings, gfrLayers } = context;
  const teacherLogits = context.teacher ? await context.teacher.logitsFor(batch.indices) : undefined;
  let parts: tf.Tensor | undefined;
  try {
    tf.tidy(() => {
      const x = tf.tensor4d(batch.images, [batch.size, data.height, data.width, data.channels]);
      const labels = tf.tensor1d(batch.labels, 'int32');
      context.optimizer.minimize(() => {
        const outputs = model.apply(x, { training: true }) as tf.Tensor2D;
        const crossEntropy = classificationLoss(outputs, labels, context.outputKind);
        let loss: tf.Scalar = crossEntropy;
        if (teacherLogits) {
          const teacher = tf.tensor2d(teacherLogits, [batch.size, data.numClasses]);
          const distilled = distillationLoss(distributionLogits(outputs, context.outputKind), teacher, settings.distillTemperature);
          loss = tf.add(tf.mul(crossEntropy, 1 - settings.distillation), tf.mul(distilled, settings.distillation));
        }
        if (settings.lambdaGamma > 0 && context.gammas.length) loss = tf.add(loss, tf.mul(gammaL1(context.gammas), settings.lambdaGamma));
        if (settings.lambdaS > 0 && gfrLayers.length) loss = tf.add(loss, tf.mul(gatePenalty(gfrLayers, settings.gatePenalty, DEFAULT_SPARSITY.polarization), settings.lambdaS));
        const correct = tf.sum(tf.cast(tf.equal(tf.argMax(outputs, 1), labels), 'float32'));
        parts = tf.keep(tf.stack([loss, crossEntropy, correct]));
        return loss;
      }, false, context.variables);
    });
    gfrLayers.forEach((layer) => layer.updateRelationshipFactor(settings.srMomentum, context.firstStep));
    const [loss, crossEntropy, correct] = await parts!.data();
    return { loss, crossEntropy, correct };
  } finally {
    parts?.dispose();
    gfrLayers.forEach((layer) => layer.releaseGates());
  }
}

function gammaVariables(model: tf.LayersModel, names: string[] | undefined): tf.Variable[] {
  return model.layers
    .filter((layer) => layer.getClassName() === 'BatchNormalization' && (!names || names.includes(layer.name)))
    .flatMap((layer) => layer.trainableWeights.filter((weight) => weight.originalName.endsWith('/gamma')))
    .map((weight) => weight.read() as tf.Variable);
}

function checkSettings(settings: TrainSettings, data: ImageDataset): void {
  const positiveInt = (value: number) => Number.isInteger(value) && value > 0;
  if (!Number.isInteger(settings.epochs) || settings.epochs < 0) throw new UserError(`Epochs must be a whole number ≥ 0, got ${settings.epochs}.`);
  if (!positiveInt(settings.batchSize)) throw new UserError(`Batch size must be a whole number ≥ 1, got ${settings.batchSize}.`);
  if (!(settings.learningRate > 0)) throw new UserError(`The learning rate must be > 0, got ${settings.learningRate}.`);
  if (!(settings.lambdaGamma >= 0) || !(settings.lambdaS >= 0)) throw new UserError('λγ and λs must be ≥ 0.');
  if (!GATE_PENALTIES.includes(settings.gatePenalty)) throw new UserError(`The gate penalty must be one of ${GATE_PENALTIES.join(', ')}, got '${settings.gatePenalty}'.`);
  if (!(settings.gateTemperature > 0)) throw new UserError(`The gates' temperature must be > 0, got ${settings.gateTemperature}.`);
  if (!SPARSITY_MEASURES.includes(settings.targetKind)) throw new UserError(`The target is a share of ${SPARSITY_MEASURES.join(' or ')}, got '${settings.targetKind}'.`);
  if (!TARGET_MODES.includes(settings.targetMode)) throw new UserError(`The target mode must be one of ${TARGET_MODES.join(', ')}, got '${settings.targetMode}'.`);
  if (!(settings.distillation >= 0 && settings.distillation <= 1)) throw new UserError(`The distillation weight must be in [0, 1], got ${settings.distillation}.`);
  if (!(settings.distillTemperature > 0)) throw new UserError(`The distillation temperature must be > 0, got ${settings.distillTemperature}.`);
  if (!(settings.target >= 0 && settings.target < 1)) throw new UserError(`The target share of ${settings.targetKind} to free must be in [0, 1), got ${settings.target}.`);
  if (!(settings.gammaScale > 0 && settings.gammaScale <= 1)) throw new UserError(`The γ rescaling factor must be in (0, 1], got ${settings.gammaScale}.`);
  if (!(settings.srMomentum >= 0 && settings.srMomentum < 1)) throw new UserError(`The sr momentum μ must be in [0, 1), got ${settings.srMomentum}.`);
  if (data.count < 1) throw new UserError('The training data is empty: add images to train on.');
}
