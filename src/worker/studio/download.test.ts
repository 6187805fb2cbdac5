/** The studio's downloads of a model that came as ONNX (wasm backend under Node). */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { specFromOnnx } from '../../engine/io/onnx/importOnnx';
import { context, digitsStudio, fakeImage, file, SEARCH, setUpDigits } from './testing';

beforeAll(() => setUpDigits());

describe('Studio: errors the user can act on', () => {
  it('an .onnx model says where it came from, and its ONNX download keeps its input name and NCHW layout', async () => {
    const studio = digitsStudio();
    const onnxBytes = new Uint8Array(readFileSync('src/engine/testing/fixtures/onnx/residual_opset13.onnx'));
    const loaded = await studio.loadModel({ kind: 'files', files: [file('residual.onnx', onnxBytes.slice().buffer)] }, context());
    const origin = specFromOnnx(onnxBytes, 'fixture').origin;
    expect(loaded.onnx).toMatchObject({ inputLayout: 'NCHW', inputName: origin.inputName, opset: 13, rebuiltBatchNorms: expect.any(Number) });
    expect(loaded.onnx!.rebuiltBatchNorms).toBeGreaterThan(0);
    const [height, width] = loaded.inputShape;
    const shades: [number, number, number][] = [[250, 0, 0], [0, 250, 0], [0, 0, 250], [250, 250, 0], [0, 250, 250]];
    const images = shades.flatMap((rgb, c) => Array.from({ length: 4 }, (_, i) => file(`set/c${c}/${i}.png`, fakeImage(width, height, rgb))));
    await studio.loadData({ kind: 'files', files: images }, context());
    // The rebuilt BNs were measured on the images: γ is each channel's spread, not the same neutral value everywhere.
    const scores = studio.scores({ criterion: 'gamma', ranking: 'normalized' });
    expect(scores.groups.some((group) => new Set(group.importance.map((value) => value.toFixed(6))).size > 1)).toBe(true);
    await studio.searchStart({ ...SEARCH, criterion: 'l1', ratios: [0, 0.3], refineSteps: 0 }, context());
    await studio.searchNext({ count: 10 }, context());
    const exported = studio.exportCandidate({ candidate: 1, format: 'onnx' }, context());
    const back = specFromOnnx(new Uint8Array(exported.files[0].bytes), exported.files[0].name);
    expect(back.origin).toMatchObject({ inputLayout: 'NCHW', inputName: origin.inputName });
    expect(new TextDecoder().decode(exported.files[2].bytes)).toContain(`NCHW images [N, 3, ${height}, ${width}]`);
  });
});
