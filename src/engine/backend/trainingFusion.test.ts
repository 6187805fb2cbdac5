/**
 * The fused training step (trainingFusionConfig.fused) against tfjs's own
 * path, each switch on and off in one process: BatchNormalization layers in
 * training (values, gradients, moving statistics) on odd shapes, the flat
 * Adam against tf.train.adam, a short training of the VGG whose loss curve
 * must match, and the kernels per step, which must stay ≤ 500.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { trainSparse } from '../train/sparseTraining';
import { maxRelativeDiff, pseudoRandom } from '../testing/kernelValues';
import type { ImageDataset } from '../core/types';
import { buildBuiltinModel } from '../zoo';
import { fuseBatchNormTraining } from './batchNormLayers';
import { batchNormTraining } from './batchNormTraining';
import { FusedAdam } from './fusedAdam';
import { useNodeBackend } from './node';
import { type TrainingFusion, trainingFusionConfig } from './trainingFusionConfig';
import { DEFAULT_TRAIN_SETTINGS, type TrainSettings } from '../../contract/settings';

const setFused = (on: boolean, which?: TrainingFusion): void => {
  for (const key of Object.keys(trainingFusionConfig.fused) as TrainingFusion[]) {
    if (!which || key === which) trainingFusionConfig.fused[key] = on;
  }
};

const read = (ts: tf.Tensor[]): Float32Array[] => ts.map((t) => t.dataSync() as Float32Array);

function expectClose(actual: Float32Array[], expected: Float32Array[], tolerance: number, what: string): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(maxRelativeDiff(a, expected[i]), `${what}, tensor ${i}`).toBeLessThan(tolerance));
}

/** Runs `f` with the fusion on and off; both must agree and leave no tensor behind. */
function compareFused(which: TrainingFusion, f: () => Float32Array[], tolerance: number): void {
  const results = [true, false].map((on) => {
    setFused(on, which);
    const before = tf.memory().numTensors;
    const out = f();
    expect(tf.memory().numTensors, `${which} ${on ? 'on' : 'off'} leaks`).toBe(before);
    return out;
  });
  expectClose(results[0], results[1], tolerance, which);
}

/** A seeded stand-in for weights: every weight of `model` gets pseudo-random values (variances positive). */
function seedWeights(model: tf.LayersModel, seed: number): void {
  model.weights.forEach((weight, i) => {
    const values = pseudoRandom(tf.util.sizeFromShape(weight.shape as number[]), seed + i);
    if (weight.originalName.endsWith('moving_variance')) values.forEach((v, k) => (values[k] = 1 + 0.5 * v));
    const t = tf.tensor(values, weight.shape as number[]);
    weight.write(t);
    t.dispose();
  });
}

/**
 * conv (stride 2, 'valid') → BN (4D) → relu → conv 1×1 to one channel → BN
 * on one channel → relu → flatten → dense → BN (2D, where the batch has more than
 * one sample: over one sample it outputs β whatever comes in) → dense. The
 * layers before a BN have no bias, and a relu follows each BN but the last:
 * otherwise the next BN cancels a bias's (or β's) effect, its gradient is
 * zero in exact arithmetic and float noise in both paths, which no tolerance
 * compares.
 */
function oddModel(inputShape: [number, number, number], denseBatchNorm: boolean): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape, filters: 3, kernelSize: 3, strides: 2, padding: 'valid', useBias: false }),
      tf.layers.batchNormalization({ momentum: 0.9 }),
      tf.layers.reLU(),
      tf.layers.conv2d({ filters: 1, kernelSize: 1, useBias: false }),
      tf.layers.batchNormalization({ epsilon: 1e-2 }),
      tf.layers.reLU(),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, useBias: !denseBatchNorm }),
      ...(denseBatchNorm ? [tf.layers.batchNormalization({ momentum: 0.5 })] : []),
      tf.layers.dense({ units: 2 }),
    ],
  });
  seedWeights(model, 11);
  return model;
}

describe.each(['wasm', 'cpu'] as const)('training fusion on %s', (backend) => {
  beforeAll(async () => {
    await useNodeBackend(backend);
  });

  afterEach(() => setFused(true));

  describe('BatchNormalization in training as one op', () => {
    it.each([
      { inputShape: [7, 7, 1] as [number, number, number], batch: 1 },
      { inputShape: [9, 8, 3] as [number, number, number], batch: 3 },
    ])('values, gradients and moving statistics match tfjs-layers: input $inputShape, batch $batch', ({ inputShape, batch }) => {
      compareFused('batchNormOp', () => {
        const model = oddModel(inputShape, batch > 1);
        const unfuse = fuseBatchNormTraining(model);
        try {
          return tf.tidy(() => {
            const x = tf.tensor4d(pseudoRandom(batch * inputShape.reduce((a, b) => a * b), 3), [batch, ...inputShape]);
            const weigh = tf.tensor2d(pseudoRandom(batch * 2, 4), [batch, 2]);
            const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
            const outputs: tf.Tensor[] = [];
            const { value, grads } = tf.variableGrads(() => {
              const y = model.apply(x, { training: true }) as tf.Tensor;
              outputs.push(tf.keep(y));
              return tf.sum(tf.mul(y, weigh));
            }, variables);
            const [dx] = tf.grads((input: tf.Tensor) => tf.sum(tf.mul(model.apply(input, { training: true }) as tf.Tensor, weigh)))([x]);
            const inference = model.apply(x, { training: false }) as tf.Tensor;
            const moving = model.weights.filter((w) => w.originalName.includes('moving_')).map((w) => w.read());
            const out = read([outputs[0], value, dx, ...variables.map((v) => grads[v.name]), inference, ...moving]);
            tf.dispose(outputs);
            return out;
          });
        } finally {
          unfuse();
          model.dispose();
        }
      }, 1e-4);
    });

    it.each([
      { axis: -1, training: true, fused: true },
      { axis: 3, training: true, fused: true },
      { axis: 1, training: true, fused: false }, // channels first: tfjs-layers' own path
      { axis: -1, training: false, fused: false }, // inference: tfjs-layers' own path
    ])('axis $axis, training $training: fused $fused, same output', async ({ axis, training, fused }) => {
      const x = tf.tensor4d(pseudoRandom(2 * 3 * 4 * 5, 9), [2, 3, 4, 5]);
      const run = async (on: boolean) => {
        setFused(on, 'batchNormOp');
        const model = tf.sequential({ layers: [tf.layers.batchNormalization({ inputShape: [3, 4, 5], axis })] });
        seedWeights(model, 12);
        const unfuse = fuseBatchNormTraining(model);
        let y: Float32Array = new Float32Array();
        const info = await tf.profile(() => tf.tidy(() => { y = (model.apply(x, { training }) as tf.Tensor).dataSync() as Float32Array; }));
        const moving = model.weights.map((w) => w.read().dataSync() as Float32Array);
        unfuse();
        model.dispose();
        return { y, moving, fused: info.kernels.some((k) => k.name === 'batchNormTraining__op') };
      };
      const on = await run(true);
      const off = await run(false);
      x.dispose();
      expect(on.fused).toBe(fused);
      expect(off.fused).toBe(false);
      expectClose([on.y, ...on.moving], [off.y, ...off.moving], 1e-5, 'output and weights');
    });

    it('leaves the layers as they were once removed', () => {
      const model = oddModel([7, 7, 1], false);
      const unfuse = fuseBatchNormTraining(model);
      const bn = model.layers[1];
      expect(Object.prototype.hasOwnProperty.call(bn, 'call')).toBe(true);
      unfuse();
      expect(Object.prototype.hasOwnProperty.call(bn, 'call')).toBe(false);
      model.dispose();
    });

    it.each([
      { shape: [5, 4], gamma: true, beta: false },
      { shape: [1, 3], gamma: false, beta: true },
      { shape: [2, 3, 3, 2], gamma: false, beta: false },
    ])('$shape with γ $gamma, β $beta matches the formula with its gradients', ({ shape, gamma, beta }) => {
      const before = tf.memory().numTensors;
      const [fused, reference] = tf.tidy(() => {
        const x = tf.tensor(pseudoRandom(tf.util.sizeFromShape(shape), 5), shape);
        const channels = shape[shape.length - 1];
        const g = gamma ? tf.tensor1d(pseudoRandom(channels, 6)) : undefined;
        const b = beta ? tf.tensor1d(pseudoRandom(channels, 7)) : undefined;
        const weigh = tf.tensor(pseudoRandom(x.size, 8), shape);
        const axes = shape.slice(0, -1).map((_, i) => i);
        const inputs = [x, ...(g ? [g] : []), ...(b ? [b] : [])];
        const split = (ts: tf.Tensor[]) => ({ x: ts[0], g: g ? ts[1] : undefined, b: b ? ts[g ? 2 : 1] : undefined });
        const fusedLoss = (...ts: tf.Tensor[]) => { const a = split(ts); return tf.sum(tf.mul(batchNormTraining(a.x, { gamma: a.g, beta: a.b, epsilon: 1e-3 }), weigh)); };
        // tfjs cannot differentiate tf.batchNorm without offset or scale (its tape trips on the missing input): plain ops.
        const referenceLoss = (...ts: tf.Tensor[]) => {
          const a = split(ts);
          const { mean, variance } = tf.moments(a.x, axes);
          const normalized = tf.div(tf.sub(a.x, mean), tf.sqrt(tf.add(variance, 1e-3)));
          const scaled = a.g ? tf.mul(normalized, a.g) : normalized;
          return tf.sum(tf.mul(a.b ? tf.add(scaled, a.b) : scaled, weigh));
        };
        return [read(tf.grads(fusedLoss)(inputs)), read(tf.grads(referenceLoss)(inputs))];
      });
      expectClose(fused, reference, 1e-4, 'gradients');
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  describe('Adam on flat buffers', () => {
    it('follows tf.train.adam step by step, with writes between steps and a variable without gradient', () => {
      const shapes = [[3, 3, 1, 2], [2], [5], [4, 3]];
      const run = (optimizer: tf.Optimizer): Float32Array[] => {
        const variables = shapes.map((shape, i) => tf.tidy(() => tf.variable(tf.tensor(pseudoRandom(tf.util.sizeFromShape(shape), 20 + i), shape))));
        for (let step = 0; step < 6; step++) {
          const grads: tf.NamedTensorMap = {};
          variables.forEach((v, i) => {
            // The last variable gets no gradient on step 3: it must stay, and the others go on.
            if (!(i === 3 && step === 3)) grads[v.name] = tf.tensor(pseudoRandom(v.size, 100 * step + i), v.shape);
          });
          optimizer.applyGradients(grads);
          tf.dispose(Object.values(grads));
          // What the sparsity controller does: a write between steps.
          if (step === 2) tf.tidy(() => variables[1].assign(tf.zeros([2])));
        }
        const out = read(variables);
        tf.dispose(variables);
        optimizer.dispose();
        return out;
      };
      const before = tf.memory().numTensors;
      const fused = run(new FusedAdam(0.01));
      expect(tf.memory().numTensors).toBe(before);
      const reference = run(tf.train.adam(0.01));
      // tfjs's Adam keys moments by position in the gradient map: the step without the last gradient still lines up
      // because it is the last one.
      expectClose(fused, reference, 1e-5, 'variables after 6 steps');
    });
  });
});

/** Random pixels and labels from a seed, as the speed probe makes them. */
function images(count: number, shape: [number, number, number], seed: number, numClasses = 10): ImageDataset {
  const [height, width, channels] = shape;
  return {
    images: pseudoRandom(count * height * width * channels, seed).map((v) => (v + 1) / 2),
    labels: Int32Array.from(pseudoRandom(count, seed + 1), (v) => Math.floor(((v + 1) / 2) * numClasses)),
    count, height, width, channels, numClasses, classNames: Array.from({ length: numClasses }, (_, i) => String(i)), source: 'test',
  };
}

/** Losses per step and the moving statistics at the end of `steps` steps of the engine's loop, fusions on or off. */
async function trainedRun(model: tf.LayersModel, data: ImageDataset, settings: TrainSettings, on: boolean): Promise<{ losses: number[]; moving: Float32Array[] }> {
  setFused(on);
  const losses: number[] = [];
  const before = tf.memory().numTensors;
  await trainSparse(model, data, settings, { onEvent: (event) => event.kind === 'step' && losses.push(event.loss) });
  expect(tf.memory().numTensors).toBe(before);
  const moving = model.weights.filter((w) => w.originalName.includes('moving_')).map((w) => w.read().dataSync() as Float32Array);
  model.dispose();
  return { losses, moving };
}

describe('training fusion in the engine\'s training loop (wasm)', () => {
  const shape: [number, number, number] = [28, 28, 1];
  const settings = { ...DEFAULT_TRAIN_SETTINGS, epochs: 1, batchSize: 8, lambdaGamma: 0, lambdaS: 0, target: 0 };

  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  afterEach(() => setFused(true));

  it('the odd model\'s losses and moving statistics after 5 steps match tfjs\'s path', async () => {
    const shape: [number, number, number] = [9, 8, 3];
    const data = images(15, shape, 41, 2);
    const run = (on: boolean) => trainedRun(oddModel(shape, true), data, { ...settings, batchSize: 3, maxSteps: 5 }, on);
    const fused = await run(true);
    const reference = await run(false);
    expect(fused.losses).toHaveLength(5);
    expectClose([Float32Array.from(fused.losses)], [Float32Array.from(reference.losses)], 1e-5, 'losses');
    expectClose(fused.moving, reference.moving, 1e-4, 'moving statistics');
  });

  it('the VGG\'s loss curve over 24 steps matches tfjs\'s path', async () => {
    const data = images(24 * 8, shape, 31);
    const run = (on: boolean) => trainedRun(buildBuiltinModel('vgg', { inputShape: shape, numClasses: 10, seed: 1 }), data, { ...settings, maxSteps: 24 }, on);
    const fused = await run(true);
    const reference = await run(false);
    expect(fused.losses).toHaveLength(24);
    // The first steps agree to float rounding. After that the VGG's conv biases, whose gradient before a BN is zero in
    // exact arithmetic, follow Adam's normalized float noise, and random labels make the run chaotic: switching the
    // wasm fast paths off moves tfjs's own curve by up to 3e-2 within 24 steps, the fusion by less than 5e-3 (1.5e-2
    // since the filter gradient sums per filter tap, in another order: filterGradientByTaps).
    fused.losses.forEach((loss, i) => expect(Math.abs(loss - reference.losses[i]), `step ${i + 1}`).toBeLessThan(i < 6 ? 1e-4 : 3e-2));
  });

  it('a VGG step runs ≤ 500 kernels (tfjs\'s path: > 1,000)', async () => {
    const perStep = async (on: boolean) => {
      setFused(on);
      const model = buildBuiltinModel('vgg', { inputShape: shape, numClasses: 10, seed: 1 });
      const count = async (steps: number) => {
        const info = await tf.profile(async () => { await trainSparse(model, images(steps * 4, shape, 7), { ...settings, batchSize: 4, maxSteps: steps }); });
        return info.kernels.filter((k) => !k.name.endsWith('__op')).length;
      };
      await count(1); // the first run sets kernels up
      const kernels = ((await count(3)) - (await count(1))) / 2;
      model.dispose();
      return kernels;
    };
    expect(await perStep(true)).toBeLessThanOrEqual(500);
    expect(await perStep(false)).toBeGreaterThan(1000);
  });
});
