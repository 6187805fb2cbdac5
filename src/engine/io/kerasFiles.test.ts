/** Keras 3 topologies and Keras files (.keras, legacy .h5), written by Keras's own layout rules. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../core/types';
import { analyzeModel } from '../graph/analyze';
import { savedArtifacts } from '../testing/artifacts';
import { kerasArchive, kerasH5, keras3Config } from '../testing/kerasFiles';
import { invertedResiduals, resnetStages } from '../testing/realModels';
import { maxAbsDifference, predictValues, randomInput } from '../testing/tensors';
import { loadModelFiles } from './modelFiles';
import { modelFromSpec, specFromArtifacts, specFromModel } from './modelSpec';
import { specFromTopology } from './topology';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function expectSamePredictions(spec: ModelSpec, model: tf.LayersModel): Promise<void> {
  const input = randomInput([2, 8, 8, 3]);
  const rebuilt = await modelFromSpec(spec);
  expect(maxAbsDifference(await predictValues(rebuilt, input), await predictValues(model, input))).toBeLessThan(1e-5);
  rebuilt.dispose();
  input.dispose();
}

describe('Keras 3 topologies', () => {
  it('reads a functional config with __keras_tensor__ inbound nodes, batch_shape and dtype policies', async () => {
    const model = resnetStages();
    const artifacts = await savedArtifacts(model);
    const spec = specFromArtifacts({ ...artifacts, modelTopology: keras3Config(await specFromModel(model)) });
    expect(spec.layers.find((l) => l.name === 'b2_add')!.inbound.sort()).toEqual(['b2_bn2', 'b2_short']);
    expect(spec.layers.find((l) => l.className === 'InputLayer')!.config.batch_input_shape).toEqual([null, 8, 8, 3]);
    await expectSamePredictions(spec, model);
    model.dispose();
  });

  it('reads a Keras 3 Sequential whose InputLayer has batch_shape', () => {
    const spec = specFromTopology({
      module: 'keras', class_name: 'Sequential', registered_name: null,
      config: { name: 'seq', trainable: true, layers: [
        { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 4, 4, 1], dtype: 'float32', sparse: false, name: 'input_layer' }, registered_name: null },
        { module: 'keras.layers', class_name: 'Conv2D', config: { name: 'conv2d', filters: 2, kernel_size: [3, 3], padding: 'same', use_bias: true, dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null } }, registered_name: null },
      ] },
    });
    expect(spec.layers.map((l) => [l.name, l.inbound])).toEqual([['input_layer', []], ['conv2d', ['input_layer']]]);
    expect(spec.layers[1].config.dtype).toBe('float32');
  });
});

describe('Keras files', () => {
  it('reads a .keras archive (config.json + model.weights.h5) into the same model', async () => {
    const model = invertedResiduals();
    const spec = await specFromModel(model);
    const loaded = await loadModelFiles([{ name: 'mobilenet.keras', bytes: await kerasArchive(spec) }]);
    expect(loaded.format).toBe('keras');
    expect(loaded.spec.layers.find((l) => l.name === 'ir_dw')!.weights.depthwise_kernel.shape).toEqual([3, 3, 8, 1]);
    await expectSamePredictions(loaded.spec, model);
    expect(analyzeModel(loaded.spec).prunableChannels).toBe(analyzeModel(spec).prunableChannels);
    model.dispose();
  });

  it('reads a legacy Keras 2 .h5 (model_config, layer_names, weight_names) into the same model', async () => {
    const model = resnetStages();
    const spec = await specFromModel(model);
    const loaded = await loadModelFiles([{ name: 'resnet.h5', bytes: await kerasH5(spec) }]);
    expect(loaded.format).toBe('h5');
    expect(loaded.spec.layers.find((l) => l.name === 'b2_short')!.config.trainable).toBe(false);
    await expectSamePredictions(loaded.spec, model);
    model.dispose();
  });
});
