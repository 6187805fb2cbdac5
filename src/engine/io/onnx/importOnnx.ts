/**
 * An `.onnx` file (an image CNN as PyTorch, or GFR Studio's own export, writes
 * it) read into a ModelSpec: Keras layer classes the engine handles, NHWC, with
 * the weights moved to Keras layouts (Conv OIHW → HWIO, a Linear after a
 * flattened NCHW map with its rows in NHWC order). Nodes are read in file
 * order (ONNX stores them sorted); shape arithmetic is folded to constants
 * (`constants.ts`); constants added to or multiplying a convolution's, a dense
 * layer's or a BN's output are folded into its weights, and those applied to
 * the input become the model's input scaling. Anything else is refused with a
 * UserError that names the node and its operator. docs/METHOD.md §11.
 */
import { UserError } from '../../core/errors';
import { checkLimit } from '../../core/limits';
import type { LayerSpec, ModelSpec, WeightArray } from '../../core/types';
import type { InputScaling } from '../../../contract/preprocessing';
import { decodeOnnxModel, type DecodedAttribute, type DecodedModel, type DecodedNode, type DecodedTensor } from '../../export/onnx/proto';
import { sortTopologically } from '../topology';
import { checkLayerConfigs } from '../layerChecks';
import { checkFinite } from '../weightData';
import { rebuildBatchNorms } from './batchNorm';
import * as C from './constants';
import type { Constant } from './constants';

/** Where an imported model came from: what an ONNX export needs to write it back the same way. */
export interface OnnxOrigin {
  opset: number;
  producer: string;
  /** The graph input's name, and how it lays images out. */
  inputName: string;
  inputLayout: 'NCHW' | 'NHWC';
  outputNames: string[];
}

export interface OnnxImport {
  spec: ModelSpec;
  origin: OnnxOrigin;
  /** Constants the graph applied to its input first ((x − mean) / std), taken out of the model. */
  inputScaling?: InputScaling;
  /** The BatchNormalizations rebuilt after convolutions whose BN the export folded away (`batchNorm.ts`). */
  rebuiltBatchNorms: string[];
}

export const MIN_OPSET = 7;
export const MAX_OPSET = 18;

/** A tensor computed from the input, in one of the forms the import follows. */
interface Tensor {
  kind: 'tensor';
  /** The Keras layer whose output this is. */
  layer: string;
  /**
   * 'nchw': an image map [C, H, W] (Keras holds it as [H, W, C]); 'nhwc': the same map transposed to [H, W, C]
   * (GFR Studio's files take their input so); 'pooled': [C, 1, 1] after global pooling (Keras: [C]); 'vector': [F].
   */
  form: 'nchw' | 'nhwc' | 'pooled' | 'vector';
  /** ONNX's dimensions without the batch. */
  dims: number[];
  /** For a vector: order[k] is the ONNX index of Keras feature k (absent: the same order). */
  order?: Int32Array;
  /** Never negative (after ReLU, ReLU6, sigmoid…): zero padding then equals max pooling's padding. */
  nonNegative?: boolean;
  /** On the input only: the per-channel x·scale + shift the graph applied to it before any layer. */
  affine?: { scale: number[]; shift: number[] };
}

type Value = Tensor | ({ kind: 'const' } & Constant);

const ACTIVATION_OPS: Record<string, string> = { Relu: 'relu', Sigmoid: 'sigmoid', Tanh: 'tanh', Softplus: 'softplus', Softsign: 'softsign', Selu: 'selu' };
const NON_NEGATIVE = new Set(['relu', 'relu6', 'sigmoid', 'softplus', 'hard_sigmoid']);

export function specFromOnnx(bytes: Uint8Array, fileName: string): OnnxImport {
  let model: DecodedModel;
  try {
    model = decodeOnnxModel(bytes);
  } catch (error) {
    throw new UserError(`${fileName} could not be read as an ONNX model (${(error as Error).message}); the file may be truncated or not ONNX.`);
  }
  return new OnnxImporter(model, fileName).run();
}

class OnnxImporter {
  private readonly values = new Map<string, Value>();
  private readonly layers: LayerSpec[] = [];
  private readonly names = new Set<string>();
  /** How many nodes (and graph outputs) read each tensor name. */
  private readonly uses = new Map<string, number>();
  /** The tensor names that hold each layer's output. */
  private readonly tensorsOf = new Map<string, string[]>();
  /** Outputs of Sigmoid and of HardSigmoid(1/6, 1/2) nodes → their input: x times one of them is SiLU or hard swish. */
  private readonly gateInput = new Map<string, { input: string; activation: 'swish' | 'hard_swish' }>();
  private readonly opset: number;
  private inputLayer = '';
  private inputAffine: Tensor['affine'] | null = null;

  constructor(private readonly model: DecodedModel, private readonly fileName: string) {
    const opset = model.opsets.get('') ?? model.opsets.get('ai.onnx');
    if (opset === undefined) throw new UserError(`${fileName} imports no version of the standard ONNX operators (opset_import).`);
    if (opset < MIN_OPSET || opset > MAX_OPSET) throw new UserError(`${fileName} uses ONNX opset ${opset}; opsets ${MIN_OPSET}–${MAX_OPSET} are read (export with opset_version between them, e.g. 13).`);
    this.opset = opset;
  }

  run(): OnnxImport {
    const { graph } = this.model;
    checkLimit('layers', graph.nodes.length, `The ONNX graph's node count`, 'GFR Studio prunes CNNs of up to that many layers; a larger graph is refused before it is read.');
    for (const node of graph.nodes) for (const input of node.inputs) this.uses.set(input, (this.uses.get(input) ?? 0) + 1);
    for (const output of graph.outputs) this.uses.set(output.name, (this.uses.get(output.name) ?? 0) + 1);
    for (const tensor of graph.initializers) this.values.set(tensor.name, { kind: 'const', ...this.constantOf(tensor, `initializer '${tensor.name}'`) });
    const inputs = graph.inputs.filter((input) => !this.values.has(input.name));
    if (inputs.length !== 1) throw new UserError(`${this.fileName} has ${inputs.length} graph inputs (${inputs.map((i) => i.name).join(', ')}); models with one image input are read.`);
    const layout = this.addInput(inputs[0]);
    for (const node of graph.nodes) this.convert(node);
    const outputs = graph.outputs.map((output) => {
      const value = this.values.get(output.name);
      if (!value || value.kind !== 'tensor') throw new UserError(`Output '${output.name}' of ${this.fileName} is a constant, not computed from the input.`);
      if (value.form === 'vector' && value.order && value.order.some((index, k) => index !== k)) {
        throw new UserError(`Output '${output.name}' of ${this.fileName} is a flattened NCHW map; the import reads models whose outputs are class scores.`);
      }
      this.commitInput(value);
      return value.layer;
    });
    const { spec, rebuilt } = rebuildBatchNorms(this.finish(outputs), this.synthetic);
    return {
      spec,
      rebuiltBatchNorms: rebuilt,
      origin: {
        opset: this.opset,
        producer: [this.model.producerName, this.model.producerVersion].filter(Boolean).join(' '),
        inputName: inputs[0].name,
        inputLayout: layout,
        outputNames: graph.outputs.map((output) => output.name),
      },
      inputScaling: this.inputScaling(),
    };
  }

  // ── the input ─────────────────────────────────────────────────────────────

  private addInput(input: DecodedModel['graph']['inputs'][number]): 'NCHW' | 'NHWC' {
    const dims = input.dims;
    if (input.elemType !== 1) throw new UserError(`Input '${input.name}' of ${this.fileName} is not float32 (ONNX element type ${input.elemType}).`);
    if (!dims || (dims.length !== 4 && dims.length !== 2) || dims.slice(1).some((dim) => typeof dim !== 'number' || dim <= 0)) {
      throw new UserError(`Input '${input.name}' of ${this.fileName} has shape [${(dims ?? []).map((d) => d ?? '?').join(', ')}]; the import needs images [batch, channels, height, width] with fixed channels, height and width (export with a fixed image size; only the batch may be dynamic).`);
    }
    const sizes = dims.slice(1) as number[];
    const nhwc = dims.length === 4 && this.inputIsNhwc(input.name);
    const shape = dims.length === 2 ? sizes : nhwc ? sizes : [sizes[1], sizes[2], sizes[0]];
    this.inputLayer = this.addLayer('InputLayer', input.name, { batch_input_shape: [null, ...shape], dtype: 'float32', sparse: false }, [], {});
    this.setValue(input.name, { kind: 'tensor', layer: this.inputLayer, form: dims.length === 2 ? 'vector' : nhwc ? 'nhwc' : 'nchw', dims: sizes });
    return nhwc ? 'NHWC' : 'NCHW';
  }

  /** GFR Studio's files say so in their metadata; otherwise NHWC when the input, past constant arithmetic, is transposed to NCHW. */
  private inputIsNhwc(name: string): boolean {
    const said = this.model.metadata.get('gfrStudio.inputLayout');
    if (said) return said === 'NHWC';
    let current = name;
    for (let step = 0; step < 8; step++) {
      const readers = this.model.graph.nodes.filter((node) => node.inputs.includes(current));
      if (readers.length !== 1) return false;
      const [reader] = readers;
      if (reader.opType === 'Transpose') return this.ints(reader, 'perm')?.join() === '0,3,1,2';
      if (!['Sub', 'Div', 'Mul', 'Add'].includes(reader.opType)) return false;
      current = reader.outputs[0];
    }
    return false;
  }

  /** A layer reads the input: what the graph applied to it first must be the same on every path. */
  private commitInput(value: Tensor): void {
    if (value.layer !== this.inputLayer) return;
    const affine = value.affine ?? null;
    const same = (a: Tensor['affine'] | null, b: Tensor['affine'] | null) => JSON.stringify(a) === JSON.stringify(b);
    if (this.inputAffine === null) this.inputAffine = affine ?? { scale: [], shift: [] };
    else if (!same(this.inputAffine, affine ?? { scale: [], shift: [] })) {
      throw new UserError(`${this.fileName} reads its input through different arithmetic on different paths; the import takes one input normalization.`);
    }
  }

  private inputScaling(): InputScaling | undefined {
    const affine = this.inputAffine;
    if (!affine || affine.scale.length === 0) return undefined;
    if (affine.scale.some((scale) => !(scale > 0))) throw new UserError(`${this.fileName} multiplies its input by a value that is not positive; the import reads an input normalization (x − mean) / std with std > 0.`);
    return { mean: affine.shift.map((shift, c) => -shift / affine.scale[c]), std: affine.scale.map((scale) => 1 / scale) };
  }

  // ── bookkeeping ───────────────────────────────────────────────────────────

  private addLayer(className: string, base: string, config: Record<string, unknown>, inbound: string[], weights: Record<string, WeightArray>): string {
    let root = base.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '').replace(/_+$/, '') || className.toLowerCase();
    if (root.length > 80) root = root.slice(-80).replace(/^[^A-Za-z0-9]+/, '') || className.toLowerCase();
    let name = root;
    for (let n = 2; this.names.has(name); n++) name = `${root}_${n}`;
    this.names.add(name);
    this.layers.push({ name, className, config: { name, trainable: true, ...config }, inbound, weights });
    return name;
  }

  private layer(name: string): LayerSpec {
    return this.layers.find((layer) => layer.name === name)!;
  }

  private setValue(name: string, value: Value): void {
    this.values.set(name, value);
    if (value.kind === 'tensor') this.tensorsOf.set(value.layer, [...(this.tensorsOf.get(value.layer) ?? []), name]);
  }

  /** True when only `node` reads the layer's output (so its weights may absorb what the node does). */
  private onlyReader(layer: string): boolean {
    return (this.tensorsOf.get(layer) ?? []).reduce((sum, name) => sum + (this.uses.get(name) ?? 0), 0) === 1;
  }

  private constantOf(tensor: DecodedTensor, what: string): Constant {
    if (tensor.external) throw new UserError(`${this.fileName} keeps ${what} in an external data file; save the model with its weights inside (onnx.save_model(model, path, save_as_external_data=False), or torch.onnx.export of a model under 2 GB).`);
    const float = tensor.dataType === 1 || tensor.dataType === 11;
    if (!float && ![2, 3, 4, 5, 6, 7, 9, 12, 13].includes(tensor.dataType)) {
      throw new UserError(`${this.fileName} holds ${what} as ONNX data type ${tensor.dataType} (${tensor.dataType === 10 ? 'float16' : 'not float32'}); export the model in float32.`);
    }
    if (tensor.values.length !== C.sizeOf(tensor.dims)) throw new UserError(`${what} of ${this.fileName} has ${tensor.values.length} values for dimensions [${tensor.dims}]; the file is damaged.`);
    if (float) checkFinite(what, tensor.values as Float32Array);
    return { dims: [...tensor.dims], values: tensor.values, float };
  }

  private attribute(node: DecodedNode, name: string): DecodedAttribute | undefined {
    return node.attributes.get(name);
  }

  private int(node: DecodedNode, name: string, fallback: number): number {
    const attribute = this.attribute(node, name);
    return attribute?.type === 'int' ? attribute.value : fallback;
  }

  private float(node: DecodedNode, name: string, fallback: number): number {
    const attribute = this.attribute(node, name);
    return attribute?.type === 'float' ? attribute.value : attribute?.type === 'int' ? attribute.value : fallback;
  }

  private ints(node: DecodedNode, name: string): number[] | undefined {
    const attribute = this.attribute(node, name);
    return attribute?.type === 'ints' ? attribute.value : undefined;
  }

  private string(node: DecodedNode, name: string, fallback: string): string {
    const attribute = this.attribute(node, name);
    return attribute?.type === 'string' ? attribute.value : fallback;
  }

  private refuse(node: DecodedNode, why: string): never {
    throw new UserError(`${this.fileName}: node '${node.name || node.outputs[0]}' (${node.opType}) ${why}.`);
  }

  private input(node: DecodedNode, index: number): Value | undefined {
    const name = node.inputs[index];
    if (name === undefined || name === '') return undefined;
    const value = this.values.get(name);
    if (!value) this.refuse(node, `reads '${name}', which no earlier node computes`);
    return value;
  }

  private constantInput(node: DecodedNode, index: number, what: string): Constant | undefined {
    const value = this.input(node, index);
    if (value && value.kind !== 'const') this.refuse(node, `takes its ${what} from the input; the import needs it constant`);
    return value as Constant | undefined;
  }

  private tensorInput(node: DecodedNode, index: number): Tensor {
    const value = this.input(node, index);
    if (!value || value.kind !== 'tensor') this.refuse(node, 'reads no tensor computed from the input');
    return value;
  }

  /** A tensor a layer reads: its input arithmetic is then final. */
  private read(node: DecodedNode, index: number, forms: Tensor['form'][]): Tensor {
    const value = this.tensorInput(node, index);
    if (!forms.includes(value.form)) this.refuse(node, `reads a ${this.formWords(value)}, which the import does not support there`);
    this.commitInput(value);
    return value;
  }

  private formWords(value: Tensor): string {
    return { nchw: `[${value.dims}] image map`, nhwc: 'channels-last image map', pooled: 'globally pooled map', vector: `vector of ${value.dims[0]}` }[value.form];
  }

  private output(node: DecodedNode, value: Omit<Tensor, 'kind'>): void {
    this.setValue(node.outputs[0], { kind: 'tensor', ...value });
    for (const extra of node.outputs.slice(1)) {
      if (extra && (this.uses.get(extra) ?? 0) > 0) this.refuse(node, `has a second output '${extra}' that is read; the import reads inference graphs`);
    }
  }

  private constant(node: DecodedNode, value: Constant): void {
    this.values.set(node.outputs[0], { kind: 'const', ...value });
  }

  /** A layer reading `inputs`, its output in the given form. */
  private layerNode(node: DecodedNode, className: string, config: Record<string, unknown>, inputs: Tensor[], weights: Record<string, WeightArray>, out: Omit<Tensor, 'kind' | 'layer'>): string {
    const layer = this.addLayer(className, node.name || node.outputs[0], config, inputs.map((input) => input.layer), weights);
    this.output(node, { ...out, layer });
    return layer;
  }

  // ── operators ─────────────────────────────────────────────────────────────

  private convert(node: DecodedNode): void {
    if (node.domain !== '' && node.domain !== 'ai.onnx') this.refuse(node, `is in the operator domain '${node.domain}'; the import reads standard ONNX operators`);
    const inputs = node.inputs.filter(Boolean).map((name) => this.values.get(name));
    const allConstant = inputs.every((value) => value?.kind === 'const');
    if (allConstant && node.opType !== 'Constant' && node.opType !== 'ConstantOfShape' && this.foldConstant(node)) return;
    switch (node.opType) {
      case 'Constant': return this.constant(node, this.constantNode(node));
      case 'ConstantOfShape': return this.constant(node, this.constantOfShape(node));
      case 'Shape': return this.shape(node);
      case 'Identity': case 'Dropout': return this.alias(node);
      case 'Conv': return this.conv(node);
      case 'BatchNormalization': return this.batchNorm(node);
      case 'Relu': case 'Sigmoid': case 'Tanh': case 'Softplus': case 'Softsign': case 'Selu': return this.activation(node, ACTIVATION_OPS[node.opType]);
      case 'Elu': return this.simpleLayer(node, 'ELU', { alpha: this.float(node, 'alpha', 1) });
      case 'LeakyRelu': return this.simpleLayer(node, 'LeakyReLU', { alpha: this.float(node, 'alpha', 0.01) }, false);
      case 'Clip': return this.clip(node);
      case 'HardSigmoid': return this.hardSigmoid(node);
      case 'HardSwish': return this.simpleLayer(node, 'Activation', { activation: 'hard_swish' });
      case 'Softmax': return this.softmax(node);
      case 'Add': case 'Sub': case 'Mul': case 'Div': case 'Sum': return this.elementwise(node);
      case 'MaxPool': case 'AveragePool': return this.pool(node);
      case 'GlobalAveragePool': case 'GlobalMaxPool': return this.globalPool(node, node.opType === 'GlobalAveragePool', true);
      case 'ReduceMean': case 'ReduceMax': return this.reduce(node);
      case 'Gemm': case 'MatMul': return this.gemm(node);
      case 'Concat': return this.concat(node);
      case 'Pad': return this.pad(node);
      case 'Slice': return this.slice(node);
      case 'Flatten': return this.flatten(node);
      case 'Reshape': return this.reshape(node);
      case 'Squeeze': case 'Unsqueeze': return this.squeezeTensor(node);
      case 'Transpose': return this.transpose(node);
      default: return this.refuse(node, 'is an operator the import does not read');
    }
  }

  private alias(node: DecodedNode): void {
    const value = this.input(node, 0);
    if (!value) this.refuse(node, 'has no input');
    if (value.kind === 'tensor') this.output(node, value);
    else this.constant(node, value);
  }

  private constantNode(node: DecodedNode): Constant {
    const attribute = [...node.attributes.values()][0];
    if (!attribute) this.refuse(node, 'has no value');
    switch (attribute.type) {
      case 'tensor': return this.constantOf(attribute.value, `the value of node '${node.name || node.outputs[0]}'`);
      case 'float': return { dims: [], values: [attribute.value], float: true };
      case 'floats': return { dims: [attribute.value.length], values: attribute.value, float: true };
      case 'int': return { dims: [], values: [attribute.value], float: false };
      case 'ints': return { dims: [attribute.value.length], values: attribute.value, float: false };
      default: return this.refuse(node, `holds a ${attribute.name} constant, which the import does not read`);
    }
  }

  private constantOfShape(node: DecodedNode): Constant {
    const shape = this.constantInput(node, 0, 'shape')!;
    const value = this.attribute(node, 'value');
    const fill = value?.type === 'tensor' ? this.constantOf(value.value, 'a fill value') : { values: [0], float: true, dims: [1] };
    const dims = Array.from(shape.values);
    if (dims.some((dim) => !Number.isFinite(dim))) this.refuse(node, 'makes a constant whose shape depends on the batch size');
    if (C.sizeOf(dims) > 1 << 20) this.refuse(node, 'makes too large a constant');
    return { dims, values: new Array<number>(C.sizeOf(dims)).fill(fill.values[0]), float: fill.float };
  }

  private shape(node: DecodedNode): void {
    const value = this.tensorInput(node, 0);
    const dims = [NaN, ...value.dims];
    const start = this.int(node, 'start', 0);
    const end = this.int(node, 'end', dims.length);
    const at = (index: number) => Math.min(dims.length, Math.max(0, index < 0 ? index + dims.length : index));
    const values = dims.slice(at(start), at(end));
    this.constant(node, { dims: [values.length], values, float: false });
  }

  /** Operators on constants only: folded. Returns false for operators that are not arithmetic (a Conv on constants is refused later). */
  private foldConstant(node: DecodedNode): boolean {
    const constant = (index: number) => this.values.get(node.inputs[index]) as Constant | undefined;
    const ints = (index: number, attribute: string): number[] | undefined => {
      const input = constant(index);
      return input ? Array.from(input.values) : this.ints(node, attribute);
    };
    const a = constant(0)!;
    switch (node.opType) {
      case 'Add': case 'Sub': case 'Mul': case 'Div':
        this.constant(node, C.arithmetic(node.opType, a, constant(1)!, node.name));
        return true;
      case 'Identity': case 'Dropout':
        this.constant(node, a);
        return true;
      case 'Cast': {
        const to = this.int(node, 'to', 1);
        const float = to === 1 || to === 10 || to === 11;
        this.constant(node, { dims: a.dims, values: float ? a.values : Array.from(a.values, (v) => (Number.isNaN(v) ? v : Math.trunc(v))), float });
        return true;
      }
      case 'Gather':
        this.constant(node, C.gather(a, constant(1)!, this.int(node, 'axis', 0), node.name));
        return true;
      case 'Concat':
        this.constant(node, C.concat(node.inputs.map((_, i) => constant(i)!), this.int(node, 'axis', 0), node.name));
        return true;
      case 'Unsqueeze':
        this.constant(node, C.unsqueeze(a, ints(1, 'axes') ?? [], node.name));
        return true;
      case 'Squeeze':
        this.constant(node, C.squeeze(a, ints(1, 'axes'), node.name));
        return true;
      case 'Reshape':
        this.constant(node, { ...a, dims: C.reshapeDims(a.dims, Array.from(constant(1)!.values), node.name) });
        return true;
      case 'Flatten': {
        const axis = this.int(node, 'axis', 1);
        this.constant(node, { ...a, dims: [C.sizeOf(a.dims.slice(0, axis)), C.sizeOf(a.dims.slice(axis))] });
        return true;
      }
      case 'Transpose':
        this.constant(node, C.transpose(a, this.ints(node, 'perm')));
        return true;
      case 'Slice': {
        const args = this.sliceArguments(node, a.dims);
        this.constant(node, C.slice(a, C.sliceRanges(a.dims, args.starts, args.ends, args.axes, args.steps, node.name)));
        return true;
      }
      default:
        return false;
    }
  }

  private sliceArguments(node: DecodedNode, dims: number[]): { starts: number[]; ends: number[]; axes?: number[]; steps?: number[] } {
    if (this.opset < 10) {
      const starts = this.ints(node, 'starts') ?? [];
      return { starts, ends: this.ints(node, 'ends') ?? [], axes: this.ints(node, 'axes') };
    }
    const list = (index: number) => {
      const value = this.constantInput(node, index, ['data', 'starts', 'ends', 'axes', 'steps'][index]);
      return value ? Array.from(value.values) : undefined;
    };
    const starts = list(1) ?? [];
    void dims;
    return { starts, ends: list(2) ?? [], axes: list(3), steps: list(4) };
  }

  // ── layers ────────────────────────────────────────────────────────────────

  private conv(node: DecodedNode): void {
    const x = this.read(node, 0, ['nchw']);
    const weight = this.constantInput(node, 1, 'weight');
    const bias = this.constantInput(node, 2, 'bias');
    if (!weight || weight.dims.length !== 4) this.refuse(node, 'is not a 2-D convolution with a constant [out, in, kh, kw] weight');
    const [out, perGroup, kh, kw] = weight.dims;
    const [channels, height, width] = x.dims;
    const group = this.int(node, 'group', 1);
    const depthwise = group > 1 && group === channels && perGroup === 1;
    if (group !== 1 && !depthwise) this.refuse(node, `is a grouped convolution (group ${group} over ${channels} channels); the import reads ordinary (group 1) and depthwise (group = channels) convolutions`);
    if (depthwise && out !== channels) this.refuse(node, `is a depthwise convolution with ${out / channels} outputs per channel; the engine reads depth multiplier 1 only`);
    if (!depthwise && perGroup !== channels) this.refuse(node, `has a weight for ${perGroup} input channels but reads ${channels}`);
    const strides = this.ints(node, 'strides') ?? [1, 1];
    const dilations = this.ints(node, 'dilations') ?? [1, 1];
    if (depthwise && dilations.some((d) => d !== 1)) this.refuse(node, 'is a dilated depthwise convolution, which tfjs-layers computes without its dilation');
    const window = this.windowPadding(node, [height, width], [kh, kw], strides, dilations);
    const padded = window.explicit ? this.padFirst(node, x, window.pads) : x;
    const kernel = new Float32Array(weight.values.length);
    const w = weight.values;
    for (let o = 0; o < out; o++) {
      for (let i = 0; i < perGroup; i++) {
        for (let y = 0; y < kh; y++) {
          for (let xx = 0; xx < kw; xx++) {
            const source = ((o * perGroup + i) * kh + y) * kw + xx;
            kernel[depthwise ? (y * kw + xx) * out + o : ((y * kw + xx) * perGroup + i) * out + o] = w[source];
          }
        }
      }
    }
    const weights: Record<string, WeightArray> = depthwise
      ? { depthwise_kernel: { shape: [kh, kw, out, 1], values: kernel } }
      : { kernel: { shape: [kh, kw, perGroup, out], values: kernel } };
    if (bias) weights.bias = { shape: [out], values: Float32Array.from(bias.values) };
    const config: Record<string, unknown> = {
      kernel_size: [kh, kw], strides, padding: window.explicit ? 'valid' : window.padding, data_format: 'channels_last', dilation_rate: dilations,
      activation: 'linear', use_bias: bias !== undefined,
      ...(depthwise ? { depth_multiplier: 1 } : { filters: out }),
    };
    const [outH, outW] = window.output;
    this.layerNode(node, depthwise ? 'DepthwiseConv2D' : 'Conv2D', config, [padded], weights, { form: 'nchw', dims: [out, outH, outW] });
  }

  /**
   * ONNX pads [top, left, bottom, right] (from `pads` or `auto_pad`) as Keras sees them: none ('valid'), TensorFlow's
   * 'same' (the odd pixel at the end), or explicit pads that a ZeroPadding2D before a 'valid' window applies.
   */
  private windowPadding(node: DecodedNode, size: [number, number], kernel: [number, number], strides: number[], dilations: number[], ceil = false): { padding: 'valid' | 'same'; explicit: boolean; pads: number[]; output: [number, number] } {
    const autoPad = this.string(node, 'auto_pad', 'NOTSET');
    const span = [0, 1].map((axis) => (kernel[axis] - 1) * dilations[axis] + 1);
    const samePads = (lower: boolean) => {
      const total = [0, 1].map((axis) => Math.max(0, (Math.ceil(size[axis] / strides[axis]) - 1) * strides[axis] + span[axis] - size[axis]));
      const begin = total.map((t) => (lower ? Math.ceil(t / 2) : Math.floor(t / 2)));
      return [begin[0], begin[1], total[0] - begin[0], total[1] - begin[1]];
    };
    let pads: number[];
    if (autoPad === 'VALID') pads = [0, 0, 0, 0];
    else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') pads = samePads(autoPad === 'SAME_LOWER');
    else pads = [...(this.ints(node, 'pads') ?? [0, 0, 0, 0])];
    if (pads.length !== 4 || pads.some((pad) => pad < 0)) this.refuse(node, `has pads [${pads}]; the import reads 2-D windows with non-negative pads`);
    const output = [0, 1].map((axis) => {
      const room = size[axis] + pads[axis] + pads[axis + 2] - span[axis];
      return (ceil ? Math.ceil(room / strides[axis]) : Math.floor(room / strides[axis])) + 1;
    }) as [number, number];
    if (ceil) {
      // ceil_mode: a last window that starts in the image or its left padding; pad the end so that a 'valid' window sees it.
      for (const axis of [0, 1]) {
        if ((output[axis] - 1) * strides[axis] >= size[axis] + pads[axis]) output[axis]--;
        pads[axis + 2] = Math.max(pads[axis + 2], (output[axis] - 1) * strides[axis] + span[axis] - size[axis] - pads[axis]);
      }
    }
    if (output.some((o) => o < 1)) this.refuse(node, `leaves no output pixels from a ${size.join('×')} input`);
    if (pads.every((pad) => pad === 0)) return { padding: 'valid', explicit: false, pads, output };
    if (pads.join() === samePads(false).join() && output.join() === [0, 1].map((axis) => Math.ceil(size[axis] / strides[axis])).join()) return { padding: 'same', explicit: false, pads, output };
    return { padding: 'valid', explicit: true, pads, output };
  }

  /** A ZeroPadding2D before a window when its pads are not Keras's. */
  private padFirst(node: DecodedNode, x: Tensor, pads: number[]): Tensor {
    const [top, left, bottom, right] = pads;
    const layer = this.addLayer('ZeroPadding2D', `${node.name || node.outputs[0]}_pad`, { padding: [[top, bottom], [left, right]], data_format: 'channels_last' }, [x.layer], {});
    return { ...x, layer, dims: [x.dims[0], x.dims[1] + top + bottom, x.dims[2] + left + right] };
  }

  private batchNorm(node: DecodedNode): void {
    if (this.int(node, 'training_mode', 0) !== 0) this.refuse(node, 'is in training mode; export the model in eval mode (model.eval())');
    const x = this.read(node, 0, ['nchw', 'pooled', 'vector']);
    const vector = (index: number, what: string) => {
      const value = this.constantInput(node, index, what);
      const channels = x.form === 'vector' ? x.dims[0] : x.dims[0];
      if (!value || value.values.length !== channels) this.refuse(node, `has a ${what} that is not one constant per channel`);
      const values = Float32Array.from(value.values);
      return { shape: [channels], values: x.order ? Float32Array.from(x.order, (index) => values[index]) : values };
    };
    const weights = { gamma: vector(1, 'scale'), beta: vector(2, 'bias'), moving_mean: vector(3, 'mean'), moving_variance: vector(4, 'variance') };
    const epsilon = this.float(node, 'epsilon', 1e-5);
    this.layerNode(node, 'BatchNormalization', { axis: -1, epsilon, momentum: 1 - this.float(node, 'momentum', 0.9), center: true, scale: true }, [x], weights, { form: x.form, dims: x.dims, order: x.order });
  }

  private activation(node: DecodedNode, name: string): void {
    if (name === 'sigmoid') this.gateInput.set(node.outputs[0], { input: node.inputs[0], activation: 'swish' });
    this.simpleLayer(node, 'Activation', { activation: name }, NON_NEGATIVE.has(name));
  }

  /** A layer of one input that keeps its form. */
  private simpleLayer(node: DecodedNode, className: string, config: Record<string, unknown>, nonNegative = false): void {
    const x = this.read(node, 0, ['nchw', 'pooled', 'vector']);
    this.layerNode(node, className, config, [x], {}, { form: x.form, dims: x.dims, order: x.order, nonNegative });
  }

  private clip(node: DecodedNode): void {
    const bound = (index: number, attribute: string, fallback: number) => {
      if (this.opset < 11) return this.float(node, attribute, fallback);
      const value = this.constantInput(node, index, attribute);
      return value ? Number(value.values[0]) : fallback;
    };
    const min = bound(1, 'min', -Infinity);
    const max = bound(2, 'max', Infinity);
    if (min !== 0) this.refuse(node, `clips to [${min}, ${max}]; the import reads clips from 0 (ReLU, ReLU6)`);
    if (max === 6) return this.simpleLayer(node, 'ReLU', { max_value: 6 }, true);
    this.simpleLayer(node, 'ReLU', max === Infinity ? {} : { max_value: max }, true);
  }

  /** min(max(α·x + β, 0), 1): tfjs's own hard_sigmoid where it is that (α 0.2, β 0.5), else the engine's HardSigmoid layer. */
  private hardSigmoid(node: DecodedNode): void {
    const alpha = this.float(node, 'alpha', 0.2);
    const beta = this.float(node, 'beta', 0.5);
    const near = (a: number, b: number) => Math.abs(a - b) <= 1e-6;
    if (near(alpha, 1 / 6) && near(beta, 0.5)) this.gateInput.set(node.outputs[0], { input: node.inputs[0], activation: 'hard_swish' });
    if (near(alpha, 0.2) && near(beta, 0.5)) return this.simpleLayer(node, 'Activation', { activation: 'hard_sigmoid' }, true);
    this.simpleLayer(node, 'HardSigmoid', { alpha, beta }, true);
  }

  private softmax(node: DecodedNode): void {
    const x = this.read(node, 0, ['vector']);
    const axis = this.int(node, 'axis', this.opset < 13 ? 1 : -1);
    if (axis !== 1 && axis !== -1) this.refuse(node, `takes the softmax over axis ${axis}; the import reads it over the classes`);
    this.layerNode(node, 'Activation', { activation: 'softmax' }, [x], {}, { form: 'vector', dims: x.dims, order: x.order, nonNegative: true });
  }

  private elementwise(node: DecodedNode): void {
    const values = node.inputs.map((_, index) => this.input(node, index)!);
    const tensors = values.filter((value): value is Tensor => value.kind === 'tensor');
    if (tensors.length >= 2) return this.mergeTensors(node, values);
    const tensorIndex = values.findIndex((value) => value.kind === 'tensor');
    const x = values[tensorIndex] as Tensor;
    const c = values[1 - tensorIndex] as Constant;
    if (values.length !== 2) this.refuse(node, 'has an unexpected number of inputs');
    if ((node.opType === 'Sub' || node.opType === 'Div') && tensorIndex === 1) this.refuse(node, `computes a constant ${node.opType === 'Sub' ? 'minus' : 'divided by'} a tensor, which the import cannot fold into a layer`);
    const perChannel = this.perChannel(x, c);
    if (!perChannel) this.refuse(node, `combines a ${this.formWords(x)} with a constant of shape [${c.dims}], which is not one value per channel`);
    const [scale, shift] = {
      Add: () => [perChannel.map(() => 1), perChannel],
      Sub: () => [perChannel.map(() => 1), perChannel.map((v) => -v)],
      Mul: () => [perChannel, perChannel.map(() => 0)],
      Div: () => [perChannel.map((v) => 1 / v), perChannel.map(() => 0)],
    }[node.opType as 'Add']!();
    if (x.layer === this.inputLayer) return this.applyToInput(node, x, scale, shift);
    this.foldAffine(node, x, scale, shift);
    this.output(node, { ...x });
  }

  /** The constant as one value per channel of the tensor (in ONNX channel order), or undefined. */
  private perChannel(x: Tensor, c: Constant): number[] | undefined {
    const channels = x.form === 'nhwc' ? x.dims[2] : x.dims[0];
    const dims = c.dims.slice(Math.max(0, c.dims.findIndex((d) => d !== 1)));
    const values = Array.from(c.values);
    if (values.length === 1) return new Array<number>(channels).fill(values[0]);
    if (values.length !== channels) return undefined;
    const rank = x.form === 'vector' ? 1 : 3;
    if (c.dims.length > rank + 1) return undefined;
    // The channel axis, counted from the end: ONNX broadcasting aligns trailing dimensions.
    const channelFromEnd = x.form === 'nchw' || x.form === 'pooled' ? 3 : 1;
    return dims.length === channelFromEnd && dims[0] === channels ? values : undefined;
  }

  /** (x·scale + shift) on the input: becomes the input scaling. */
  private applyToInput(node: DecodedNode, x: Tensor, scale: number[], shift: number[]): void {
    const previous = x.affine ?? { scale: scale.map(() => 1), shift: shift.map(() => 0) };
    const affine = { scale: previous.scale.map((s, c) => s * scale[c]), shift: previous.shift.map((b, c) => b * scale[c] + shift[c]) };
    this.output(node, { ...x, affine });
  }

  /** (x·scale + shift) per channel, folded into the weights of the layer that computed x. */
  private foldAffine(node: DecodedNode, x: Tensor, scaleOnnx: number[], shiftOnnx: number[]): void {
    const layer = this.layer(x.layer);
    const foldable = ['Conv2D', 'DepthwiseConv2D', 'Dense', 'BatchNormalization'].includes(layer.className) && String(layer.config.activation ?? 'linear') === 'linear';
    if (!foldable || !this.onlyReader(x.layer)) {
      this.refuse(node, `applies a constant to the output of '${layer.name}' (${layer.className}), which the import can fold only into a convolution, a dense layer or a BatchNormalization that nothing else reads`);
    }
    const reorder = (list: number[]) => (x.order ? Array.from(x.order, (index) => list[index]) : list);
    const [scale, shift] = [reorder(scaleOnnx), reorder(shiftOnnx)];
    const outputs = scale.length;
    const w = layer.weights;
    if (layer.className === 'BatchNormalization') {
      w.gamma.values = w.gamma.values.map((g, c) => g * scale[c]);
      w.beta.values = w.beta.values.map((b, c) => b * scale[c] + shift[c]);
      return;
    }
    const kernel = layer.className === 'DepthwiseConv2D' ? w.depthwise_kernel : w.kernel;
    // The output channel is the fastest axis of every Keras kernel here ([kh, kw, in, out], [kh, kw, C, 1], [in, out]).
    kernel.values = kernel.values.map((value, i) => value * scale[i % outputs]);
    const bias = w.bias ? w.bias.values : new Float32Array(outputs);
    w.bias = { shape: [outputs], values: bias.map((b, c) => b * scale[c] + shift[c]) };
    layer.config.use_bias = true;
  }

  /** Add of two or more tensors (a residual), x · sigmoid(x) (SiLU / swish), or x · HardSigmoid(x; 1/6, 1/2) (hard swish before opset 14). */
  private mergeTensors(node: DecodedNode, values: Value[]): void {
    if (values.some((value) => value.kind !== 'tensor')) this.refuse(node, 'mixes tensors and constants in more than two inputs');
    const tensors = values as Tensor[];
    if (node.opType === 'Mul' && tensors.length === 2) {
      for (const [a, b] of [[0, 1], [1, 0]]) {
        const gate = this.gateInput.get(node.inputs[b]);
        if (gate?.input === node.inputs[a]) {
          const x = this.read(node, a, ['nchw', 'pooled', 'vector']);
          this.layerNode(node, 'Activation', { activation: gate.activation }, [x], {}, { form: x.form, dims: x.dims, order: x.order });
          return;
        }
      }
      this.refuse(node, 'multiplies two tensors (an attention or squeeze-and-excitation gate?); the import reads x · sigmoid(x) (SiLU) and x · HardSigmoid(x) (hard swish) only');
    }
    if (node.opType !== 'Add' && node.opType !== 'Sum') this.refuse(node, `${node.opType === 'Sub' ? 'subtracts' : 'divides'} two tensors, which the engine has no layer for`);
    const inputs = node.inputs.map((_, index) => this.read(node, index, ['nchw', 'pooled', 'vector']));
    const [first] = inputs;
    for (const other of inputs.slice(1)) {
      if (other.form !== first.form || other.dims.join() !== first.dims.join()) this.refuse(node, `adds a ${this.formWords(first)} and a ${this.formWords(other)}; the import adds tensors of the same shape`);
      if ((other.order ?? []).join() !== (first.order ?? []).join()) this.refuse(node, 'adds vectors flattened in different orders');
    }
    this.layerNode(node, 'Add', {}, inputs, {}, { form: first.form, dims: first.dims, order: first.order, nonNegative: inputs.every((t) => t.nonNegative) });
  }

  private pool(node: DecodedNode): void {
    const max = node.opType === 'MaxPool';
    const x = this.read(node, 0, ['nchw']);
    const kernel = this.ints(node, 'kernel_shape');
    if (!kernel || kernel.length !== 2) this.refuse(node, 'is not a 2-D pooling');
    const strides = this.ints(node, 'strides') ?? [1, 1];
    const dilations = this.ints(node, 'dilations') ?? [1, 1];
    if (dilations.some((d) => d !== 1)) this.refuse(node, 'is a dilated pooling, which Keras has no layer for');
    const ceil = this.int(node, 'ceil_mode', 0) === 1;
    const [channels, height, width] = x.dims;
    const window = this.windowPadding(node, [height, width], kernel as [number, number], strides, [1, 1], ceil);
    const countPads = this.int(node, 'count_include_pad', 0) === 1;
    let padded = x;
    let padding = window.padding;
    if (window.explicit || (!max && window.padding === 'same' && countPads)) {
      // Zero padding: right for max pooling over non-negative values and for averages that count the pads.
      if (max && !x.nonNegative) this.refuse(node, 'pads a max pooling whose input may be negative other than as Keras\'s \'same\' does; the import pads it with zeros only after a ReLU');
      if (!max && !countPads) this.refuse(node, 'averages over pads it does not count (count_include_pad=0) other than as Keras\'s \'same\' does');
      if (!max && ceil) this.refuse(node, 'averages with ceil_mode over an edge that PyTorch and Keras count differently');
      padded = this.padFirst(node, x, window.pads);
      padding = 'valid';
    }
    this.layerNode(node, max ? 'MaxPooling2D' : 'AveragePooling2D', { pool_size: kernel, strides, padding, data_format: 'channels_last' }, [padded], {},
      { form: 'nchw', dims: [channels, ...window.output], nonNegative: x.nonNegative });
  }

  private globalPool(node: DecodedNode, average: boolean, keepDims: boolean): void {
    const x = this.read(node, 0, ['nchw', 'pooled']);
    if (x.form === 'pooled') return this.output(node, keepDims ? x : { ...x, form: 'vector', dims: [x.dims[0]] });
    const className = average ? 'GlobalAveragePooling2D' : 'GlobalMaxPooling2D';
    this.layerNode(node, className, { data_format: 'channels_last' }, [x], {},
      keepDims ? { form: 'pooled', dims: [x.dims[0], 1, 1], nonNegative: x.nonNegative } : { form: 'vector', dims: [x.dims[0]], nonNegative: x.nonNegative });
  }

  private reduce(node: DecodedNode): void {
    const axes = this.ints(node, 'axes') ?? (this.opset >= 18 && node.inputs[1] ? Array.from(this.constantInput(node, 1, 'axes')!.values) : undefined);
    if (!axes || axes.map((axis) => (axis < 0 ? axis + 4 : axis)).sort().join() !== '2,3') this.refuse(node, 'reduces axes other than height and width');
    this.globalPool(node, node.opType === 'ReduceMean', this.int(node, 'keepdims', 1) === 1);
  }

  private gemm(node: DecodedNode): void {
    const x = this.read(node, 0, ['vector']);
    const weight = this.constantInput(node, 1, 'weight');
    const gemm = node.opType === 'Gemm';
    if (!weight || weight.dims.length !== 2) this.refuse(node, 'multiplies by something other than a constant matrix');
    if (gemm && this.int(node, 'transA', 0) !== 0) this.refuse(node, 'transposes its input (transA)');
    const transposed = gemm && this.int(node, 'transB', 0) === 1;
    const [inputs, units] = transposed ? [weight.dims[1], weight.dims[0]] : weight.dims;
    if (inputs !== x.dims[0]) this.refuse(node, `has a weight for ${inputs} inputs but reads a vector of ${x.dims[0]}`);
    const alpha = gemm ? this.float(node, 'alpha', 1) : 1;
    const beta = gemm ? this.float(node, 'beta', 1) : 1;
    const kernel = new Float32Array(inputs * units);
    for (let k = 0; k < inputs; k++) {
      const row = x.order ? x.order[k] : k;
      for (let o = 0; o < units; o++) kernel[k * units + o] = alpha * Number(weight.values[transposed ? o * inputs + row : row * units + o]);
    }
    const weights: Record<string, WeightArray> = { kernel: { shape: [inputs, units], values: kernel } };
    const bias = gemm ? this.constantInput(node, 2, 'bias') : undefined;
    if (bias) {
      if (bias.values.length !== 1 && bias.values.length !== units) this.refuse(node, `adds a bias of shape [${bias.dims}] to ${units} outputs`);
      weights.bias = { shape: [units], values: Float32Array.from({ length: units }, (_, o) => beta * Number(bias.values[bias.values.length === 1 ? 0 : o])) };
    }
    this.layerNode(node, 'Dense', { units, activation: 'linear', use_bias: bias !== undefined }, [x], weights, { form: 'vector', dims: [units] });
  }

  private concat(node: DecodedNode): void {
    const values = node.inputs.map((_, index) => this.input(node, index)!);
    if (values.some((value) => value.kind !== 'tensor')) this.refuse(node, 'concatenates tensors with constants');
    const inputs = node.inputs.map((_, index) => this.read(node, index, ['nchw', 'vector']));
    const form = inputs[0].form;
    const axis = this.int(node, 'axis', 1);
    const rank = form === 'nchw' ? 4 : 2;
    if ((axis < 0 ? axis + rank : axis) !== 1) this.refuse(node, `concatenates along axis ${axis}; the import concatenates channels (axis 1)`);
    if (inputs.some((input) => input.form !== form || input.dims.slice(1).join() !== inputs[0].dims.slice(1).join())) this.refuse(node, 'concatenates maps of different sizes');
    let order: Int32Array | undefined;
    if (form === 'vector' && inputs.some((input) => input.order)) {
      const parts: number[] = [];
      let offset = 0;
      for (const input of inputs) {
        for (let k = 0; k < input.dims[0]; k++) parts.push(offset + (input.order ? input.order[k] : k));
        offset += input.dims[0];
      }
      order = Int32Array.from(parts);
    }
    const channels = inputs.reduce((sum, input) => sum + input.dims[0], 0);
    this.layerNode(node, 'Concatenate', { axis: -1 }, inputs, {}, { form, dims: [channels, ...inputs[0].dims.slice(1)], order, nonNegative: inputs.every((t) => t.nonNegative) });
  }

  private pad(node: DecodedNode): void {
    const x = this.read(node, 0, ['nchw']);
    const mode = this.string(node, 'mode', 'constant');
    if (mode !== 'constant') this.refuse(node, `pads in '${mode}' mode; the import reads zero padding`);
    let pads: number[];
    let value: number;
    if (this.opset < 11) {
      pads = this.ints(node, 'pads') ?? [];
      value = this.float(node, 'value', 0);
    } else {
      pads = Array.from(this.constantInput(node, 1, 'pads')?.values ?? []);
      value = Number(this.constantInput(node, 2, 'constant value')?.values[0] ?? 0);
      const axes = this.constantInput(node, 3, 'axes');
      if (axes) {
        const full = new Array<number>(8).fill(0);
        Array.from(axes.values).forEach((axis, i) => {
          const at = axis < 0 ? axis + 4 : axis;
          full[at] = pads[i];
          full[at + 4] = pads[i + axes.values.length];
        });
        pads = full;
      }
    }
    if (value !== 0) this.refuse(node, `pads with ${value}; the import reads zero padding`);
    if (pads.length !== 8 || pads.some((pad) => pad < 0)) this.refuse(node, `has pads [${pads}]; the import reads non-negative pads of a 4-D map`);
    const [n0, c0, top, left, n1, c1, bottom, right] = pads;
    if (n0 || n1) this.refuse(node, 'pads the batch axis');
    let current = x;
    if (top || left || bottom || right) current = this.padFirst(node, x, [top, left, bottom, right]);
    if (c0 || c1) current = this.channelPad(node, current, c0, c1);
    this.output(node, { ...current, nonNegative: x.nonNegative });
  }

  /**
   * Zero channels before and after (the option-A shortcut of CIFAR ResNets): a 1×1 convolution that copies each
   * channel to its place and leaves the added ones at zero. Exact; no BatchNormalization is rebuilt after it.
   */
  private channelPad(node: DecodedNode, x: Tensor, before: number, after: number): Tensor {
    const [channels, height, width] = x.dims;
    const out = before + channels + after;
    const kernel = new Float32Array(channels * out);
    for (let c = 0; c < channels; c++) kernel[c * out + before + c] = 1;
    const layer = this.addLayer('Conv2D', `${node.name || node.outputs[0]}_channels`, {
      filters: out, kernel_size: [1, 1], strides: [1, 1], padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], activation: 'linear', use_bias: false,
    }, [x.layer], { kernel: { shape: [1, 1, channels, out], values: kernel } });
    this.synthetic.add(layer);
    return { kind: 'tensor', layer, form: 'nchw', dims: [out, height, width], nonNegative: x.nonNegative };
  }

  /** Layers the import made up for an export idiom (x[:, :, ::2, ::2], channel padding): no BatchNormalization is rebuilt after them. */
  readonly synthetic = new Set<string>();

  /** x[:, :, ::s, ::t] (the option-A shortcut): a 1×1 depthwise convolution of ones with strides (s, t). Exact. */
  private slice(node: DecodedNode): void {
    const x = this.read(node, 0, ['nchw']);
    const args = this.sliceArguments(node, [NaN, ...x.dims]);
    const ranges = C.sliceRanges([Number.MAX_SAFE_INTEGER, ...x.dims], args.starts, args.ends, args.axes, args.steps, node.name);
    const strides = [1, 1];
    for (const { axis, start, end, step } of ranges) {
      const size = axis === 0 ? Number.MAX_SAFE_INTEGER : x.dims[axis - 1];
      if (axis === 0 && start === 0 && step === 1) continue;
      if (axis < 2 || start !== 0 || step < 1 || end < size) {
        this.refuse(node, `slices axis ${axis} from ${start} to ${end} by ${step}; the import reads strided slices of height and width from the start (x[:, :, ::2, ::2]) only`);
      }
      strides[axis - 2] = step;
    }
    const [channels, height, width] = x.dims;
    const layer = this.addLayer('DepthwiseConv2D', node.name || node.outputs[0], {
      kernel_size: [1, 1], strides, padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], activation: 'linear', use_bias: false, depth_multiplier: 1,
    }, [x.layer], { depthwise_kernel: { shape: [1, 1, channels, 1], values: new Float32Array(channels).fill(1) } });
    this.synthetic.add(layer);
    this.output(node, { layer, form: 'nchw', dims: [channels, Math.ceil(height / strides[0]), Math.ceil(width / strides[1])], nonNegative: x.nonNegative });
  }

  private flatten(node: DecodedNode): void {
    const axis = this.int(node, 'axis', 1);
    if (axis !== 1) this.refuse(node, `flattens from axis ${axis}; the import reads flattening after the batch axis`);
    this.flattenTensor(node, this.tensorInput(node, 0));
  }

  /** To a vector: a Flatten layer for a map (its features then in NHWC order, remembered for the Dense after it). */
  private flattenTensor(node: DecodedNode, x: Tensor): void {
    if (x.form === 'vector') return this.output(node, x);
    if (x.form === 'pooled') return this.output(node, { ...x, form: 'vector', dims: [x.dims[0]] });
    this.commitInput(x);
    const size = C.sizeOf(x.dims);
    let order: Int32Array | undefined;
    if (x.form === 'nchw' && x.dims[1] * x.dims[2] > 1) {
      const [channels, height, width] = x.dims;
      order = new Int32Array(size);
      for (let h = 0; h < height; h++) for (let w = 0; w < width; w++) for (let c = 0; c < channels; c++) order[(h * width + w) * channels + c] = (c * height + h) * width + w;
    }
    this.layerNode(node, 'Flatten', { data_format: 'channels_last' }, [x], {}, { form: 'vector', dims: [size], order, nonNegative: x.nonNegative });
  }

  private reshape(node: DecodedNode): void {
    const x = this.tensorInput(node, 0);
    const shape = this.constantInput(node, 1, 'shape');
    if (!shape) this.refuse(node, 'has no shape');
    const target = Array.from(shape.values);
    const rest = target.slice(1);
    const size = C.sizeOf(x.dims);
    const batchFirst = Number.isNaN(target[0]) || target[0] === 0 || target[0] === -1 || target[0] === 1;
    if (batchFirst && rest.length === 1 && (rest[0] === -1 || rest[0] === size)) return this.flattenTensor(node, x);
    if (batchFirst && x.form !== 'nchw' && x.form !== 'nhwc' && rest.length === 3 && rest[0] === x.dims[0] && rest[1] === 1 && rest[2] === 1 && !x.order) {
      return this.output(node, { ...x, form: 'pooled', dims: [x.dims[0], 1, 1] });
    }
    this.refuse(node, `reshapes a ${this.formWords(x)} to [${target.map((d) => (Number.isNaN(d) ? 'batch' : d))}]; the import reads reshapes that flatten a map (x.view(x.size(0), -1))`);
  }

  private squeezeTensor(node: DecodedNode): void {
    const x = this.tensorInput(node, 0);
    const axesValue = this.ints(node, 'axes') ?? (node.inputs[1] ? Array.from(this.constantInput(node, 1, 'axes')!.values) : undefined);
    const axes = (axesValue ?? [2, 3]).map((axis) => (axis < 0 ? axis + (node.opType === 'Squeeze' ? 4 : 2 + (axesValue?.length ?? 2)) : axis)).sort().join();
    if (node.opType === 'Squeeze' && x.form === 'pooled' && axes === '2,3') return this.output(node, { ...x, form: 'vector', dims: [x.dims[0]] });
    if (node.opType === 'Unsqueeze' && x.form === 'vector' && !x.order && axes === '2,3') return this.output(node, { ...x, form: 'pooled', dims: [x.dims[0], 1, 1] });
    this.refuse(node, `${node.opType === 'Squeeze' ? 'squeezes' : 'unsqueezes'} axes ${axes} of a ${this.formWords(x)}; the import reads only those around global pooling`);
  }

  private transpose(node: DecodedNode): void {
    const x = this.tensorInput(node, 0);
    const perm = (this.ints(node, 'perm') ?? []).join();
    if (x.form === 'nhwc' && perm === '0,3,1,2') return this.output(node, { ...x, form: 'nchw', dims: [x.dims[2], x.dims[0], x.dims[1]] });
    if (x.form === 'nchw' && perm === '0,2,3,1') return this.output(node, { ...x, form: 'nhwc', dims: [x.dims[1], x.dims[2], x.dims[0]] });
    if (x.form === 'pooled' && perm === '0,2,3,1') return this.output(node, { ...x, form: 'vector', dims: [x.dims[0]] });
    this.refuse(node, `transposes a ${this.formWords(x)} by [${perm}]; the import reads transposes between NHWC and NCHW only`);
  }

  // ── the spec ──────────────────────────────────────────────────────────────

  /** Only the layers the outputs need, in topological order, checked as any model's layers are. */
  private finish(outputs: string[]): ModelSpec {
    const byName = new Map(this.layers.map((layer) => [layer.name, layer]));
    const needed = new Set<string>([this.inputLayer]);
    const stack = [...outputs];
    while (stack.length) {
      const name = stack.pop()!;
      if (needed.has(name) && name !== this.inputLayer) continue;
      needed.add(name);
      stack.push(...byName.get(name)!.inbound.filter((inbound) => !needed.has(inbound)));
    }
    const spec: ModelSpec = {
      // The file's name: PyTorch names every graph 'torch_jit'.
      name: (this.fileName.split(/[\\/]/).pop()!.replace(/\.onnx$/i, '') || this.model.graph.name).replace(/[^A-Za-z0-9_.-]+/g, '_') || 'onnx_model',
      layers: this.layers.filter((layer) => needed.has(layer.name)),
      inputs: [this.inputLayer],
      outputs,
    };
    checkLimit('layers', spec.layers.length, `The imported model's layer count`, 'GFR Studio prunes CNNs of up to that many layers.');
    checkLayerConfigs(spec.layers);
    return { ...spec, layers: sortTopologically(spec) };
  }
}
