import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../core/types';
import { analyzeModel } from '../graph/analyze';
import { gfrLayerName, insertGfrLayers } from '../gfr/instrument';
import { modelFromSpec } from '../io/modelSpec';
import { plainThenResidualModel, residualModel, twoConvModel } from '../testing/tinyModels';
import { AUTO_SPARSITY, DEFAULT_SPARSITY, SparsityController, type SparsitySettings } from './sparsityController';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const TOTAL_STEPS = 10;

function setGamma(model: tf.LayersModel, bn: string, gamma: number[], beta?: number[]): void {
  const layer = model.getLayer(bn);
  const [, oldBeta, mean, variance] = layer.getWeights();
  tf.tidy(() => layer.setWeights([tf.tensor1d(gamma), beta ? tf.tensor1d(beta) : oldBeta, mean, variance]));
}

const weightsOf = (model: tf.LayersModel, bn: string): { gamma: number[]; beta: number[] } => {
  const [gamma, beta] = model.getLayer(bn).getWeights();
  return { gamma: Array.from(gamma.dataSync()), beta: Array.from(beta.dataSync()) };
};

const zerosOf = (values: number[]): number[] => values.flatMap((value, channel) => (value === 0 ? [channel] : []));

describe('gradual zeroing with setbacks', () => {
  // twoConvModel: conv1 (6 channels) and conv2 (5): 11 channels; target 0.5 reached at step 8 of 10,
  // so the schedule asks for floor(0.5·min(1, p/8)·11) zeros after p schedule steps.
  const settings: SparsitySettings = { ...DEFAULT_SPARSITY, target: 0.5, zeroing: 'gradual' };
  const BN1 = [0.05, 1, 1, 1, 1, 1];
  const BN2 = [1, 1, 0.2, 1, 1];

  async function setUp() {
    const spec = await twoConvModel(3);
    const model = await modelFromSpec(spec);
    setGamma(model, 'bn1', BN1, [0.3, 0.2, 0.2, 0.2, 0.2, 0.2]);
    setGamma(model, 'bn2', BN2, [0.2, 0.2, 0.3, 0.2, 0.2]);
    const controller = await SparsityController.create(model, analyzeModel(spec), settings, TOTAL_STEPS);
    return { model, controller };
  }

  it('in chunks: zeroes what the schedule asks for the chunk\'s end at once, then waits for a good reading', async () => {
    const spec = await twoConvModel(3);
    const model = await modelFromSpec(spec);
    setGamma(model, 'bn1', [0.1, 0.2, 1, 1, 1, 1]);
    setGamma(model, 'bn2', [1, 1, 0.3, 1, 1]);
    const controller = await SparsityController.create(model, analyzeModel(spec), { ...settings, chunkSteps: 5 }, TOTAL_STEPS);
    // Step 1 zeroes for schedule step 1 + 5 = 6: floor(0.5·6/8·11) = 4 channels, lowest relative |γ| first.
    expect((await controller.afterStep(1, 1e-3)).zeroShare).toBeCloseTo(4 / 11, 9);
    expect(zerosOf(weightsOf(model, 'bn1').gamma)).toEqual([0, 1]);
    // Nothing more until the guard says the model recovered, however far the schedule runs.
    for (let step = 2; step <= 6; step++) expect((await controller.afterStep(step, 1e-3)).zeroShare).toBeCloseTo(4 / 11, 9);
    controller.goodReading();
    expect((await controller.afterStep(7, 1e-3)).zeroShare).toBeCloseTo(5 / 11, 9);
    model.dispose();
  });

  it('in fixed-size chunks: good readings grow the chunk up to maxPace times its size, a setback halves it', async () => {
    const spec = await twoConvModel(3);
    const model = await modelFromSpec(spec);
    // 11 channels; chunks of 1/11 at pace 1; the pace grows 1 → 1.5 → 2.25 → 2.5 (the cap).
    const chunked = { ...settings, target: 0.9, chunkSteps: 1, chunkShare: 1 / 11, maxPace: 2.5 };
    const controller = await SparsityController.create(model, analyzeModel(spec), chunked, TOTAL_STEPS);
    const zerosAfter = async (step: number) => Math.round((await controller.afterStep(step, 1e-3)).zeroShare * 11);
    expect(await zerosAfter(1)).toBe(1);
    controller.goodReading();
    expect(await zerosAfter(2)).toBe(2); // + 1.5 channels: floor(2.5) = 2
    controller.goodReading();
    expect(await zerosAfter(3)).toBe(4); // 2 + 2.25 → 4
    controller.goodReading();
    expect(await zerosAfter(4)).toBe(6); // 4 + 2.5 (capped, not 3.375) → 6
    const state = controller.checkpoint();
    controller.setBack(state);
    expect(await zerosAfter(5)).toBe(7); // 6 + 1.25 → 7
    model.dispose();
  });

  it('zeroes nothing new past zeroUntil: the last steps only recover', async () => {
    const spec = await twoConvModel(3);
    const model = await modelFromSpec(spec);
    const controller = await SparsityController.create(model, analyzeModel(spec), { ...settings, chunkSteps: 2, zeroUntil: 0.5 }, TOTAL_STEPS);
    const first = await controller.afterStep(1, 1e-3);
    expect(first.zeroShare).toBeGreaterThan(0);
    let zeroShareAt5 = 0;
    for (let step = 2; step <= 10; step++) {
      controller.goodReading();
      const status = await controller.afterStep(step, 1e-3);
      if (step > 5) expect(status.zeroShare, `step ${step}`).toBe(zeroShareAt5);
      if (step === 5) zeroShareAt5 = status.zeroShare;
    }
    expect(zeroShareAt5).toBeGreaterThan(first.zeroShare);
    model.dispose();
  });

  it('weighs γ by the GFR gates where there are some: the lowest |γ|·sr goes first', async () => {
    const spec = await twoConvModel(3);
    const instrumented = insertGfrLayers(spec, analyzeModel(spec), { seed: 1 });
    const model = await modelFromSpec(instrumented);
    setGamma(model, 'bn1', [1, 1, 1, 1, 1, 1]);
    setGamma(model, 'bn2', [1, 1, 1, 1, 1]);
    // Equal γ everywhere; the gate of conv2's channel 3 is nearly closed.
    const sr = model.getLayer(gfrLayerName('bn2')).weights.find((weight) => weight.originalName.endsWith('/sr'))!;
    sr.write(tf.tensor1d([0.9, 0.9, 0.9, 0.05, 0.9]));
    const controller = await SparsityController.create(model, analyzeModel(spec), settings, TOTAL_STEPS);
    await controller.afterStep(1, 1e-3);
    const second = await controller.afterStep(2, 1e-3);
    expect(second.zeroShareByGroup).toEqual({ conv1: 0, conv2: 1 / 5 });
    expect(zerosOf(weightsOf(model, 'bn2').gamma)).toEqual([3]);
    model.dispose();
  });

  it('zeroes the schedule\'s share, lowest relative |γ| first, and leaves the other channels alone', async () => {
    const { model, controller } = await setUp();
    expect((await controller.afterStep(1, 1e-3)).zeroShare).toBe(0);
    const second = await controller.afterStep(2, 1e-3);
    expect(second.zeroShareByGroup).toEqual({ conv1: 1 / 6, conv2: 0 });
    expect(weightsOf(model, 'bn1')).toEqual({ gamma: [0, 1, 1, 1, 1, 1], beta: [0, 0.2, 0.2, 0.2, 0.2, 0.2].map(Math.fround) });
    const third = await controller.afterStep(3, 1e-3);
    expect(third.zeroShareByGroup).toEqual({ conv1: 1 / 6, conv2: 1 / 5 });
    const fourth = await controller.afterStep(4, 1e-3);
    expect(fourth.zeroShareByGroup).toEqual({ conv1: 1 / 6, conv2: 1 / 5 });
    expect(zerosOf(weightsOf(model, 'bn2').gamma)).toEqual([2]);
    expect(weightsOf(model, 'bn2').beta[2]).toBe(0);
    // The others are untouched: no shrinkage of γ with gradual zeroing.
    expect(weightsOf(model, 'bn2').gamma.filter((value) => value !== 0)).toEqual([1, 1, 1, 1]);
    model.dispose();
  });

  it('a setback goes back to the checkpoint\'s zeros and schedule, and halves the pace', async () => {
    const { model, controller } = await setUp();
    await controller.afterStep(1, 1e-3);
    await controller.afterStep(2, 1e-3);
    const state = controller.checkpoint();
    expect(state.progress).toBe(2);
    const atCheckpoint = { bn1: weightsOf(model, 'bn1'), bn2: weightsOf(model, 'bn2') };
    await controller.afterStep(3, 1e-3);
    await controller.afterStep(4, 1e-3);
    expect(zerosOf(weightsOf(model, 'bn2').gamma)).toEqual([2]);

    // The guard saw accuracy fall: the caller restores the weights, the controller its state.
    setGamma(model, 'bn1', atCheckpoint.bn1.gamma, atCheckpoint.bn1.beta);
    setGamma(model, 'bn2', atCheckpoint.bn2.gamma, atCheckpoint.bn2.beta);
    controller.setBack(state);
    // And the optimizer moves the checkpoint's zero channel away from zero.
    setGamma(model, 'bn1', [0.4, 1, 1, 1, 1, 1]);
    const fifth = await controller.afterStep(5, 1e-3);
    expect(fifth.setbacks).toBe(1);
    // Half a schedule step per training step from there: 2.5, not 3 or 5.
    expect(fifth.targetShare).toBeCloseTo(controller.scheduleAt(2.5), 9);
    expect(fifth.zeroShareByGroup).toEqual({ conv1: 1 / 6, conv2: 0 });
    expect(zerosOf(weightsOf(model, 'bn1').gamma)).toEqual([0]);
    // conv2's channel 2, zeroed after the checkpoint, is free again.
    expect(weightsOf(model, 'bn2').gamma).toEqual(BN2.map(Math.fround));
    // The schedule's second zero comes at 3 schedule steps: at full pace that was step 5 (checked above: not yet), at half pace step 6.
    const sixth = await controller.afterStep(6, 1e-3);
    expect(sixth.targetShare).toBeCloseTo(controller.scheduleAt(3), 9);
    expect(sixth.zeroShareByGroup.conv2).toBe(1 / 5);
    // Good readings bring the pace back by half each (0.5 → 0.75), never past maxPace (1 here).
    controller.goodReading();
    expect((await controller.afterStep(7, 1e-3)).targetShare).toBeCloseTo(controller.scheduleAt(3.75), 9);
    for (let i = 0; i < 5; i++) controller.goodReading();
    expect((await controller.afterStep(8, 1e-3)).targetShare).toBeCloseTo(controller.scheduleAt(4.75), 9);
    model.dispose();
  });
});

describe('residualStepScale', () => {
  /**
   * Proximal zeroing. With γ = [0.1, 1, 1, …] in every member BN, one step
   * zeroes channel 0 when η (learning rate·λ·stepScale) is at least about 0.046,
   * and no other channel below η = 5. A rate of 0.013 puts η near 0.1: zero
   * at full step, not at a quarter step.
   */
  const proximal = (residualStepScale: number): SparsitySettings => ({ ...DEFAULT_SPARSITY, lambdaStart: 1, residualStepScale, zeroing: 'proximal' });

  async function zerosAfterOneStep(make: () => Promise<ModelSpec>, bns: string[], residualStepScale: number) {
    const spec = await make();
    const model = await modelFromSpec(spec);
    for (const bn of bns) {
      const size = model.getLayer(bn).getWeights()[0].size;
      setGamma(model, bn, [0.1, ...Array(size - 1).fill(1)]);
    }
    const controller = await SparsityController.create(model, analyzeModel(spec), proximal(residualStepScale), TOTAL_STEPS);
    const status = await controller.afterStep(1, 0.013);
    const zeros = bns.map((bn) => zerosOf(weightsOf(model, bn).gamma));
    model.dispose();
    return { status, zeros };
  }

  it('proximal: shrinks the step of a group joined by an Add, and only of such a group', async () => {
    expect(AUTO_SPARSITY.residualStepScale).toBeLessThan(1);
    const fullResidual = await zerosAfterOneStep(residualModel, ['bn_a', 'bn_b'], 1);
    expect(fullResidual.zeros).toEqual([[0], [0]]);
    const scaledResidual = await zerosAfterOneStep(residualModel, ['bn_a', 'bn_b'], AUTO_SPARSITY.residualStepScale);
    expect(scaledResidual.zeros).toEqual([[], []]);
    expect(scaledResidual.status.zeroShareByGroup.conv_a).toBe(0);
    // A plain group (no Add) takes the full step whatever the residual scale.
    const plain = () => twoConvModel(3);
    expect((await zerosAfterOneStep(plain, ['bn1'], 1)).zeros).toEqual([[0]]);
    expect((await zerosAfterOneStep(plain, ['bn1'], AUTO_SPARSITY.residualStepScale)).zeros).toEqual([[0]]);
  });

  it('gradual: a residual stream\'s channel goes after a plain group\'s unless it is much smaller', async () => {
    // conv_p (plain, 4) and conv_a (residual: bn_a and bn_b, 4): 8 channels, one zero after 2 steps.
    // Relative |γ|: the residual channel 0 at about 0.3, the plain channel 0 at about 0.5.
    async function firstZero(residualStepScale: number) {
      const spec = await plainThenResidualModel();
      const model = await modelFromSpec(spec);
      setGamma(model, 'bn_p', [0.5, 1.1, 1.1, 1.1]);
      setGamma(model, 'bn_a', [0.3, 1.1, 1.1, 1.1]);
      setGamma(model, 'bn_b', [0.3, 1.1, 1.1, 1.1]);
      const controller = await SparsityController.create(model, analyzeModel(spec), { ...DEFAULT_SPARSITY, target: 0.5, zeroing: 'gradual', residualStepScale }, TOTAL_STEPS);
      await controller.afterStep(1, 1e-3);
      const status = await controller.afterStep(2, 1e-3);
      model.dispose();
      return status.zeroShareByGroup;
    }
    expect(await firstZero(1)).toEqual({ conv_p: 0, conv_a: 1 / 4 });
    expect(await firstZero(AUTO_SPARSITY.residualStepScale)).toEqual({ conv_p: 1 / 4, conv_a: 0 });
  });
});

describe('proximal polarization step and λ', () => {
  // twoConvModel: conv1 → bn1 (6 channels), conv2 → bn2 (5 channels); schedule reaches 0.5 at step 8 of 10.
  const proximal: SparsitySettings = { ...DEFAULT_SPARSITY, target: 0.5, lambdaStart: 1, zeroing: 'proximal' };

  async function setUp(settings: SparsitySettings, bn1: number[], bn2: number[]) {
    const spec = await twoConvModel(3);
    const model = await modelFromSpec(spec);
    setGamma(model, 'bn1', bn1, new Array(6).fill(1));
    setGamma(model, 'bn2', bn2, new Array(5).fill(1));
    const analysis = analyzeModel(spec);
    const controller = await SparsityController.create(model, analysis, settings, TOTAL_STEPS);
    return { model, analysis, controller };
  }

  it('pushes γ away from its layer mean, soft-thresholds it by η·t, and zeroes β where γ reached zero', async () => {
    // bn1: mean |γ| 0.075 (step scale 1), η = 0.01·λ 1; z = γ ± 0.01 = [0, 0.01, 0.11, 0.16, 0.04, 0.13], threshold 0.012.
    // bn2: mean |γ| 1 (step scale 10: γ larger than the rescaled 0.1), all at the mean: 1 − 10·0.012 = 0.88.
    const { model, controller } = await setUp(proximal, [0.01, 0.02, 0.1, 0.15, 0.05, 0.12], [1, 1, 1, 1, 1]);
    const status = await controller.afterStep(1, 0.01);
    const bn1 = weightsOf(model, 'bn1');
    [0, 0, 0.098, 0.148, 0.028, 0.118].forEach((expected, channel) => expect(bn1.gamma[channel]).toBeCloseTo(expected, 6));
    expect(bn1.beta).toEqual([0, 0, 1, 1, 1, 1]);
    weightsOf(model, 'bn2').gamma.forEach((value) => expect(value).toBeCloseTo(0.88, 6));
    expect(weightsOf(model, 'bn2').beta).toEqual([1, 1, 1, 1, 1]);
    expect(status).toMatchObject({ zeroShare: 2 / 11, zeroShareByGroup: { conv1: 2 / 6, conv2: 0 }, targetShare: 0.5 / 8, lambda: 1, targetKind: 'channels' });
    // Ahead of the schedule: λ falls by a tenth.
    expect(controller.status().lambda).toBeCloseTo(0.9, 12);
    model.dispose();
  });

  it('keeps each layer\'s floor: the largest of the channels a step would zero past it keep their γ', async () => {
    // η = 1: every channel would reach zero; each group keeps max(1, ceil(0.05·C)) = 1, its largest.
    const { model, controller } = await setUp(proximal, [0.001, 0.002, 0.003, 0.004, 0.005, 0.006], [1, 2, 3, 4, 5]);
    const status = await controller.afterStep(1, 1);
    const bn1 = weightsOf(model, 'bn1').gamma;
    expect(zerosOf(bn1)).toEqual([0, 1, 2, 3, 4]);
    expect(bn1[5]).toBeCloseTo(0.006, 8);
    const bn2 = weightsOf(model, 'bn2').gamma;
    expect(zerosOf(bn2)).toEqual([0, 1, 2, 3]);
    expect(bn2[4]).toBe(5);
    expect(status.zeroShareByGroup).toEqual({ conv1: 5 / 6, conv2: 4 / 5 });
    model.dispose();
  });

  it('raises λ by a tenth while the zeros lag the schedule, up to its cap, and to the late cap once the schedule is done', async () => {
    const { model, controller } = await setUp({ ...proximal, lambdaStart: 0.95, lambdaMax: 1, lateLambdaMax: 3 }, [1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1]);
    expect(controller.scheduleAt(4)).toBeCloseTo(0.25, 12);
    expect(controller.scheduleAt(12)).toBe(0.5);
    const lambdas: number[] = [];
    for (let step = 1; step <= 9; step++) {
      const status = await controller.afterStep(step, 1e-6);
      expect(status.zeroShare).toBe(0);
      lambdas.push(controller.status().lambda!);
    }
    [1, 1, 1, 1, 1, 1, 1, 1.1, 1.21].forEach((expected, index) => expect(lambdas[index]).toBeCloseTo(expected, 9));
    model.dispose();
  });

  it('follows the FLOPs that the zero channels free when the target is a share of FLOPs', async () => {
    const { model, analysis, controller } = await setUp({ ...proximal, targetKind: 'flops' }, [0.01, 0.02, 0.1, 0.15, 0.05, 0.12], [1, 1, 1, 1, 1]);
    const status = await controller.afterStep(1, 0.01);
    expect(status.targetKind).toBe('flops');
    // By hand, in multiply–accumulates on the 6×6×2 input ('same' padding, no bias counted): conv1 6·6·6·(3·3·2)
    // = 3,888, conv2 6·6·5·(3·3·6) = 9,720, fc 5·3 = 15; 13,623 in all. The step zeroes 2 of conv1's 6 channels
    // (as in the first test): conv1 then computes 4 outputs (2,592) and conv2 reads 4 inputs (6,480), so
    // 3,888 − 2,592 + 9,720 − 6,480 = 4,536 of the 13,623 are freed.
    expect(analysis.flops).toBe(13623);
    expect(status.zeroShareByGroup).toEqual({ conv1: 2 / 6, conv2: 0 });
    expect(status.freedFlopsShare).toBeCloseTo(4536 / 13623, 12);
    expect(await SparsityController.create(model, analysis, { ...proximal, target: 0 }, TOTAL_STEPS).then((off) => off.enabled)).toBe(false);
    model.dispose();
  });
});

describe('one strategy per settings, and saved trainings', () => {
  it('gradual zeroing reports no λ: nothing in it uses one', async () => {
    const spec = await twoConvModel(3);
    const model = await modelFromSpec(spec);
    const controller = await SparsityController.create(model, analyzeModel(spec), { ...DEFAULT_SPARSITY, target: 0.5, zeroing: 'gradual' }, TOTAL_STEPS);
    const status = await controller.afterStep(1, 1e-3);
    expect(status).not.toHaveProperty('lambda');
    expect(controller.checkpoint()).not.toHaveProperty('lambda');
    model.dispose();
  });

  // A snapshot as saved trainings held it before the two strategies: λ and the chunk's state side by side.
  const savedBeforeSplit = { progress: 3, lambda: 0.7, zeros: [[0], []], pace: 0.5, chunkDue: false, aimed: 1 / 11, setbacks: 1, stepScales: [1, 1] };

  it('goes on from a saved proximal training with its λ', async () => {
    const spec = await twoConvModel(3);
    const model = await modelFromSpec(spec);
    const controller = await SparsityController.create(model, analyzeModel(spec), { ...DEFAULT_SPARSITY, target: 0.5 }, TOTAL_STEPS, savedBeforeSplit);
    expect(controller.status()).toMatchObject({ lambda: 0.7, setbacks: 1, zeroShareByGroup: { conv1: 1 / 6, conv2: 0 } });
    expect(controller.snapshot()).toEqual({ progress: 3, lambda: 0.7, zeros: [[0], []], pace: 0.5, setbacks: 1, stepScales: [1, 1] });
    model.dispose();
  });

  it('goes on from a saved gradual training with its chunk: none due, so nothing new is zeroed before a good reading', async () => {
    const spec = await twoConvModel(3);
    const model = await modelFromSpec(spec);
    const settings: SparsitySettings = { ...DEFAULT_SPARSITY, target: 0.5, zeroing: 'gradual', chunkSteps: 2, chunkShare: 0.04 };
    const controller = await SparsityController.create(model, analyzeModel(spec), settings, TOTAL_STEPS, savedBeforeSplit);
    const status = await controller.afterStep(4, 1e-3);
    expect(status.zeroShareByGroup).toEqual({ conv1: 1 / 6, conv2: 0 });
    expect(status.targetShare).toBe(1 / 11);
    expect(zerosOf(weightsOf(model, 'bn1').gamma)).toEqual([0]);
    controller.goodReading();
    expect((await controller.afterStep(5, 1e-3)).zeroShare).toBe(2 / 11);
    model.dispose();
  });
});
