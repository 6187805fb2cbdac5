/** `prune --format onnx` and `--quantize`: what the command line writes is what the report says, read back by stock runtimes. */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset } from '../src/engine/core/types';
import { loadBuiltinDigits } from '../src/engine/data/builtinDigits';
import { splitDataset } from '../src/engine/data/split';
import { evaluate } from '../src/engine/eval/evaluate';
import { onnxAccuracy } from '../src/engine/testing/onnxRuntime';
import { gfr, loadWritten, LOGITS_FIXTURE } from './testHelpers';

/** Prunes the converged fixture as it is (no training): quick, and every figure is deterministic. */
const PRUNE = ['prune', LOGITS_FIXTURE, '--data', 'digits', '--criterion', 'l1', '--epochs', '0', '--ratios', '0,0.2', '--val-samples', '500', '--force'];

let validation: ImageDataset;

beforeAll(async () => {
  await tf.setBackend('cpu');
  validation = splitDataset(await loadBuiltinDigits(), { valCount: 500, seed: 1 }).validation;
});

describe('gfr prune exports', () => {
  it('--format onnx writes model.onnx that onnxruntime runs to the reported accuracy', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gfr-onnx-'));
    const result = await gfr(...PRUNE, '--format', 'onnx', '--out', out);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).toMatch(/wrote .*model\.onnx, report\.json and report\.md/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.export).toMatchObject({ format: 'onnx', inputShape: [28, 28, 1] });
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/## Using the exported model \(ONNX\)[\s\S]*opset 13[\s\S]*NHWC/);
    // onnxruntime and tfjs's wasm backend may round a borderline image differently.
    expect(Math.abs(await onnxAccuracy(readFileSync(join(out, 'model.onnx')), validation) - report.selected.accuracy)).toBeLessThanOrEqual(0.004);
  });

  it('--quantize uint8 writes kernels stock tfjs reads, with the size and accuracy the report gives', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gfr-uint8-'));
    const result = await gfr(...PRUNE, '--quantize', 'uint8', '--out', out);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).toMatch(/with uint8 kernels: accuracy \d+\.\d+%/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const measured = report.selected.quantized.uint8;
    expect(statSync(join(out, 'weights.bin')).size).toBe(measured.weightBytes);
    expect(measured.weightBytes).toBeLessThan(report.selected.weightBytes * 0.3);
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    expect(markdown).toContain(`| pruned + uint8 kernels | ${(measured.accuracy * 100).toFixed(2)}% | ${measured.weightBytes.toLocaleString('en')} bytes |`);
    expect(markdown).toMatch(/Kernels are stored as uint8/);
    const model = await loadWritten(out);
    const { accuracy } = await evaluate(model, validation);
    model.dispose();
    expect(Math.abs(accuracy - measured.accuracy)).toBeLessThanOrEqual(0.004);
    expect(accuracy).toBeGreaterThan(0.95);
  });

  it('refuses --quantize with --format onnx in one line', async () => {
    const result = await gfr('prune', 'lenet', '--quantize', 'uint8', '--format', 'onnx', '--out', tmpdir());
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/error: --quantize applies to the tfjs format/);
    const bad = await gfr('prune', 'lenet', '--quantize', 'int4', '--out', tmpdir());
    expect(bad.stderr).toMatch(/--quantize must be one of float16, uint8, got 'int4'/);
  });
});
