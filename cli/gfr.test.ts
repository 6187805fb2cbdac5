/** The command line end to end on a built-in model with a small budget, run as a user runs it. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { splitDataset } from '../src/engine/data/split';
import { loadBuiltinDigits } from '../src/engine/data/builtinDigits';
import { evaluate } from '../src/engine/eval/evaluate';

const run = promisify(execFile);
const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');

async function gfr(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(TSX, ['cli/gfr.ts', ...args], { timeout: 280_000 });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failure = error as { stdout: string; stderr: string; code: number };
    return { stdout: failure.stdout, stderr: failure.stderr, code: failure.code };
  }
}

/** A file:// free loader for the written folder: stock tf.loadLayersModel with fromMemory. */
async function loadWritten(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const weights = readFileSync(join(dir, json.weightsManifest[0].paths[0]));
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  }));
}

describe('gfr command line', () => {
  it('prunes a built-in model on the built-in digits and writes a model that stock tfjs reloads', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gfr-cli-'));
    const result = await gfr('prune', 'lenet', '--data', 'digits', '--pretrain-epochs', '1', '--epochs', '1', '--samples', '600', '--val-samples', '200', '--ratios', '0,0.3,0.6', '--target', '0.4', '--target-of', 'flops', '--out', out);
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/);
    expect(result.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.backend).toBe('wasm');
    expect(report.candidates.length).toBeGreaterThanOrEqual(3);
    expect(report.baseline.ratio).toBe(0);
    expect(report.timings.trainMs).toBeGreaterThan(0);
    expect(report.selected.accuracy).toBeGreaterThanOrEqual(report.baseline.accuracy - 0.01 - 1e-9);
    // A FLOPs target: the controller followed the FLOPs the zero channels free, and said so as it went.
    expect(report.settings.train.targetKind).toBe('flops');
    expect(report.training.sparsity.measure).toBe('flops');
    expect(report.training.sparsity.freedFlopsShare).toEqual(expect.any(Number));
    expect(result.stderr).toMatch(/FLOPs freed \d+\.\d% \(schedule \d+\.\d% of flops\)/);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/Sparse training: target 40\.00% of the FLOPs; reached \d+\.\d+% of the channels at exactly zero, freeing \d+\.\d+% of the FLOPs/);

    await tf.setBackend('cpu');
    const model = await loadWritten(out);
    expect(model.layers.some((layer) => layer.getClassName() === 'GFR')).toBe(false);
    const digits = await loadBuiltinDigits();
    const { validation } = splitDataset(digits, { valCount: 200, trainCount: 600, seed: 1 });
    const evaluation = await evaluate(model, validation);
    // wasm and cpu may round differently; a flipped prediction or two at most.
    expect(Math.abs(evaluation.accuracy - report.selected.accuracy)).toBeLessThanOrEqual(0.01);
    model.dispose();

    const evaluated = await gfr('eval', join(out, 'model.json'), '--data', 'digits', '--samples', '600', '--val-samples', '200');
    expect(evaluated.code).toBe(0);
    expect(JSON.parse(evaluated.stdout).accuracy).toBe(report.selected.accuracy);
  });

  it('prints the analysis as JSON', async () => {
    const result = await gfr('analyze', 'resnet');
    expect(result.code).toBe(0);
    const analysis = JSON.parse(result.stdout);
    expect(analysis.prunableChannels).toBeGreaterThan(0);
    expect(analysis.groups.some((group: { members: unknown[] }) => group.members.length > 1)).toBe(true);
  });

  it('answers bad input with one clear line and a non-zero exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gfr-bad-'));
    writeFileSync(join(dir, 'model.json'), '{"modelTopology": ');
    const cases: [string[], RegExp][] = [
      [['prune', 'lenet', '--bogus'], /Unknown option '--bogus'/],
      [['analyze', join(dir, 'missing.json')], /does not exist/],
      [['analyze', join(dir, 'model.json')], /not valid JSON/],
      [['prune', 'lenet', '--epochs', 'two', '--out', dir], /--epochs must be a whole number/],
      [['prune', 'lenet', '--epochs', '0', '--out', dir], /needs a criterion without retraining/],
      [['prune', 'lenet', '--target-of', 'bytes', '--out', dir], /--target-of must be one of channels, flops, got 'bytes'/],
      [['eval', 'lenet', '--data', join(dir, 'nowhere')], /does not exist/],
    ];
    for (const [args, message] of cases) {
      const result = await gfr(...args);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr.trim().split('\n').filter((line) => line.startsWith('error:'))).toHaveLength(1);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
