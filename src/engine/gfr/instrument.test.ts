import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fuseBatchNormTraining } from '../backend/batchNormLayers';
import { trainingFusionConfig } from '../backend/trainingFusionConfig';
import { seededRandom } from '../core/random';
import type { ModelSpec } from '../core/types';
import { analyzeModel } from '../graph/analyze';
import { artifactsFromSpec, layerByName, modelFromSpec, specFromModel } from '../io/modelSpec';
import { scoreChannels } from '../score/importance';
import { maxRelativeDiff } from '../testing/kernelValues';
import { maxAbsDifference, predictSpec, predictValues, randomInput } from '../testing/tensors';
import { residualModel } from '../testing/tinyModels';
import { resnet } from '../zoo/resnet';
import { GFR_CLASS_NAME, INITIAL_SR, isGfrLayer } from './gfrLayer';
import { foldGfrLayers, gfrTargets, hasGfrLayers, insertGfrLayers } from './instrument';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('GFR instrumentation', () => {
  it('inserts a GFR after every BN of a prunable group, and the folded export predicts the same', async () => {
    const spec = await residualModel();
    const instrumented = insertGfrLayers(spec, analyzeModel(spec), { seed: 3 });
    const gfrs = instrumented.layers.filter((layer) => layer.className === GFR_CLASS_NAME);
    expect(gfrs.map((layer) => layer.inbound[0]).sort()).toEqual(['bn_a', 'bn_b']);
    const random = seededRandom(11);
    gfrs.forEach((layer) => layer.weights.sr.values.forEach((_, i) => (layer.weights.sr.values[i] = 0.1 + random())));

    const input = randomInput([4, 6, 6, 2]);
    const gfrModel = await modelFromSpec(instrumented);
    const folded = foldGfrLayers(instrumented);
    expect(hasGfrLayers(folded)).toBe(false);
    const foldedModel = await modelFromSpec(folded);
    const difference = maxAbsDifference(await predictValues(gfrModel, input), await predictValues(foldedModel, input));
    expect(difference).toBeLessThanOrEqual(1e-4);

    // The instrumented model saves and reloads with its sr.
    const reloaded = await tf.loadLayersModel(tf.io.fromMemory(artifactsFromSpec(await specFromModel(gfrModel))));
    expect(maxAbsDifference(await predictValues(reloaded, input), await predictValues(gfrModel, input))).toBe(0);
    [gfrModel, foldedModel, reloaded].forEach((model) => model.dispose());
    input.dispose();
  });
});

/**
 * A trained-looking network: the built-in ResNet (identity and projection shortcuts) with every BN at seeded,
 * non-trivial γ, β and moving statistics, and a linear last layer so that outputs are logits (a softmax would
 * squash differences).
 */
async function trainedResnet(): Promise<ModelSpec> {
  const model = resnet({ inputShape: [12, 12, 3], numClasses: 10, seed: 5 });
  const spec = await specFromModel(model);
  model.dispose();
  const random = seededRandom(17);
  const uniform = (low: number, high: number) => low + (high - low) * random();
  for (const layer of spec.layers.filter((l) => l.className === 'BatchNormalization')) {
    const { gamma, beta, moving_mean: mean, moving_variance: variance } = layer.weights;
    gamma.values.forEach((_, i) => (gamma.values[i] = uniform(0.5, 1.5)));
    beta.values.forEach((_, i) => (beta.values[i] = uniform(-0.5, 0.5)));
    mean.values.forEach((_, i) => (mean.values[i] = uniform(-0.5, 0.5)));
    variance.values.forEach((_, i) => (variance.values[i] = uniform(0.3, 2)));
  }
  layerByName(spec, 'predictions').config.activation = 'linear';
  return spec;
}

describe('GFR instrumentation is exact: a trained ResNet computes the same before and after insertion', () => {
  afterEach(() => {
    trainingFusionConfig.fused.batchNormOp = true;
    trainingFusionConfig.fused.gfrGates = true;
  });

  it('in inference (y = x·sr), and importance |γ|·sr is the original |γ|', async () => {
    const spec = await trainedResnet();
    const analysis = analyzeModel(spec);
    const instrumented = insertGfrLayers(spec, analysis, { seed: 3 });
    expect(instrumented.layers.filter((layer) => layer.className === GFR_CLASS_NAME)).toHaveLength(gfrTargets(analysis).length);
    const input = randomInput([8, 12, 12, 3], 21);
    const [original, gated] = await Promise.all([predictSpec(spec, input), predictSpec(instrumented, input)]);
    expect(maxRelativeDiff(gated, original)).toBeLessThan(1e-4);
    input.dispose();

    const before = scoreChannels(spec, analysis, { criterion: 'gamma' });
    const after = scoreChannels(instrumented, analyzeModel(instrumented), { criterion: 'gfr' });
    for (const key of Object.keys(before)) expect(maxRelativeDiff(after[key], before[key]), key).toBeLessThan(1e-6);
  });

  it.each([
    { fused: true, path: "the training loop's fused ops" },
    { fused: false, path: "tfjs-layers' own ops" },
  ])('in training form (y = x·s, batch statistics) through $path', async ({ fused }) => {
    trainingFusionConfig.fused.batchNormOp = fused;
    trainingFusionConfig.fused.gfrGates = fused;
    const spec = await trainedResnet();
    const [original, gated] = await Promise.all([modelFromSpec(spec), modelFromSpec(insertGfrLayers(spec, analyzeModel(spec), { seed: 3 }))]);
    const unfuse = [original, gated].map((model) => fuseBatchNormTraining(model));
    const input = randomInput([8, 12, 12, 3], 22);
    const forward = (model: tf.LayersModel) => tf.tidy(() => (model.apply(input, { training: true }) as tf.Tensor).dataSync() as Float32Array);
    expect(maxRelativeDiff(forward(gated), forward(original))).toBeLessThan(1e-4);
    // Every gate is s0 for every input, so the first step's sr update leaves sr at s0.
    for (const layer of gated.layers.filter(isGfrLayer)) {
      const gates = layer.lastGates().dataSync();
      expect(Math.max(...Array.from(gates, (s) => Math.abs(s - INITIAL_SR))), layer.name).toBeLessThan(1e-6);
      layer.releaseGates();
    }
    unfuse.forEach((restore) => restore());
    [original, gated].forEach((model) => model.dispose());
    input.dispose();
  });

  it('folding the freshly instrumented model gives back the original', async () => {
    const spec = await trainedResnet();
    const folded = foldGfrLayers(insertGfrLayers(spec, analyzeModel(spec), { seed: 3 }));
    const shape = (s: ModelSpec) => ({ layers: s.layers.map(({ name, className, inbound }) => ({ name, className, inbound })), outputs: s.outputs });
    expect(shape(folded)).toEqual(shape(spec));
    for (const layer of spec.layers) {
      for (const [key, weight] of Object.entries(layer.weights)) {
        expect(maxRelativeDiff(layerByName(folded, layer.name).weights[key].values, weight.values), `${layer.name}/${key}`).toBeLessThan(1e-6);
      }
    }
  });
});
