/**
 * The hard activations of mobile networks and SiLU, as ONNX writes them: HardSigmoid with any slope and offset,
 * HardSwish (opset 14), x · HardSigmoid(x) (hard swish before opset 14) and x · Sigmoid(x), each read and checked
 * against onnxruntime-web, then saved and reloaded by tfjs and written back as ONNX.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../core/types';
import { encodeOnnxModel, type OnnxNode } from '../../export/onnx/proto';
import { onnxFromSpec } from '../../export/onnx/toOnnx';
import { analyzeModel } from '../../graph/analyze';
import { compareWithOnnxRuntime, ONNX_TOLERANCE, onnxFixture } from '../../testing/onnxFixtures';
import { modelFromSpec, specFromModel } from '../modelSpec';
import { specFromOnnx } from './importOnnx';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const CHANNELS = 4;
const SIZE = 5;

/**
 * image [batch, 3, 5, 5] → a 1×1 convolution to 4 channels whose outputs span about −8 … 8 (past every bend of the
 * hard activations) → `nodes` → y [batch, 4, 5, 5].
 */
function activationFile(nodes: OnnxNode[], opset = 13): Uint8Array {
  const kernel = Float32Array.from({ length: CHANNELS * 3 }, (_, i) => ((i * 7) % 11) - 5);
  const bias = Float32Array.from({ length: CHANNELS }, (_, c) => c - 2);
  return encodeOnnxModel({
    irVersion: 7, opsetVersion: opset, producerName: 'test', producerVersion: '', docString: '', metadata: {},
    graph: {
      name: 'g',
      nodes: [{ opType: 'Conv', name: 'conv', inputs: ['image', 'w', 'b'], outputs: ['x'], attributes: [{ name: 'kernel_shape', type: 'ints', value: [1, 1] }] }, ...nodes],
      initializers: [{ name: 'w', dims: [CHANNELS, 3, 1, 1], dataType: 'float', values: kernel }, { name: 'b', dims: [CHANNELS], dataType: 'float', values: bias }],
      inputs: [{ name: 'image', dims: ['batch', 3, SIZE, SIZE] }],
      outputs: [{ name: 'y', dims: ['batch', CHANNELS, SIZE, SIZE] }],
    },
  });
}

const op = (opType: string, inputs: string[], output: string, attributes: OnnxNode['attributes'] = []): OnnxNode => ({ opType, name: output, inputs, outputs: [output], attributes });
const hardSigmoid = (alpha: number, beta: number, output = 'y'): OnnxNode => op('HardSigmoid', ['x'], output, [{ name: 'alpha', type: 'float', value: alpha }, { name: 'beta', type: 'float', value: beta }]);

/** Imports the file, checks it against onnxruntime, and returns the spec and onnxruntime's outputs. */
async function importAndCompare(bytes: Uint8Array): Promise<{ spec: ModelSpec; expected: Float32Array }> {
  const { spec } = specFromOnnx(bytes, 'act.onnx');
  const { difference, spread, expected } = await compareWithOnnxRuntime(bytes, spec, 'NCHW', 4, [SIZE, SIZE, CHANNELS]);
  expect(spread).toBeGreaterThan(0.5);
  expect(difference).toBeLessThan(ONNX_TOLERANCE);
  expect(analyzeModel(spec).unsupportedLayers).toEqual([]);
  return { spec, expected };
}

const activationLayers = (spec: ModelSpec) => spec.layers.filter((layer) => ['Activation', 'HardSigmoid'].includes(layer.className)).map((layer) => ({ className: layer.className, ...(layer.className === 'Activation' ? { activation: layer.config.activation } : { alpha: layer.config.alpha, beta: layer.config.beta }) }));

describe('ONNX import: hard activations and SiLU, against onnxruntime-web', () => {
  it.each([
    ['tfjs\'s own (0.2, 0.5)', 0.2, 0.5, { className: 'Activation', activation: 'hard_sigmoid' }],
    ['PyTorch\'s nn.Hardsigmoid (1/6, 0.5)', 1 / 6, 0.5, { className: 'HardSigmoid', alpha: expect.closeTo(1 / 6, 6), beta: 0.5 }],
    ['a steeper one, off centre (0.3, 0.1)', 0.3, 0.1, { className: 'HardSigmoid', alpha: expect.closeTo(0.3, 6), beta: expect.closeTo(0.1, 6) }],
    ['a falling one (−0.25, 0.4)', -0.25, 0.4, { className: 'HardSigmoid', alpha: -0.25, beta: expect.closeTo(0.4, 6) }],
  ])('HardSigmoid %s', async (_name, alpha, beta, layer) => {
    const { spec, expected } = await importAndCompare(activationFile([hardSigmoid(alpha, beta)]));
    expect(activationLayers(spec)).toEqual([layer]);
    // Both bends are crossed: some outputs are clipped to 0, some to 1, some in between.
    expect(expected.some((v) => v === 0) && expected.some((v) => v === 1) && expected.some((v) => v > 0.05 && v < 0.95)).toBe(true);
  });

  it.each([
    ['HardSwish (opset 14)', [op('HardSwish', ['x'], 'y')], 14, 'hard_swish'],
    ['x · HardSigmoid(x; 1/6, 1/2) (hard swish before opset 14)', [hardSigmoid(1 / 6, 0.5, 'gate'), op('Mul', ['x', 'gate'], 'y')], 13, 'hard_swish'],
    ['HardSigmoid(x; 1/6, 1/2) · x', [hardSigmoid(1 / 6, 0.5, 'gate'), op('Mul', ['gate', 'x'], 'y')], 13, 'hard_swish'],
    ['x · Sigmoid(x) (SiLU)', [op('Sigmoid', ['x'], 'gate'), op('Mul', ['x', 'gate'], 'y')], 13, 'swish'],
  ] as const)('%s', async (_name, nodes, opset, activation) => {
    const { spec, expected } = await importAndCompare(activationFile([...nodes], opset));
    // One activation layer: the gate that x multiplies is not a layer of its own.
    expect(activationLayers(spec)).toEqual([{ className: 'Activation', activation }]);
    expect(expected.some((v) => v < -0.2)).toBe(true);
    if (activation === 'hard_swish') expect(expected.some((v) => v === 0) && expected.some((v) => v > 3)).toBe(true);
  });

  it('PyTorch\'s exports of nn.Hardswish, nn.Hardsigmoid and nn.SiLU (opsets 13 and 14) read to the same layers', () => {
    for (const name of ['hard_opset13.onnx', 'hard_opset14.onnx']) {
      const { spec } = specFromOnnx(onnxFixture(name), name);
      expect(activationLayers(spec)).toEqual([
        { className: 'Activation', activation: 'hard_swish' },
        { className: 'HardSigmoid', alpha: expect.closeTo(1 / 6, 6), beta: 0.5 },
        { className: 'Activation', activation: 'swish' },
      ]);
    }
  });
});

describe('the hard activations once imported', () => {
  it('save and reload with tfjs, and are written back as ONNX that computes the same', async () => {
    const bytes = onnxFixture('hard_opset14.onnx');
    const { spec, origin } = specFromOnnx(bytes, 'hard.onnx');
    const model = await modelFromSpec(spec);
    const reloaded = await specFromModel(model);
    model.dispose();
    expect(activationLayers(reloaded)).toEqual(activationLayers(spec));
    // Opset 13, which has no HardSwish: x · HardSigmoid(x), as PyTorch writes it there.
    const written = onnxFromSpec(reloaded, { inputLayout: origin.inputLayout, inputName: origin.inputName });
    const { difference, spread } = await compareWithOnnxRuntime(written, spec, 'NCHW');
    expect(spread).toBeGreaterThan(0.05);
    expect(difference).toBeLessThan(ONNX_TOLERANCE);
    expect(activationLayers(specFromOnnx(written, 'again.onnx').spec)).toEqual(activationLayers(spec));
  });
});
