import { describe, expect, it } from 'vitest';
import { usageLines, type ExportedModel } from './usage';

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const text = (exported: Partial<ExportedModel>): string =>
  usageLines({ format: 'tfjs', inputScaling: { mean: [0], std: [1] }, inputShape: [32, 32, 3], ...exported }).join('\n');

describe('how the report says to use the download', () => {
  it('gives a plain-tfjs user the normalization to apply, with its values in the snippet', () => {
    const tfjs = text({ inputScaling: IMAGENET });
    expect(tfjs).toContain('plain tfjs ignores it: apply it yourself');
    expect(tfjs).toContain('pixels.sub(tf.tensor1d([0.485, 0.456, 0.406])).div(tf.tensor1d([0.229, 0.224, 0.225]))');
    expect(text({})).toContain('no further normalization');
    expect(text({})).not.toContain('.sub(');
    expect(text({ quantization: 'uint8' })).toContain('Kernels are stored as uint8');
  });

  it('says when model.json needs GFR Studio\'s hard activations registered, and that the ONNX file does not', () => {
    expect(text({})).toContain('a stock LayersModel');
    const hard = text({ engineClasses: ['HardSigmoid', 'hard_swish'] });
    expect(hard).not.toContain('a stock LayersModel');
    expect(hard).toContain("uses GFR Studio's HardSigmoid and hard_swish");
    expect(hard).toContain('tf.serialization.registerClass');
  });

  it('says whether the ONNX file applies the normalization itself', () => {
    const inside = text({ format: 'onnx', inputScaling: IMAGENET, normalizationInside: true });
    expect(inside).toMatch(/applied by the file's first nodes, so it takes pixels in \[0, 1\]/);
    expect(inside).toContain('[N, 32, 32, 3]');
    const outside = text({ format: 'onnx', inputScaling: IMAGENET, normalizationInside: false });
    expect(outside).toContain('written without the normalization nodes');
    expect(outside).toContain('normalized as above');
  });
});
