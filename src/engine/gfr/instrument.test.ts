import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../core/random';
import { analyzeModel } from '../graph/analyze';
import { artifactsFromSpec, modelFromSpec, specFromModel } from '../io/modelSpec';
import { maxAbsDifference, predictValues, randomInput } from '../testing/tensors';
import { residualModel } from '../testing/tinyModels';
import { GFR_CLASS_NAME } from './gfrLayer';
import { foldGfrLayers, hasGfrLayers, insertGfrLayers } from './instrument';

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
