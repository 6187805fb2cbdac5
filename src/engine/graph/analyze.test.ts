import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { specFromModel } from '../io/modelSpec';
import { concatModel, depthwiseModel, flattenModel, residualModel } from '../testing/tinyModels';
import { analyzeModel, groupOfLayer } from './analyze';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('analyzeModel', () => {
  it('finds one prunable group per conv and keeps outputs and inputs unprunable', async () => {
    const analysis = analyzeModel(await flattenModel());
    const conv = groupOfLayer(analysis, 'conv1')!;
    expect(conv.prunable).toBe(true);
    expect(conv.members).toEqual([{ layer: 'conv1', bn: 'bn1' }]);
    expect(groupOfLayer(analysis, 'fc')!.reasons.join()).toMatch(/model output/);
    expect(groupOfLayer(analysis, 'input')!.reasons.join()).toMatch(/model input/);
    expect(analysis.prunableChannels).toBe(4);
    const flatten = analysis.layers.find((layer) => layer.name === 'flatten')!;
    expect(flatten.layout).toEqual({ kind: 'flat', positions: 9, segments: [{ group: 'conv1', size: 4 }] });
    // conv 6×6×4 from 2 channels with 3×3 taps, then dense 36 → 5.
    expect(analysis.flops).toBe(6 * 6 * 4 * 9 * 2 + 36 * 5);
  });

  it('couples the channels joined by Add into one group', async () => {
    const analysis = analyzeModel(await residualModel());
    const group = groupOfLayer(analysis, 'conv_a')!;
    expect(group).toBe(groupOfLayer(analysis, 'conv_b'));
    expect(group.members.map((member) => member.layer).sort()).toEqual(['conv_a', 'conv_b']);
    expect(group.members.map((member) => member.bn).sort()).toEqual(['bn_a', 'bn_b']);
    expect(group.prunable).toBe(true);
  });

  it('ties a depthwise convolution to the channels it reads', async () => {
    const analysis = analyzeModel(await depthwiseModel());
    const group = groupOfLayer(analysis, 'conv1')!;
    expect(group.members).toEqual([{ layer: 'conv1', bn: 'bn1' }, { layer: 'dw', bn: 'bn_dw' }]);
    expect(groupOfLayer(analysis, 'pw')!.prunable).toBe(true);
  });

  it('lines up concatenated groups one after the other', async () => {
    const analysis = analyzeModel(await concatModel());
    const concat = analysis.layers.find((layer) => layer.name === 'concat')!;
    expect(concat.layout).toEqual({ kind: 'channels', segments: [{ group: 'conv_a', size: 3 }, { group: 'conv_b', size: 2 }] });
  });

  it('reads Sequential models and names an unknown layer without failing', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [5, 5, 1], filters: 3, kernelSize: 3, name: 'c1' }),
        tf.layers.batchNormalization({ name: 'b1' }),
        tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'c2' }),
        tf.layers.batchNormalization({ name: 'b2' }),
        tf.layers.reshape({ targetShape: [18], name: 'reshape' }),
        tf.layers.dense({ units: 2, name: 'out' }),
      ],
    });
    const spec = await specFromModel(model);
    model.dispose();
    spec.layers.find((layer) => layer.name === 'reshape')!.className = 'MysteryLayer';
    const analysis = analyzeModel(spec);
    expect(analysis.unsupportedLayers).toEqual([{ layer: 'reshape', className: 'MysteryLayer', reason: 'the engine does not understand MysteryLayer layers' }]);
    expect(groupOfLayer(analysis, 'c1')!.prunable).toBe(true);
    const blocked = groupOfLayer(analysis, 'c2')!;
    expect(blocked.prunable).toBe(false);
    expect(blocked.reasons[0]).toMatch(/reaches layer 'reshape' \(MysteryLayer\)/);
  });
});
