/** An .onnx file exported from PyTorch through the command line: analyze, eval and prune read it. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { specFromOnnx } from '../src/engine/io/onnx/importOnnx';
import { runOnnx } from '../src/engine/testing/onnxRuntime';
import { engineOnlyClasses } from '../src/engine/io/hardActivations';
import { specFromModel } from '../src/engine/io/modelSpec';
import { gfr, loadWritten } from './testHelpers';

const FIXTURE = join(process.cwd(), 'src/engine/testing/fixtures/onnx/residual_opset13.onnx');
const RESNET20 = join(process.cwd(), 'src/engine/testing/fixtures/onnx/resnet20_cifar_opset13.onnx');
const HARD = join(process.cwd(), 'src/engine/testing/fixtures/onnx/hard_opset14.onnx');

function png(size: number, shade: number, seed: number): Buffer {
  const image = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) image.data.set([shade, (i * 13 + seed * 29) % 256, 255 - shade, 255], i * 4);
  return PNG.sync.write(image);
}

/** A folder of class folders of `size`-pixel PNGs, `perClass` each. */
function imageFolder(classes: number, perClass: number, size: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'gfr-onnx-'));
  for (let c = 0; c < classes; c++) {
    mkdirSync(join(dir, 'images', `class${c}`), { recursive: true });
    for (let i = 0; i < perClass; i++) writeFileSync(join(dir, 'images', `class${c}`, `${i}.png`), png(size, Math.round((255 * c) / classes), i));
  }
  return dir;
}

describe('an .onnx model on the command line', () => {
  it('analyze finds the channels of the convolutions whose BN the export folded away, with the BNs rebuilt', async () => {
    const { stdout, code } = await gfr('analyze', FIXTURE, '--backend', 'cpu');
    expect(code).toBe(0);
    const analysis = JSON.parse(stdout.slice(stdout.indexOf('{')));
    const rebuilt = analysis.groups.filter((group: { prunable: boolean; members: { bn?: string }[] }) => group.prunable && group.members.some((member) => member.bn?.endsWith('_bn')));
    expect(rebuilt.length).toBeGreaterThanOrEqual(2);
    expect(analysis.unsupportedLayers).toEqual([]);
  });

  it('eval and prune --format onnx read it; the pruned file reads back', async () => {
    const dir = imageFolder(5, 4, 12);
    const data = ['--data', join(dir, 'images'), '--backend', 'cpu'];
    const evaluated = await gfr('eval', FIXTURE, ...data);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout.slice(evaluated.stdout.indexOf('{'))).params).toBeGreaterThan(0);
    const out = join(dir, 'out');
    // No --format: a model that came as ONNX goes back as ONNX.
    const pruned = await gfr('prune', FIXTURE, ...data, '--val-samples', '5', '--epochs', '0', '--criterion', 'l1', '--ratios', '0,0.3', '--out', out);
    // 3: written, but 5 validation images cannot tell whether it is within the tolerance.
    expect([0, 3], pruned.stderr).toContain(pruned.code);
    const bytes = new Uint8Array(readFileSync(join(out, 'model.onnx')));
    const back = specFromOnnx(bytes, 'model.onnx');
    expect(back.spec.layers.some((layer) => layer.className === 'Conv2D')).toBe(true);
    // The user's input name and NCHW layout, so it drops into their pipeline unchanged; onnxruntime runs it so.
    const original = specFromOnnx(new Uint8Array(readFileSync(FIXTURE)), 'fixture');
    expect(back.origin).toMatchObject({ inputLayout: 'NCHW', inputName: original.origin.inputName });
    const scores = await runOnnx(bytes, new Float32Array(2 * 3 * 12 * 12).fill(0.5), [2, 3, 12, 12]);
    expect(scores.length).toBe(2 * 5);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('NCHW images [N, 3, 12, 12]');
  });

  it('prunes a CIFAR ResNet-20 exported from PyTorch (option-A shortcuts, BNs folded) with sparse training, and writes an ONNX file onnxruntime runs on NCHW images', async () => {
    const dir = imageFolder(10, 4, 32);
    const out = join(dir, 'out');
    const pruned = await gfr('prune', RESNET20, '--data', join(dir, 'images'), '--epochs', '1', '--val-samples', '10', '--ratios', '0,0.3', '--latency-budget', '100', '--out', out);
    // 3: written, but 10 validation images cannot tell whether it is within the tolerance (the accuracy rule of the tfjs path).
    expect([0, 3], pruned.stderr).toContain(pruned.code);
    expect(pruned.stderr).toMatch(/train \(gfr\): epoch 1\/1 done/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { selected: { params: number; ratio: number }; baseline: { params: number } };
    expect(report.selected.ratio).toBe(0.3);
    expect(report.selected.params).toBeLessThan(0.8 * report.baseline.params);
    const bytes = new Uint8Array(readFileSync(join(out, 'model.onnx')));
    expect(specFromOnnx(bytes, 'model.onnx').origin).toMatchObject({ inputLayout: 'NCHW', inputName: 'image' });
    const scores = await runOnnx(bytes, Float32Array.from({ length: 2 * 3 * 32 * 32 }, (_, i) => (i % 97) / 97), [2, 3, 32, 32]);
    expect(scores).toHaveLength(2 * 10);
    expect(scores.every(Number.isFinite)).toBe(true);
  });

  it('--format tfjs of a model with hard swish and hard sigmoid: model.json loads with GFR Studio\'s classes registered, and the report says so', async () => {
    const dir = imageFolder(4, 4, 10);
    const out = join(dir, 'out');
    const pruned = await gfr('prune', HARD, '--data', join(dir, 'images'), '--format', 'tfjs', '--epochs', '0', '--criterion', 'l1', '--val-samples', '4', '--ratios', '0,0.3', '--latency-budget', '100', '--out', out);
    expect([0, 3], pruned.stderr).toContain(pruned.code);
    // This process imports io/hardActivations.ts (through modelSpec.ts), as the report tells other code to.
    const model = await loadWritten(out);
    expect(engineOnlyClasses(await specFromModel(model))).toEqual(['HardSigmoid', 'hard_swish']);
    model.dispose();
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { export: { engineClasses?: string[] } };
    expect(report.export.engineClasses).toEqual(['HardSigmoid', 'hard_swish']);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain("uses GFR Studio's HardSigmoid and hard_swish");
  });
});
