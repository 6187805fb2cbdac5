/**
 * What a user of the downloaded model must know outside the studio: its
 * format, and the input normalization it was trained with, which plain tfjs
 * does not apply by itself (it travels only in model.json's metadata). The
 * Markdown goes into the export's report.md.
 */
import type { InputScaling } from '../../contract/preprocessing';
import type { Candidate, WeightQuantization } from '../../contract/candidate';
import { ONNX_OPSET } from './onnx/toOnnx';

export interface ExportedModel {
  format: 'tfjs' | 'onnx';
  quantization?: WeightQuantization;
  inputScaling: InputScaling;
  /** [height, width, channels] of one image. */
  inputShape: [number, number, number];
  /** ONNX: whether the file's first nodes apply the normalization (it then takes pixels in [0, 1]). */
  normalizationInside?: boolean;
  /** ONNX: the file's name as downloaded (model.onnx where not given). */
  fileName?: string;
  /** ONNX: the input's layout (NHWC by default; NCHW for a model that came as ONNX) and name. */
  inputLayout?: 'NHWC' | 'NCHW';
  inputName?: string;
  /** tfjs: GFR Studio's own classes the model uses (io/hardActivations.ts), which stock tfjs must register to load it. */
  engineClasses?: string[];
}

const list = (values: number[]): string => `[${values.join(', ')}]`;
const isIdentity = (scaling: InputScaling): boolean => scaling.mean.every((m) => m === 0) && scaling.std.every((s) => s === 1) && scaling.channelOrder !== 'bgr';

const percent = (value: number): string => `${(value * 100).toFixed(2)}%`;

/** Rows "pruned + float16/uint8" for the quantizations measured on the selected candidate. */
export function quantizedLines(selected: Candidate): string[] {
  const measured = Object.entries(selected.quantized ?? {});
  if (measured.length === 0) return [];
  return [
    '| model | accuracy | weights.bin |',
    '|---|---|---|',
    `| pruned (float32) | ${percent(selected.accuracy)} | ${selected.weightBytes.toLocaleString('en')} bytes |`,
    ...measured.map(([quantization, figures]) => `| pruned + ${quantization} kernels | ${percent(figures.accuracy)} | ${figures.weightBytes.toLocaleString('en')} bytes |`),
    '',
    'Quantized accuracy is measured on the validation images with the model stock tfjs loads from the quantized files.',
    '',
  ];
}

export function usageLines(exported: ExportedModel): string[] {
  const { inputScaling: scaling, inputShape: [height, width, channels] } = exported;
  const identity = isIdentity(scaling);
  const normalization = identity
    ? 'The model takes pixels scaled to [0, 1] (x / 255), with no further normalization.'
    : `The model was trained on normalized inputs: pixels scaled to [0, 1], then (x − mean) / std per channel with mean ${list(scaling.mean)} and std ${list(scaling.std)}${scaling.channelOrder === 'bgr' ? ', the channels in BGR order (blue, green, red: reverse them first; mean and std are in that order)' : ''}. GFR Studio remembers this in model.json (userDefinedMetadata.gfrStudio.inputScaling), but plain tfjs ignores it: apply it yourself, or accuracy falls to chance.`;
  if (exported.format === 'onnx') {
    const inside = exported.normalizationInside ?? !identity;
    const file = exported.fileName ?? 'model.onnx';
    return [
      '## Using the exported model (ONNX)',
      '',
      exported.inputLayout === 'NCHW'
        ? `${file}: opset ${ONNX_OPSET}, float32. Input${exported.inputName ? ` '${exported.inputName}'` : ''}: NCHW images [N, ${channels}, ${height}, ${width}], the layout of the ONNX file you brought; output: [N, classes].`
        : `${file}: opset ${ONNX_OPSET}, float32. Input: NHWC images [N, ${height}, ${width}, ${channels}], the same layout as the tfjs model (one Transpose inside turns them to NCHW); output: [N, classes].`,
      identity || inside
        ? `${identity ? '' : `The input normalization (mean ${list(scaling.mean)}, std ${list(scaling.std)}) is applied by the file's first nodes, so `}it takes pixels in [0, 1].`
        : `${normalization} The file was written without the normalization nodes.`,
      '',
      '```js',
      "import * as ort from 'onnxruntime-web';",
      `const session = await ort.InferenceSession.create('${file}');`,
      `// pixels: Float32Array of N·${height}·${width}·${channels} values in [0, 1], ${exported.inputLayout === 'NCHW' ? 'NCHW' : 'NHWC'}${identity || inside ? '' : ', normalized as above'}`,
      `const input = new ort.Tensor('float32', pixels, ${exported.inputLayout === 'NCHW' ? `[N, ${channels}, ${height}, ${width}]` : `[N, ${height}, ${width}, ${channels}]`});`,
      'const output = (await session.run({ [session.inputNames[0]]: input }))[session.outputNames[0]];',
      '```',
      '',
    ];
  }
  const quantized = exported.quantization
    ? `Kernels are stored as ${exported.quantization} (the manifest's quantization field); tf.loadLayersModel turns them back into float32 as it loads. `
    : '';
  const classes = exported.engineClasses ?? [];
  const kind = classes.length
    ? `a LayersModel that uses GFR Studio's ${classes.join(' and ')} (from an ONNX model's hard swish / hard sigmoid, which tfjs lacks): register the classes of src/engine/io/hardActivations.ts with tf.serialization.registerClass before loading it in your own code, or download the ONNX file, which needs nothing.`
    : 'a stock LayersModel.';
  return [
    '## Using the exported model (TensorFlow.js)',
    '',
    `model.json + weights.bin: ${kind} ${quantized}Input: [N, ${height}, ${width}, ${channels}] images, NHWC.`,
    normalization,
    '',
    '```js',
    "const model = await tf.loadLayersModel('model.json');",
    `// pixels: a [N, ${height}, ${width}, ${channels}] tensor of values in [0, 1], e.g. tf.browser.fromPixels(image).div(255).expandDims()`,
    ...(identity
      ? ['const output = model.predict(pixels);']
      : [`const input = pixels.sub(tf.tensor1d(${list(scaling.mean)})).div(tf.tensor1d(${list(scaling.std)}));`, 'const output = model.predict(input);']),
    '```',
    '',
  ];
}
