/**
 * Step 2: sparse training of a (GFR-instrumented) model with a custom loop,
 * so that the loss can carry the sparsity terms and sr can follow the gates.
 *   L = cross-entropy + λγ·Σ|γ| + λs·R(s)   (R: the gates' sum, or its polarized form)
 * With a target share of channels (docs/METHOD.md §3.2), the γ term leaves the loss
 * and a SparsityController moves γ after every optimizer step instead, driving
 * that share of channels to exactly zero; with an accuracy guard, a GuardWatch
 * reads the model as it goes and sets training back after a bad reading.
 * Modes follow from the model and the settings: `gfr` (GFR layers present),
 * `gamma` (no GFR: Network Slimming), `plain` (no sparsity at all).
 */
import { inRange, RANGES, rangeText } from '../../contract/ranges';
import * as tf from '@tensorflow/tfjs';
import type { AugmentationDecision, GuardReading, SparsityStatus, TrainEvent, TrainSummary } from '../../contract/events';
import { AUGMENTATIONS, DEFAULT_WEIGHT_DECAY, GATE_PENALTIES, OPTIMIZERS, TARGET_KINDS, TARGET_MODES, type TrainSettings } from '../../contract/settings';
import { fuseBatchNormTraining } from '../backend/batchNormLayers';
import { createAdam } from '../backend/fusedAdam';
import { cosineRate, decayedVariableNames, FusedSgd } from '../backend/fusedSgd';
import { nextTick, throwIfAborted } from '../core/abort';
import { UserError } from '../core/errors';
import type { ImageDataset } from '../core/types';
import { batchCount, batches } from '../data/split';
import { classificationLoss, declaredOutputKind, lossAndDistributionLogits, outputLayerView } from '../eval/outputKind';
import { GfrLayer, isGfrLayer } from '../gfr/gfrLayer';
import type { OutputKind } from '../../contract/outputKind';
import type { ModelAnalysis } from '../../contract/analysis';
import { type PenaltyTerm, sparsityPenalties } from './regularizers';
import type { AccuracyGuard } from './accuracyGuard';
import { CheckpointTimer } from './checkpointTimer';
import { augmentationRandom, augmentImages, type AugmentationMode } from './augmentation';
import { chanceCrossEntropy, DivergenceWatch } from './divergence';
import { distillationLossToTargets, type Teacher } from './distillation';
import { GuardWatch } from './guardWatch';
import { StepClock } from './stepClock';
import { AUTO_SPARSITY, type ControllerSnapshot, DEFAULT_SPARSITY, SparsityController } from './sparsityController';


/**
 * Training as it stands after a step, in plain data, so that a reload or a
 * crash can go on from there (`TrainOptions.resume`): every weight of the
 * model (sr and BN statistics included), the sparsity controller's state and
 * the figures so far. The optimizer's moments are not kept: a resumed run
 * starts Adam afresh, and its first steps are a little larger; SGD's
 * momentum starts at zero again, while its cosine rate goes on from `step`.
 */
export interface TrainCheckpoint {
  /** Steps done (the next step is step + 1). */
  step: number;
  totalSteps: number;
  /** The model's weights in `model.weights` order. */
  weights: { shape: number[]; values: Float32Array }[];
  controller?: ControllerSnapshot;
  /** The accuracy guard's latest reading. */
  guard?: GuardReading;
  sparsity?: SparsityStatus;
  images: number;
  elapsedMs: number;
}

/** When to hand out a checkpoint: after every epoch, and when this long has passed since the last one. */
export const CHECKPOINT_INTERVAL_MS = 2 * 60 * 1000;

export interface CheckpointOptions {
  save: (checkpoint: TrainCheckpoint) => void;
  /** Default CHECKPOINT_INTERVAL_MS. */
  everyMs?: number;
}

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
  /** Hands out checkpoints while training runs. */
  checkpoints?: CheckpointOptions;
  /** Goes on from a checkpoint of the same training (same model, data and settings). */
  resume?: TrainCheckpoint;
  /**
   * The augmentation to train with, as decided for `auto` (`decideAugmentation`,
   * which needs the original); without it `auto` trains without augmentation.
   */
  augmentation?: AugmentationDecision;
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
  const optimizer = createOptimizer(model, settings);
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const stepsPerEpoch = batchCount(data, settings.batchSize);
  const totalSteps = Math.min(settings.maxSteps ?? Infinity, settings.epochs * stepsPerEpoch);
  const augmentation = augmentationOf(settings, options.augmentation);
  const outputKind = options.outputKind ?? declaredOutputKind(outputLayerView(model)) ?? 'softmax';
  const { resume } = options;
  if (resume) resumeWeights(model, resume, totalSteps);
  const controller = await createController(model, settings, options, totalSteps);
  const guard = controller?.enabled && options.guard ? new GuardWatch(model, controller, options.guard, resume?.guard) : undefined;
  // With the controller, γ's sparsity comes from its proximal step: Σ|γ| leaves the loss.
  const penalties = sparsityPenalties({ ...settings, lambdaGamma: controller?.enabled ? 0 : settings.lambdaGamma }, gammas, gfrLayers, DEFAULT_SPARSITY.polarization);
  let sparsity: SparsityStatus | undefined = resume?.sparsity;
  const clock = new StepClock(undefined, resume?.elapsedMs ?? 0);
  let step = resume?.step ?? 0;
  let images = resume?.images ?? 0;
  const checkpointTimer = new CheckpointTimer(options.checkpoints?.everyMs ?? CHECKPOINT_INTERVAL_MS);
  let last: StepResult = { loss: NaN, crossEntropy: NaN, correct: 0 };
  let lastBatch = 1;
  const divergence = new DivergenceWatch(settings.learningRate, chanceCrossEntropy(outputKind, data.numClasses));
  const unfuseBatchNorm = fuseBatchNormTraining(model);
  try {
    for (let epoch = Math.floor(step / stepsPerEpoch); epoch < settings.epochs && step < totalSteps; epoch++) {
      // A resumed run skips the batches of its epoch that were done.
      let skip = step - epoch * stepsPerEpoch;
      for (const batch of batches(data, settings.batchSize, { shuffle: true, seed: settings.seed + epoch })) {
        if (skip-- > 0) continue;
        if (step >= totalSteps) break;
        await clock.excluding(options.whilePaused?.());
        throwIfAborted(options.signal);
        // SGD's cosine rate is a function of the step alone: a resumed run continues it.
        const learningRate = optimizer instanceof FusedSgd ? cosineRate(settings.learningRate, step, totalSteps) : settings.learningRate;
        if (optimizer instanceof FusedSgd) optimizer.learningRate = learningRate;
        last = await trainStep(model, augmentBatch(batch, data, augmentation.mode, settings.seed, step), data, {
          optimizer, variables, penalties, gfrLayers, settings, firstStep: step === 0,
          outputKind, teacher: settings.distillation > 0 ? options.teacher : undefined,
        });
        step++;
        divergence.afterStep(step, last.loss, last.crossEntropy, step === totalSteps);
        if (controller?.enabled) sparsity = await controller.afterStep(step, settings.learningRate);
        if (controller && guard?.due(step, totalSteps) && (await guard.check(step)).restoredFrom !== undefined) sparsity = controller.status();
        images += batch.size;
        lastBatch = batch.size;
        clock.stepDone(step);
        const elapsedMs = clock.elapsedMs();
        options.onEvent?.({
          kind: 'step', step, totalSteps, epoch: epoch + 1,
          loss: last.loss, crossEntropy: last.crossEntropy, accuracy: last.correct / batch.size, learningRate,
          imagesPerSec: (images / elapsedMs) * 1000, elapsedMs, remainingMs: clock.remainingMs(step, totalSteps), sparsity,
          ...(guard?.reading ? { guard: guard.reading } : {}),
        });
        if (options.checkpoints && checkpointTimer.due(step, totalSteps, stepsPerEpoch)) {
          checkpointTimer.saving();
          options.checkpoints.save({
            step, totalSteps, weights: await readWeights(model), controller: controller?.snapshot(), guard: guard?.reading, sparsity,
            images, elapsedMs: clock.elapsedMs(),
          });
        }
        await nextTick();
      }
      options.onEvent?.({ kind: 'epoch', epoch: epoch + 1, epochs: settings.epochs });
    }
  } finally {
    unfuseBatchNorm();
    gfrLayers.forEach((layer) => layer.releaseGates());
    optimizer.dispose();
    guard?.dispose();
  }
  const elapsedMs = clock.elapsedMs();
  return {
    steps: step, images, elapsedMs, imagesPerSec: (images / elapsedMs) * 1000, lastLoss: last.loss, lastAccuracy: last.correct / lastBatch, sparsity,
    ...(guard?.reading ? { guard: guard.reading } : {}), augmentation,
  };
}

/** The controller of the target (the automatic one where a guard watches, else the settings' fixed one); none without a target. */
async function createController(model: tf.LayersModel, settings: TrainSettings, options: TrainOptions, totalSteps: number): Promise<SparsityController | undefined> {
  const auto = settings.targetMode === 'auto' && options.guard !== undefined;
  const sparsitySettings = {
    ...DEFAULT_SPARSITY, ...(auto ? { ...AUTO_SPARSITY, chunkSteps: options.guard!.every } : { target: settings.target }), targetKind: settings.targetKind,
  };
  if (!options.analysis || !(sparsitySettings.target > 0)) return undefined;
  return SparsityController.create(model, options.analysis, sparsitySettings, totalSteps, options.resume?.controller);
}

/** Adam at the settings' rate, or SGD with momentum and weight decay on kernels (its rate set per step). */
function createOptimizer(model: tf.LayersModel, settings: TrainSettings): tf.Optimizer {
  if ((settings.optimizer ?? 'adam') === 'adam') return createAdam(settings.learningRate);
  return new FusedSgd(settings.learningRate, decayedVariableNames(model), settings.weightDecay ?? DEFAULT_WEIGHT_DECAY);
}

function augmentationOf(settings: TrainSettings, decided: AugmentationDecision | undefined): AugmentationDecision {
  const choice = settings.augmentation ?? 'none';
  if (choice !== 'auto') return { mode: choice, auto: false };
  return decided?.auto ? decided : { mode: 'none', auto: true };
}

interface TrainBatch {
  images: Float32Array;
  labels: Int32Array;
  size: number;
  indices: Int32Array;
  /** Set by augmentation: 1 where an image was mirrored; `shifted` when any was moved. */
  flipped?: Uint8Array;
  shifted?: boolean;
}

/** The batch as training step `step` sees it: augmented with draws seeded by the run's seed and the step. */
function augmentBatch(batch: TrainBatch, data: ImageDataset, mode: AugmentationMode, seed: number, step: number): TrainBatch {
  if (mode === 'none') return batch;
  const { images, flipped, shifted } = augmentImages(batch.images, batch.size, data, mode, augmentationRandom(seed, step));
  return { ...batch, images, flipped, shifted };
}

async function readWeights(model: tf.LayersModel): Promise<TrainCheckpoint['weights']> {
  return Promise.all(model.weights.map(async (weight) => ({ shape: [...weight.shape] as number[], values: (await weight.read().data()) as Float32Array })));
}

/** Writes a checkpoint's weights into `model`, after checking that it belongs to this model and this run. */
function resumeWeights(model: tf.LayersModel, resume: TrainCheckpoint, totalSteps: number): void {
  const fits = resume.totalSteps === totalSteps && resume.step >= 0 && resume.step < totalSteps && resume.weights.length === model.weights.length
    && model.weights.every((weight, i) => weight.shape.length === resume.weights[i].shape.length && weight.shape.every((size, k) => size === resume.weights[i].shape[k]));
  if (!fits) throw new UserError('The saved training does not fit this model and these settings; start the training again.');
  model.weights.forEach((weight, i) => {
    const value = tf.tensor(resume.weights[i].values, resume.weights[i].shape);
    weight.write(value);
    value.dispose();
  });
}

interface StepContext {
  optimizer: tf.Optimizer;
  variables: tf.Variable[];
  penalties: PenaltyTerm[];
  gfrLayers: GfrLayer[];
  settings: TrainSettings;
  firstStep: boolean;
  outputKind: OutputKind;
  teacher?: Teacher;
}

async function trainStep(model: tf.LayersModel, batch: TrainBatch, data: ImageDataset, context: StepContext): Promise<StepResult> {
  const { settings, gfrLayers } = context;
  const temperature = settings.distillTemperature;
  // The teacher sees the image the student sees: its outputs per image (and mirror) are kept; shifted batches are new every step.
  const teacher = !context.teacher ? undefined
    : batch.shifted ? await context.teacher.targetsOn(batch.images, batch.size, temperature)
      : await context.teacher.targetsFor(batch.indices, temperature, batch.flipped);
  let parts: tf.Tensor | undefined;
  try {
    tf.tidy(() => {
      const x = tf.tensor4d(batch.images, [batch.size, data.height, data.width, data.channels]);
      const labels = tf.tensor1d(batch.labels, 'int32');
      context.optimizer.minimize(() => {
        const outputs = model.apply(x, { training: true }) as tf.Tensor2D;
        const distilling = teacher ? lossAndDistributionLogits(outputs, labels, context.outputKind) : undefined;
        const crossEntropy = distilling?.loss ?? classificationLoss(outputs, labels, context.outputKind);
        let loss: tf.Scalar = crossEntropy;
        if (teacher && distilling) {
          const shape: [number, number] = [batch.size, data.numClasses];
          const targets = { target: tf.tensor2d(teacher.target, shape), logTarget: tf.tensor2d(teacher.logTarget, shape) };
          const distilled = distillationLossToTargets(distilling.logits, targets, temperature);
          loss = tf.add(tf.mul(crossEntropy, 1 - settings.distillation), tf.mul(distilled, settings.distillation));
        }
        for (const penalty of context.penalties) loss = tf.add(loss, tf.mul(penalty.value(), penalty.weight));
        const correct = tf.sum(tf.cast(tf.equal(tf.argMax(outputs, 1), labels), 'float32'));
        parts = tf.keep(tf.stack([loss, crossEntropy, correct]));
        return loss;
      }, false, context.variables);
    });
    GfrLayer.updateRelationshipFactors(gfrLayers, settings.srMomentum, context.firstStep);
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
  if (settings.optimizer !== undefined && !OPTIMIZERS.includes(settings.optimizer)) throw new UserError(`The optimizer must be one of ${OPTIMIZERS.join(', ')}, got '${settings.optimizer}'.`);
  if (settings.weightDecay !== undefined && !(settings.weightDecay >= 0)) throw new UserError(`The weight decay must be ≥ 0, got ${settings.weightDecay}.`);
  if (settings.augmentation !== undefined && !AUGMENTATIONS.includes(settings.augmentation)) throw new UserError(`The augmentation must be one of ${AUGMENTATIONS.join(', ')}, got '${settings.augmentation}'.`);
  if (!(settings.lambdaGamma >= 0) || !(settings.lambdaS >= 0)) throw new UserError('λγ and λs must be ≥ 0.');
  if (!GATE_PENALTIES.includes(settings.gatePenalty)) throw new UserError(`The gate penalty must be one of ${GATE_PENALTIES.join(', ')}, got '${settings.gatePenalty}'.`);
  if (!(settings.gateTemperature > 0)) throw new UserError(`The gates' temperature must be > 0, got ${settings.gateTemperature}.`);
  if (!TARGET_KINDS.includes(settings.targetKind)) throw new UserError(`The target is a share of ${TARGET_KINDS.join(' or ')}, got '${settings.targetKind}'.`);
  if (!TARGET_MODES.includes(settings.targetMode)) throw new UserError(`The target mode must be one of ${TARGET_MODES.join(', ')}, got '${settings.targetMode}'.`);
  if (!(settings.distillation >= 0 && settings.distillation <= 1)) throw new UserError(`The distillation weight must be in [0, 1], got ${settings.distillation}.`);
  if (!(settings.distillTemperature > 0)) throw new UserError(`The distillation temperature must be > 0, got ${settings.distillTemperature}.`);
  if (!inRange(settings.target, RANGES.targetShare)) throw new UserError(`The target share of ${settings.targetKind} to free must be in ${rangeText(RANGES.targetShare)}, got ${settings.target}.`);
  if (!(settings.gammaScale > 0 && settings.gammaScale <= 1)) throw new UserError(`The γ rescaling factor must be in (0, 1], got ${settings.gammaScale}.`);
  if (!(settings.srMomentum >= 0 && settings.srMomentum < 1)) throw new UserError(`The sr momentum μ must be in [0, 1), got ${settings.srMomentum}.`);
  if (data.count < 1) throw new UserError('The training data is empty: add images to train on.');
}
