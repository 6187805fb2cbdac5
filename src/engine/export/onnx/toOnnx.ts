/**
 * A ModelSpec as an ONNX model (opset 13). The file takes the same input as
 * the tfjs model, NHWC images, by default as pixels in [0, 1]: the first nodes
 * apply the model's input normalization ((x − mean) / std), then one Transpose
 * turns the images to NCHW, the layout of ONNX's Conv and pooling. With
 * `inputLayout: 'NCHW'` (a model that came from PyTorch's ONNX) it takes NCHW
 * images, under the input name it had, and needs no Transpose. Convolutions
 * absorb the BatchNormalization that follows them; Flatten goes back to NHWC
 * order first, so Dense kernels are written as they are.
 */
import { UserError } from '../../core/errors';
import type { LayerSpec, ModelSpec, Shape } from '../../core/types';
import type { InputScaling } from '../../../contract/preprocessing';
import { foldGfrLayers, hasGfrLayers } from '../../gfr/instrument';
import { handlerFor } from '../../graph/handlers';
import { consumersOf } from '../../io/modelSpec';
import { OnnxGraphBuilder } from './graphBuilder';
import { CONVERTERS, type OnnxValue } from './layers';
import { encodeOnnxModel, type OnnxValueInfo } from './proto';

export const ONNX_OPSET = 13;
/** The IR version that goes with opset 13. */
const ONNX_IR_VERSION = 7;

export interface OnnxExportOptions {
  /** The input scaling the model was trained with (x/255, then (x − mean) / std). */
  inputScaling?: InputScaling;
  /** Whether the file applies `inputScaling` itself, so that it takes pixels in [0, 1]. Default true. */
  normalize?: boolean;
  /** The input's layout: NHWC (the tfjs model's, the default) or NCHW (PyTorch's, for a model imported from ONNX). */
  inputLayout?: 'NHWC' | 'NCHW';
  /** The graph input's name (default: the input layer's), e.g. the name an imported ONNX file gave it. */
  inputName?: string;
}

const isIdentity = (scaling: InputScaling): boolean => scaling.mean.every((m) => m === 0) && scaling.std.every((s) => s === 1);

/** The `.onnx` file's bytes for a model. */
export function onnxFromSpec(source: ModelSpec, options: OnnxExportOptions = {}): Uint8Array {
  const spec = hasGfrLayers(source) ? foldGfrLayers(source) : source;
  if (spec.inputs.length !== 1) throw new UserError(`Model '${spec.name}' has ${spec.inputs.length} inputs; the ONNX export writes models with one input.`);
  const builder = new OnnxGraphBuilder();
  const values = new Map<string, OnnxValue>();
  const graphInputs: OnnxValueInfo[] = [];
  const normalized = options.normalize !== false && options.inputScaling !== undefined && !isIdentity(options.inputScaling);
  if (normalized && options.inputScaling!.channelOrder === 'bgr') {
    throw new UserError('The ONNX file\'s normalization nodes subtract and divide per channel but do not reverse the channels: export a BGR model without them (--no-onnx-normalization) and preprocess its inputs before the model.');
  }
  const foldedBns = new Set<string>();
  const nchwInput = options.inputLayout === 'NCHW';

  for (const layer of spec.layers) {
    const found = handlerFor(layer);
    if ('reason' in found) throw new UserError(`The ONNX export cannot write layer '${layer.name}': ${found.reason}.`);
    const inputs = layer.inbound.map((name) => values.get(name)!);
    const outputShape = found.handler.outputShape(layer, inputs.map((value) => value.shape));
    if (layer.className === 'InputLayer') {
      const name = builder.reserve(options.inputName ?? layer.name);
      const image = outputShape.length === 3;
      graphInputs.push({ name, dims: image && nchwInput ? ['batch', outputShape[2], outputShape[0], outputShape[1]] : ['batch', ...outputShape] });
      const scaled = normalized ? normalizationNodes(builder, name, outputShape, options.inputScaling!, image && nchwInput) : name;
      values.set(layer.name, !image
        ? { name: scaled, layout: 'flat', shape: outputShape }
        : nchwInput
          ? { name: scaled, layout: 'nchw', shape: outputShape }
          : { name: builder.node('Transpose', [scaled], `${layer.name}_nchw`, [{ name: 'perm', type: 'ints', value: [0, 3, 1, 2] }]), layout: 'nchw', shape: outputShape });
      continue;
    }
    if (foldedBns.has(layer.name)) {
      values.set(layer.name, { ...inputs[0], shape: outputShape });
      continue;
    }
    const convert = CONVERTERS[layer.className];
    if (!convert) throw new UserError(`The ONNX export cannot write layer '${layer.name}': it does not support ${layer.className} layers.`);
    const foldedBn = foldableBn(spec, layer);
    if (foldedBn) foldedBns.add(foldedBn.name);
    const output = convert(builder, { layer, inputs, outputShape, foldedBn });
    values.set(layer.name, { ...output, shape: outputShape });
  }

  const graphOutputs = spec.outputs.map((layerName): OnnxValueInfo => {
    const value = values.get(layerName)!;
    const nhwc = value.layout === 'nchw'
      ? builder.node('Transpose', [value.name], `${layerName}_nhwc`, [{ name: 'perm', type: 'ints', value: [0, 2, 3, 1] }])
      : value.name;
    return { name: builder.node('Identity', [nhwc], `${layerName}_output`), dims: ['batch', ...value.shape] };
  });

  return encodeOnnxModel({
    irVersion: ONNX_IR_VERSION,
    opsetVersion: ONNX_OPSET,
    producerName: 'GFR Studio',
    producerVersion: '1',
    docString: `${spec.name}, exported by GFR Studio. Input: ${nchwInput ? 'NCHW' : 'NHWC'} float32 images, ${normalized ? 'pixels in [0, 1] (the input normalization is applied inside)' : 'scaled as the model was trained (see metadata gfrStudio.inputScaling)'}.`,
    graph: { name: spec.name, nodes: builder.nodes, initializers: builder.initializers, inputs: graphInputs, outputs: graphOutputs },
    metadata: {
      'gfrStudio.inputLayout': nchwInput ? 'NCHW' : 'NHWC',
      'gfrStudio.inputScaling': JSON.stringify(options.inputScaling ?? { mean: [0], std: [1] }),
      'gfrStudio.normalizationInside': String(normalized),
    },
  });
}

/** (x − mean) / std over the channels (the last axis, or axis 1 of NCHW images), with per-channel or single values. */
function normalizationNodes(builder: OnnxGraphBuilder, input: string, shape: Shape, scaling: InputScaling, nchw: boolean): string {
  const channels = shape[shape.length - 1];
  for (const [name, list] of [['mean', scaling.mean], ['std', scaling.std]] as const) {
    if (list.length !== 1 && list.length !== channels) {
      throw new UserError(`The input scaling has ${list.length} ${name} values but the model's images have ${channels} channels; give one value or one per channel.`);
    }
  }
  const dims = (list: number[]) => (nchw && list.length > 1 ? [list.length, 1, 1] : [list.length]);
  const centred = builder.node('Sub', [input, builder.floats('input_mean', dims(scaling.mean), Float32Array.from(scaling.mean))], 'input_centred');
  return builder.node('Div', [centred, builder.floats('input_std', dims(scaling.std), Float32Array.from(scaling.std))], 'input_normalized');
}

/** The BatchNormalization that alone reads a convolution without activation: folded into its weights. */
function foldableBn(spec: ModelSpec, layer: LayerSpec): LayerSpec | undefined {
  if (layer.className !== 'Conv2D' && layer.className !== 'DepthwiseConv2D') return undefined;
  if (String(layer.config.activation ?? 'linear') !== 'linear' || spec.outputs.includes(layer.name)) return undefined;
  const readers = consumersOf(spec, layer.name);
  return readers.length === 1 && readers[0].className === 'BatchNormalization' ? readers[0] : undefined;
}
