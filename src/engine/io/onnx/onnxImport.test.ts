import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors';
import type { ModelSpec } from '../../core/types';
import protobuf from 'protobufjs/minimal.js';
import { encodeOnnxModel, type OnnxNode, type OnnxTensor } from '../../export/onnx/proto';
import { onnxFromSpec } from '../../export/onnx/toOnnx';
import { analyzeModel } from '../../graph/analyze';
import { runOnnx } from '../../testing/onnxRuntime';
import { compareWithOnnxRuntime as compare, ONNX_TOLERANCE as TOLERANCE, onnxFixture as fixture, seededImages as images, specInputShape as inputShape, toNchw } from '../../testing/onnxFixtures';
import { maxAbsDifference } from '../../testing/tensors';
import { concatModel, depthwiseModel, flattenModel, randomizeNormalization, residualModel } from '../../testing/tinyModels';
import { buildBuiltinModel, type BuiltinModelName } from '../../zoo';
import { specFromModel } from '../modelSpec';
import { loadModelFiles } from '../modelFiles';
import { measureRebuiltBatchNorms } from './batchNorm';
import { specFromOnnx } from './importOnnx';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function builtinSpec(name: BuiltinModelName, shape: [number, number, number]): Promise<ModelSpec> {
  const model = buildBuiltinModel(name, { inputShape: shape, numClasses: 10, seed: 1 });
  const spec = randomizeNormalization(await specFromModel(model));
  model.dispose();
  spec.layers.find((layer) => layer.name === spec.outputs[0])!.config.activation = 'linear';
  return spec;
}

describe('ONNX import: files PyTorch exported', () => {
  it.each([
    ['residual_opset13.onnx', 5],
    ['residual_bn_opset11.onnx', 5],
    ['mobile_opset13.onnx', 6],
    ['mobile_bn_opset17.onnx', 6],
    ['option_a_opset13.onnx', 3],
    ['hard_opset14.onnx', 4],
    ['hard_opset13.onnx', 4],
    ['mobilenet_v2_w020_opset13.onnx', 10],
    ['resnet20_cifar_opset13.onnx', 10],
  ])('%s: outputs within 1e-4 of onnxruntime', async (name, classes) => {
    const bytes = fixture(name);
    const imported = specFromOnnx(bytes, name);
    expect(imported.origin).toMatchObject({ inputName: 'image', inputLayout: 'NCHW', outputNames: ['logits'] });
    expect(imported.origin.producer).toMatch(/^pytorch/);
    const { difference, spread } = await compare(bytes, imported.spec, 'NCHW');
    expect(spread).toBeGreaterThan(0.05);
    expect(difference).toBeLessThan(TOLERANCE);
    const analysis = analyzeModel(imported.spec);
    expect(analysis.unsupportedLayers).toEqual([]);
    expect(analysis.layers.find((layer) => layer.name === imported.spec.outputs[0])!.outputShape).toEqual([classes]);
  });

  it('maps the layers: convolutions (depthwise too), BN, padding PyTorch puts on both sides, the Linear head', () => {
    const residual = specFromOnnx(fixture('residual_bn_opset11.onnx'), 'r.onnx').spec;
    const classes = residual.layers.map((layer) => layer.className);
    expect(classes.filter((c) => c === 'Conv2D')).toHaveLength(4);
    expect(classes.filter((c) => c === 'BatchNormalization')).toHaveLength(4);
    // A stride-2 3×3 convolution with pads 1 on an even map: PyTorch pads both sides, Keras's 'same' only the end.
    expect(classes.filter((c) => c === 'ZeroPadding2D')).toHaveLength(2);
    expect(classes).toEqual(expect.arrayContaining(['Add', 'MaxPooling2D', 'Flatten', 'Dense']));
    const mobile = specFromOnnx(fixture('mobile_bn_opset17.onnx'), 'm.onnx').spec;
    const byClass = (c: string) => mobile.layers.filter((layer) => layer.className === c);
    expect(byClass('DepthwiseConv2D')).toHaveLength(1);
    expect(byClass('ReLU').map((layer) => layer.config.max_value)).toEqual([6, 6]);
    expect(byClass('Activation').map((layer) => layer.config.activation)).toEqual(['swish', 'relu']);
    expect(byClass('LeakyReLU')).toHaveLength(1);
    expect(byClass('Concatenate')).toHaveLength(1);
    expect(byClass('GlobalAveragePooling2D')).toHaveLength(1);
  });

  it('rebuilds the BNs the export folded away: every convolution gets one, and the channels become prunable', () => {
    const folded = specFromOnnx(fixture('residual_opset13.onnx'), 'r.onnx');
    expect(folded.rebuiltBatchNorms).toHaveLength(4);
    const kept = specFromOnnx(fixture('residual_bn_opset11.onnx'), 'r.onnx');
    expect(kept.rebuiltBatchNorms).toEqual([]);
    const prunable = (spec: ModelSpec) => analyzeModel(spec).groups.filter((group) => group.prunable).length;
    expect(prunable(folded.spec)).toBe(prunable(kept.spec));
    expect(prunable(folded.spec)).toBeGreaterThan(0);
  });

  it('measures the rebuilt BNs on images: γ the spread, β the mean of each channel, and the outputs do not change', async () => {
    const bytes = fixture('mobile_opset13.onnx');
    const imported = specFromOnnx(bytes, 'm.onnx');
    expect(imported.rebuiltBatchNorms.length).toBeGreaterThanOrEqual(4);
    const [h, w, c] = inputShape(imported.spec);
    const measured = await measureRebuiltBatchNorms(imported.spec, imported.rebuiltBatchNorms, images(16, h, w, c, 7), [16, h, w, c]);
    const bn = measured.layers.find((layer) => layer.name === imported.rebuiltBatchNorms[0])!;
    const gamma = Array.from(bn.weights.gamma.values);
    expect(new Set(gamma.map((g) => g.toFixed(4))).size).toBeGreaterThan(1);
    expect(Array.from(bn.weights.beta.values)).toEqual(Array.from(bn.weights.moving_mean.values));
    const { difference } = await compare(bytes, measured, 'NCHW');
    expect(difference).toBeLessThan(TOLERANCE);
  });

  it('maps the option-A shortcut (strided slice, zero channels) exactly', () => {
    const imported = specFromOnnx(fixture('option_a_opset13.onnx'), 'a.onnx');
    // x[:, :, ::2, ::2] → a 1×1 depthwise convolution of ones, stride 2; the zero channels → a 1×1 convolution.
    expect(imported.spec.layers.filter((layer) => layer.className === 'DepthwiseConv2D').map((layer) => layer.config.strides)).toEqual([[2, 1], [1, 2]]);
    expect(imported.rebuiltBatchNorms).toHaveLength(2);
  });
});

describe('ONNX round trip: a PyTorch file in, an NCHW file out', () => {
  it.each(['residual_opset13.onnx', 'mobile_bn_opset17.onnx', 'option_a_opset13.onnx'])('%s: written back with its input name and NCHW input, same outputs in onnxruntime', async (name) => {
    const bytes = fixture(name);
    const imported = specFromOnnx(bytes, name);
    const written = onnxFromSpec(imported.spec, { inputLayout: imported.origin.inputLayout, inputName: imported.origin.inputName });
    const [h, w, c] = inputShape(imported.spec);
    const nchw = toNchw(images(3, h, w, c), [3, h, w, c]);
    const expected = await runOnnx(bytes, nchw, [3, c, h, w]);
    expect(maxAbsDifference(expected, await runOnnx(written, nchw, [3, c, h, w]))).toBeLessThan(TOLERANCE);
    const again = specFromOnnx(written, name);
    expect(again.origin).toMatchObject({ inputName: 'image', inputLayout: 'NCHW' });
  });

  it('the NCHW file applies the input normalization over axis 1', async () => {
    const bytes = fixture('mobile_opset13.onnx');
    const imported = specFromOnnx(bytes, 'm.onnx');
    const scaling = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    const written = onnxFromSpec(imported.spec, { inputLayout: 'NCHW', inputName: 'image', inputScaling: scaling });
    const [h, w, c] = inputShape(imported.spec);
    const pixels = toNchw(images(2, h, w, c), [2, h, w, c]);
    const normalized = pixels.map((x, i) => (x - scaling.mean[Math.floor(i / (h * w)) % 3]) / scaling.std[Math.floor(i / (h * w)) % 3]);
    expect(maxAbsDifference(await runOnnx(bytes, normalized, [2, c, h, w]), await runOnnx(written, pixels, [2, c, h, w]))).toBeLessThan(TOLERANCE);
    // Read back, the normalization nodes become the input scaling again.
    expect(specFromOnnx(written, 'm.onnx').inputScaling!.std[2]).toBeCloseTo(0.225, 6);
  });
});

describe('ONNX import: files GFR Studio wrote', () => {
  it.each([
    ['lenet', [28, 28, 1]],
    ['vgg', [16, 16, 3]],
    ['resnet', [16, 16, 3]],
    ['mobilenet', [16, 16, 3]],
  ] as const)('%s: read back, outputs within 1e-4 of onnxruntime and of the model written', async (name, shape) => {
    const spec = await builtinSpec(name, [...shape]);
    const bytes = onnxFromSpec(spec);
    const imported = specFromOnnx(bytes, `${name}.onnx`);
    expect(imported.origin.inputLayout).toBe('NHWC');
    expect(imported.origin.producer).toBe('GFR Studio 1');
    const { difference, spread } = await compare(bytes, imported.spec, 'NHWC');
    expect(spread).toBeGreaterThan(0.05);
    expect(difference).toBeLessThan(TOLERANCE);
    // The BNs the writer folded into the convolutions come back as rebuilt ones: as many prunable groups as before.
    const prunable = (s: ModelSpec) => analyzeModel(s).groups.filter((group) => group.prunable).length;
    expect(prunable(imported.spec)).toBe(prunable(spec));
  });

  it('takes the normalization nodes of a file back out as the input scaling', async () => {
    const spec = await builtinSpec('lenet', [28, 28, 1]);
    const scaling = { mean: [0.1307], std: [0.3081] };
    const imported = specFromOnnx(onnxFromSpec(spec, { inputScaling: scaling }), 'lenet.onnx');
    expect(imported.inputScaling!.mean[0]).toBeCloseTo(0.1307, 6);
    expect(imported.inputScaling!.std[0]).toBeCloseTo(0.3081, 6);
  });

  it.each([
    ['residual Add', residualModel],
    ['depthwise', depthwiseModel],
    ['Concatenate', concatModel],
    ['Flatten → Dense', flattenModel],
  ] as const)('a model with %s: read back within 1e-4 of onnxruntime', async (_name, build) => {
    const spec = await build();
    const bytes = onnxFromSpec(spec);
    const { difference } = await compare(bytes, specFromOnnx(bytes, 'm.onnx').spec, 'NHWC');
    expect(difference).toBeLessThan(TOLERANCE);
  });
});

/** A one-input graph written by the project's ONNX writer: x [batch, 4, 6, 6] → nodes → y. */
function graphFile(nodes: OnnxNode[], initializers: OnnxTensor[] = [], opset = 13): Uint8Array {
  return encodeOnnxModel({
    irVersion: 7, opsetVersion: opset, producerName: 'test', producerVersion: '', docString: '', metadata: {},
    graph: { name: 'g', nodes, initializers, inputs: [{ name: 'x', dims: ['batch', 4, 6, 6] }], outputs: [{ name: 'y', dims: ['batch', 4, 6, 6] }] },
  });
}
const node = (opType: string, name: string, inputs: string[], attributes: OnnxNode['attributes'] = []): OnnxNode => ({ opType, name, inputs, outputs: ['y'], attributes });
const withOutput = (value: OnnxNode, output: string): OnnxNode => ({ ...value, outputs: [output] });
const weight = (name: string, dims: number[]): OnnxTensor => ({ name, dims, dataType: 'float', values: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.5) });

describe('ONNX import: what it refuses', () => {
  it.each([
    ['an operator it does not read', [node('LSTM', 'lstm_1', ['x'])], [], /node 'lstm_1' \(LSTM\) is an operator the import does not read/],
    ['a grouped convolution', [node('Conv', 'grouped', ['x', 'w'], [{ name: 'group', type: 'int', value: 2 }])], [weight('w', [4, 2, 3, 3])], /node 'grouped' \(Conv\) is a grouped convolution \(group 2 over 4 channels\)/],
    ['a depth multiplier', [node('Conv', 'dw2', ['x', 'w'], [{ name: 'group', type: 'int', value: 4 }])], [weight('w', [8, 1, 3, 3])], /node 'dw2' \(Conv\) is a depthwise convolution with 2 outputs per channel/],
    ['a slice of channels', [node('Slice', 'cut', ['x', 's', 'e', 'a'])], [{ name: 's', dims: [1], dataType: 'int64', values: [0] }, { name: 'e', dims: [1], dataType: 'int64', values: [2] }, { name: 'a', dims: [1], dataType: 'int64', values: [1] }] as OnnxTensor[], /node 'cut' \(Slice\) slices axis 1/],
    ['a product of two tensors (a gate, not x · sigmoid(x))', [
      withOutput(node('Relu', 'r', ['x']), 'r_out'), withOutput(node('Sigmoid', 'gate', ['r_out']), 'gate_out'), node('Mul', 'se', ['x', 'gate_out']),
    ], [], /node 'se' \(Mul\) multiplies two tensors/],
    ['x times a hard sigmoid other than hard swish\'s', [
      withOutput(node('HardSigmoid', 'hs', ['x']), 'hs_out'), node('Mul', 'gated', ['x', 'hs_out']),
    ], [], /node 'gated' \(Mul\) multiplies two tensors/],
  ] as const)('%s, naming the node and its operator', (_what, nodes, initializers, message) => {
    const bytes = graphFile([...nodes], [...initializers]);
    expect(() => specFromOnnx(bytes, 'net.onnx')).toThrow(UserError);
    expect(() => specFromOnnx(bytes, 'net.onnx')).toThrow(message);
  });

  it('an opset outside 7–18', () => {
    expect(() => specFromOnnx(graphFile([node('Relu', 'r', ['x'])], [], 19), 'new.onnx')).toThrow(/new\.onnx uses ONNX opset 19; opsets 7–18 are read/);
  });

  it('weights in an external data file, with what to do', () => {
    // A second graph field merges into the first (protobuf): an initializer 'w' whose data_location is EXTERNAL.
    const extra = protobuf.Writer.create();
    extra.uint32((7 << 3) | 2).fork().uint32((5 << 3) | 2).fork();
    extra.uint32((1 << 3) | 0).int64(4).uint32((2 << 3) | 0).int32(1).uint32((8 << 3) | 2).string('w').uint32((14 << 3) | 0).int32(1);
    extra.ldelim().ldelim();
    const bytes = new Uint8Array([...graphFile([node('Relu', 'r', ['x'])]), ...extra.finish()]);
    expect(() => specFromOnnx(bytes, 'big.onnx')).toThrow(/big\.onnx keeps initializer 'w' in an external data file; save the model with its weights inside/);
  });

  it('a damaged file, naming it', () => {
    const bytes = fixture('residual_opset13.onnx');
    expect(() => specFromOnnx(bytes.slice(0, bytes.length / 2), 'cut.onnx')).toThrow(UserError);
    expect(() => specFromOnnx(bytes.slice(0, bytes.length / 2), 'cut.onnx')).toThrow(/cut\.onnx/);
  });
});

describe('loadModelFiles', () => {
  it('reads an .onnx file, with its origin', async () => {
    const loaded = await loadModelFiles([{ name: 'mobile.onnx', bytes: fixture('mobile_opset13.onnx') }]);
    expect(loaded.format).toBe('onnx');
    expect(loaded.onnx).toMatchObject({ inputName: 'image', inputLayout: 'NCHW', opset: 13 });
  });
});
