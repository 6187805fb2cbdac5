/** A Keras file and a folder of images per class through the command line, with --mean/--std remembered in the export. */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { specFromModel } from '../src/engine/io/modelSpec';
import { loadModel } from './setup';
import { gfr } from './testHelpers';
import { kerasArchive } from '../src/engine/testing/kerasFiles';
import { resnetStages } from '../src/engine/testing/realModels';

const run = promisify(execFile);
const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');

function png(size: number, shade: number): Buffer {
  const image = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) image.data.set([shade, (i * 13) % 256, 255 - shade, 255], i * 4);
  return PNG.sync.write(image);
}

describe('model files and data as they come, on the command line', () => {
  it('prunes a .keras model on an image folder of mixed sizes and remembers the input scaling', async () => {
    await tf.setBackend('cpu');
    const dir = mkdtempSync(join(tmpdir(), 'gfr-inputs-'));
    const model = resnetStages();
    writeFileSync(join(dir, 'resnet.keras'), await kerasArchive(await specFromModel(model)));
    model.dispose();
    ['ant', 'bee', 'cow'].forEach((name, c) => {
      mkdirSync(join(dir, 'images', name), { recursive: true });
      for (let i = 0; i < 4; i++) writeFileSync(join(dir, 'images', name, `${i}.png`), png(6 + 2 * i, 60 * c + 10 * i));
    });
    const out = join(dir, 'out');
    const common = ['--data', join(dir, 'images'), '--val-samples', '4', '--backend', 'cpu'];
    const pruned = await gfr('prune', join(dir, 'resnet.keras'), ...common, '--epochs', '0', '--criterion', 'l1', '--ratios', '0,0.3', '--mean', '0.5,0.5,0.5', '--std', '0.25,0.25,0.25', '--out', out);
    // Four validation images settle no verdict: written, exit 3 (uncertain), or 0 should every image agree.
    expect([0, 3], pruned.stderr).toContain(pruned.code);
    const modelJson = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(modelJson.userDefinedMetadata.gfrStudio.inputScaling).toEqual({ mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.preprocessing.inputSize).toEqual([8, 8, 3]);
    expect(report.data.source).toMatch(/images/);

    // Read again without flags: the remembered scaling gives the accuracy prune reported.
    const { stdout } = await run(TSX, ['cli/gfr.ts', 'eval', join(out, 'model.json'), ...common], { timeout: 60_000 });
    expect(JSON.parse(stdout).accuracy).toBe(report.selected.accuracy);
  }, 180_000);
});

describe('--seed', () => {
  it('seeds the initializers of a built-in model: the same seed builds the same weights, another seed others', async () => {
    await tf.setBackend('cpu');
    const shape = { height: 28, width: 28, channels: 1, numClasses: 10 };
    const kernel = async (seed: number) => (await loadModel('lenet', shape, seed)).layers.find((layer) => layer.name === 'conv1')!.weights.kernel.values;
    expect(await kernel(3)).toEqual(await kernel(3));
    expect(await kernel(3)).not.toEqual(await kernel(4));
  });
});
