/** The command line end to end on a built-in model with a small budget, run as a user runs it. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { splitDataset } from '../src/engine/data/split';
import { loadBuiltinDigits } from '../src/engine/data/builtinDigits';
import { evaluate } from '../src/engine/eval/evaluate';
import { pairedStandardError } from '../src/engine/eval/pairedDifference';
import { gfr, loadWritten, LOGITS_FIXTURE } from './testHelpers';

/** The CLI's default split of the built-in digits (seed 1, 1,000 validation images). */
async function digitsValidation() {
  return splitDataset(await loadBuiltinDigits(), { valCount: 1000, seed: 1 }).validation;
}

async function evaluateFile(path: string, data: Awaited<ReturnType<typeof digitsValidation>>, keepHits = false) {
  await tf.setBackend('cpu');
  const model = await loadWritten(dirname(path));
  try {
    return await evaluate(model, data, { keepHits });
  } finally {
    model.dispose();
  }
}

describe('gfr command line', () => {
  it('prunes a built-in model on the built-in digits and writes a model that stock tfjs reloads', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gfr-cli-'));
    const result = await gfr('prune', 'lenet', '--data', 'digits', '--pretrain-epochs', '1', '--epochs', '1', '--samples', '600', '--val-samples', '200', '--ratios', '0,0.3,0.6', '--target', '0.4', '--target-of', 'flops', '--force', '--out', out);
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    // A fixed target on a tiny budget may lose more than the tolerance or not be settled by 200 images: then it says so
    // and exits 1 (written only because of --force) or 3.
    expect(result.code).toBe({ within: 0, uncertain: 3, beyond: 1 }[report.verdict.status as string]);
    const { drop, margin } = report.verdict;
    expect(report.verdict.status).toBe(drop + margin <= 1 ? 'within' : drop - margin > 1 ? 'beyond' : 'uncertain');
    expect(report.backend).toBe('wasm');
    expect(report.candidates.length).toBeGreaterThanOrEqual(3);
    expect(report.baseline.ratio).toBe(0);
    expect(report.timings.trainMs).toBeGreaterThan(0);
    expect(report.original.outputKind).toBe('softmax');
    expect(report.verdict.drop).toBeCloseTo((report.original.accuracy - report.selected.accuracy) * 100, 6);
    // A FLOPs target: the controller followed the FLOPs the zero channels free, and said so as it went.
    expect(report.settings.train.targetKind).toBe('flops');
    expect(report.training.sparsity.targetKind).toBe('flops');
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

  it('keeps a converged logits model within the tolerance of itself, and its verdict holds when measured again', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gfr-logits-'));
    const result = await gfr('prune', LOGITS_FIXTURE, '--data', 'digits', '--samples', '4500', '--epochs', '1', '--ratios', '0,0.1,0.2,0.3,0.4', '--out', out);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).toMatch(/it outputs logits/);
    const validation = await digitsValidation();
    const original = await evaluateFile(LOGITS_FIXTURE, validation, true);
    expect(original.accuracy).toBeGreaterThan(0.96);
    expect(result.stderr).toContain(`original model, as loaded: ${(original.accuracy * 100).toFixed(2)}% on the validation images`);
    // A model is written: within (exit 0) or not settled by 1,000 images (exit 3), never lost (exit 1).
    expect(result.code, result.stderr).not.toBe(1);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.original.outputKind).toBe('logits');
    expect(report.original.accuracy).toBe(original.accuracy);
    expect(result.code).toBe(report.verdict.status === 'within' ? 0 : 3);
    // What the user gets back, reloaded with stock tfjs and measured here, is within 1 point of what they brought,
    // and the verdict's interval is the one these images give.
    const pruned = await evaluateFile(join(out, 'model.json'), validation, true);
    expect(pruned.outputKind).toBe('logits');
    expect(Math.abs(pruned.accuracy - report.selected.accuracy)).toBeLessThanOrEqual(0.002);
    expect(pruned.accuracy).toBeGreaterThanOrEqual(original.accuracy - 0.01);
    const margin = 1.96 * pairedStandardError(original.hits!, pruned.hits!) * 100;
    expect(report.verdict.margin).toBeCloseTo(margin, 1);
    const drop = (original.accuracy - pruned.accuracy) * 100;
    expect(report.verdict.status).toBe(drop + margin <= 1 ? 'within' : 'uncertain');
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain(report.verdict.status === 'within' ? '**Within the tolerance.**' : '**UNCERTAIN: not confirmed within the tolerance.**');
    // From a trained model the automatic target aims at no share: the report does not name the unused 50%.
    expect(md).toMatch(/Sparse training: the automatic target \(as many channels as accuracy on the guard's held-out images allowed\); reached \d+\.\d+% of the channels/);
    expect(md).not.toContain('target 50.00%');
  });

  it('says plainly when a run loses more than the tolerance: exit 1, nothing written, unless --force', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gfr-loss-'));
    // A fixed target far past what one epoch at a large rate can keep.
    const args = ['prune', LOGITS_FIXTURE, '--data', 'digits', '--epochs', '1', '--samples', '2000', '--learning-rate', '0.05', '--target', '0.8', '--ratios', '0,0.8', '--tolerance', '0.5', '--out', out];
    const refused = await gfr(...args);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/error: .*(Not a success|No candidate is within 0\.5 points).* Nothing was written .*To keep more accuracy: more --epochs/);
    expect(existsSync(join(out, 'model.json'))).toBe(false);
    const forced = await gfr(...args, '--force');
    expect(forced.code).toBe(1);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.verdict.status).toBe('beyond');
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/\*\*NOT within the tolerance\.\*\* .* To do better: try more sparse-training epochs/);
  });

  it('judges an untrained model that training made far better against the trained model, and reports both', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gfr-untrained-'));
    // A built-in LeNet as built (chance level) is trained with a fixed target: the unpruned result is far better.
    const result = await gfr('prune', 'lenet', '--data', 'digits', '--epochs', '1', '--samples', '1500', '--val-samples', '300', '--ratios', '0,0.5,0.9', '--force', '--out', out);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.original.loaded.accuracy).toBeLessThan(0.3);
    expect(report.original.basis).toBe('trained');
    expect(report.original.accuracy).toBe(report.baseline.accuracy);
    expect(report.verdict.basis).toBe('trained');
    // Every candidate is measured against the trained model: a ratio that keeps nothing of it is not "within".
    expect(report.verdict.drop).toBeCloseTo((report.baseline.accuracy - report.selected.accuracy) * 100, 6);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain(`measured ${(report.original.loaded.accuracy * 100).toFixed(2)}%; training made it far better`);
    expect(result.stderr).toContain('Judged against the trained model, unpruned');
  });

  it('with nothing trained and nothing removed, the unpruned candidate is the original exactly', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gfr-l1-'));
    const result = await gfr('prune', LOGITS_FIXTURE, '--data', 'digits', '--criterion', 'l1', '--epochs', '0', '--ratios', '0,0.05', '--force', '--out', out);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.baseline.accuracy).toBe(report.original.accuracy);
    expect(report.baseline.recalibrated).toBe(false);
    expect(report.baseline.calibrationAccuracy).toBe(report.original.calibrationAccuracy);
  });

  it('stops the grid where accuracy collapsed and says so; --full-grid measures the rest and selects the same', async () => {
    const args = ['prune', LOGITS_FIXTURE, '--data', 'digits', '--criterion', 'l1', '--epochs', '0', '--samples', '2000', '--ratios', '0,0.2,0.4,0.5,0.6,0.7,0.8,0.9', '--latency-budget', '100', '--force'];
    const early = mkdtempSync(join(tmpdir(), 'gfr-stop-'));
    const stopped = await gfr(...args, '--out', early);
    // Where it stops depends on the data; that it stops at the second of two collapsed grid ratios, and what it left, does not.
    const grid = [0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
    const stop = stopped.stderr.match(/stopped the grid at ratio (0\.\d): accuracy collapsed \(ratio (0\.\d): −[\d.]+ ± [\d.]+ points, ratio \1: .*\); (\d) ratios left \((0\.\d)–0\.9\); --full-grid measures the rest/);
    expect(stop, stopped.stderr).not.toBeNull();
    const [stopRatio, before, left] = [Number(stop![1]), Number(stop![2]), Number(stop![3])];
    expect(grid.indexOf(before)).toBe(grid.indexOf(stopRatio) - 1);
    const remaining = grid.slice(grid.indexOf(stopRatio) + 1);
    expect([left, Number(stop![4])]).toEqual([remaining.length, remaining[0]]);
    const full = mkdtempSync(join(tmpdir(), 'gfr-full-'));
    const all = await gfr(...args, '--full-grid', '--out', full);
    expect(all.stderr).not.toContain('stopped the grid');
    const [a, b] = [early, full].map((dir) => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')));
    expect(a.gridStop).toMatchObject({ ratio: stopRatio, remaining });
    expect(b.gridStop).toBeNull();
    expect(b.candidates.length).toBe(a.candidates.length + remaining.length);
    // The same selection, figure for figure; the refining pass the same.
    const pick = (r: { selected: { ratio: number; accuracy: number; calibrationAccuracy: number; params: number } }) => [r.selected.ratio, r.selected.accuracy, r.selected.calibrationAccuracy, r.selected.params];
    expect(pick(a)).toEqual(pick(b));
    const refined = (r: { candidates: { stage: string; ratio: number }[] }) => r.candidates.filter((c) => c.stage === 'refine').map((c) => c.ratio);
    expect(refined(a)).toEqual(refined(b));
    expect(readFileSync(join(early, 'report.md'), 'utf8')).toContain(`The grid stopped at ratio ${stopRatio}: accuracy collapsed`);
    // Each candidate's speed-up against the unpruned model, with its interval, in the log and the report.
    expect(stopped.stderr).toMatch(/candidate 1 \(grid\) ratio 0\.2: .*, [\d.]+× \([\d.]+–[\d.]+, \d+ pairs\) faster/);
    expect(a.candidates.every((c: { speedupInterval?: number[] }) => c.speedupInterval?.length === 2)).toBe(true);

    // A budget that only ratios past the stop meet: the rest is measured, and the budget selects as the full grid.
    type Figures = { ratio: number; flops: number; calibrationAccuracy: number; stage: string };
    const budget = Math.max(...b.candidates.filter((c: Figures) => c.ratio > 0.6).map((c: Figures) => c.flops));
    expect(budget).toBeLessThan(Math.min(...a.candidates.map((c: Figures) => c.flops)));
    const budgeted = mkdtempSync(join(tmpdir(), 'gfr-budget-'));
    const withBudget = await gfr(...args, '--budget', `flops=${budget}`, '--out', budgeted);
    expect(withBudget.stderr).toContain(`no candidate before the stop meets --budget flops=${budget} without collapsing: measuring the rest of the grid`);
    const c = JSON.parse(readFileSync(join(budgeted, 'report.json'), 'utf8'));
    const underBudget = b.candidates.filter((f: Figures) => f.flops <= budget).sort((x: Figures, y: Figures) => y.calibrationAccuracy - x.calibrationAccuracy || x.flops - y.flops)[0];
    expect([c.selected.ratio, c.selected.calibrationAccuracy]).toEqual([underBudget.ratio, underBudget.calibrationAccuracy]);
  });

  it('--round-to 8 writes layers that keep a multiple of 8 channels, and says so in the reports', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gfr-round-'));
    const result = await gfr('prune', LOGITS_FIXTURE, '--data', 'digits', '--samples', '1500', '--val-samples', '200', '--epochs', '0', '--criterion', 'l1', '--ratios', '0,0.3,0.6', '--tolerance', '100', '--round-to', '8', '--out', out);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.settings.search.roundTo).toBe(8);
    expect(report.selected.ratio).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('every layer keeps a multiple of 8 channels (or all of them)');
    const model = await loadWritten(out);
    // The fixture's widths are 8, 16 and 64 (then its 10 classes): every one of them stays a multiple of 8.
    const widths = model.layers.flatMap((layer) => {
      const config = layer.getConfig() as { filters?: number; units?: number };
      return layer.name === model.layers[model.layers.length - 1].name ? [] : [config.filters ?? config.units].filter((width): width is number => width !== undefined);
    });
    expect(widths).toHaveLength(3);
    expect(widths.every((width) => width % 8 === 0 && width > 0)).toBe(true);
    expect(widths).not.toEqual([8, 16, 64]);
    model.dispose();
  });

  it('stops a run that diverges (--learning-rate 1e6) with the step and a smaller rate to try; nothing written', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gfr-diverge-'));
    const out = join(root, 'out');
    const result = await gfr('prune', 'lenet', '--data', 'digits', '--samples', '600', '--val-samples', '100', '--epochs', '1', '--learning-rate', '1e6', '--out', out);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^error: Training diverged at step \d+: .*try a smaller learning rate than 1000000\.$/m);
    expect(result.stderr).not.toMatch(/\n\s+at |candidate \d/);
    expect(readdirSync(root)).toEqual([]);
  });

  it('prints the analysis as JSON', async () => {
    const result = await gfr('analyze', 'resnet');
    expect(result.code).toBe(0);
    const analysis = JSON.parse(result.stdout);
    expect(analysis.prunableChannels).toBeGreaterThan(0);
    expect(analysis.outputKind).toBe('softmax');
    const logits = await gfr('analyze', LOGITS_FIXTURE);
    expect(JSON.parse(logits.stdout).outputKind).toBe('logits');
    expect(analysis.groups.some((group: { members: unknown[] }) => group.members.length > 1)).toBe(true);
  });

  it('answers bad input with one clear line and a non-zero exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gfr-bad-'));
    writeFileSync(join(dir, 'model.json'), '{"modelTopology": ');
    const out = join(dir, 'out');
    // Exit code 2: a command line that cannot be understood; 1: an input that cannot be used.
    const cases: [string[], RegExp, number][] = [
      [['prune', 'lenet', '--bogus'], /Unknown option '--bogus'/, 2],
      [['frob', 'lenet'], /Unknown command 'frob'/, 2],
      [['prune', 'lenet'], /Give an output folder with --out DIR/, 2],
      [['analyze', join(dir, 'missing.json')], /does not exist/, 1],
      [['analyze', join(dir, 'model.json')], /not valid JSON/, 1],
      [['prune', 'lenet', '--epochs', 'two', '--out', out], /--epochs must be a whole number/, 2],
      [['prune', 'lenet', '--epochs', '0', '--out', out], /needs a criterion without retraining/, 2],
      [['prune', 'lenet', '--target-of', 'bytes', '--out', out], /--target-of must be one of channels, flops, got 'bytes'/, 2],
      [['prune', 'lenet', '--round-to', '3.5', '--out', out], /--round-to must be a whole number in \[1, 64\]/, 2],
      [['eval', 'lenet', '--data', join(dir, 'nowhere')], /does not exist/, 1],
    ];
    for (const [args, message, code] of cases) {
      const result = await gfr(...args);
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.stderr.trim().split('\n').filter((line) => line.startsWith('error:'))).toHaveLength(1);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('runs as the installed gfr-studio command: --version, and a warning for flags the command does not read', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string; bin: Record<string, string> };
    const launcher = pkg.bin['gfr-studio'];
    const run = promisify(execFile);
    const bin = async (...args: string[]) => {
      try {
        const { stdout, stderr } = await run(process.execPath, [launcher, ...args], { timeout: 120_000 });
        return { stdout, stderr, code: 0 };
      } catch (error) {
        return error as { stdout: string; stderr: string; code: number };
      }
    };
    expect(await bin('--version')).toMatchObject({ stdout: `gfr-studio ${pkg.version}\n`, code: 0 });
    const analyzed = await bin('analyze', 'lenet', '--epochs', '3', '--tolerance', '2');
    expect(analyzed.code).toBe(0);
    expect(JSON.parse(analyzed.stdout).prunableChannels).toBeGreaterThan(0);
    expect(analyzed.stderr).toContain("warning: --epochs does not apply to 'analyze'; it is ignored.");
    expect(analyzed.stderr).toContain("warning: --tolerance does not apply to 'analyze'; it is ignored.");
    expect((await bin('prune', 'lenet', '--bogus')).code).toBe(2);
  });
});
