/** The onnx-import benchmark's own arithmetic and its skip; the measurement itself is `npm run bench -- onnx-import`. */
import { describe, expect, it } from 'vitest';
import { onnxImportProblem, spreadOf } from './onnxImport';

describe('onnx-import', () => {
  it('reports the median, the quartiles and the range of the runs, in run order', () => {
    expect(spreadOf([900, 500, 700, 600, 800])).toEqual({ runs: [900, 500, 700, 600, 800], median: 700, min: 500, max: 900, quartiles: [600, 800] });
    expect(spreadOf([1000, 2000])).toMatchObject({ median: 1500, quartiles: [1250, 1750] });
  });

  it('is skipped, saying why, where the real network is missing', () => {
    expect(onnxImportProblem('/nowhere/resnet56-cifar10')).toMatch(/^onnx-import skipped: \/nowhere\/resnet56-cifar10 is missing \(the real network is read in place from .*never committed\)$/);
  });
});
