/**
 * GFR Studio benchmarks (issue 4).
 *   npm run bench -- quality [--quick] [--serial] [--jobs N] [--tasks a,b | --task a] [--criteria gfr,gamma]
 *                            [--protocol short|trained] [--start DIR] [--round-to 1,8]
 *       (--protocol trained: from starts trained to convergence, issue 10; they are kept
 *        in ~/.cache/gfr-studio/starts, or in DIR, and reused by later runs. The task resnet56-cifar
 *        starts from a real network read in place from ../shared/real, trained protocol only; skipped,
 *        with a line saying why, where that folder is missing. A run of some tasks replaces those
 *        tasks in latest.json and keeps the others. --round-to: the multiples the default run's kept channels are
 *        rounded to, each searched from the same trained model and its selection timed against the start at
 *        batch 1 and 32; default 1,8 in the trained protocol, none in the short one; bench/quality/widths.ts.)
 *   npm run bench -- quality --experiment NAME [--criteria gfr,gamma] [--train key=value,…] [--start DIR]
 *       (an experiment: writes bench/results/experiments/NAME.json, leaves latest.json and the docs alone;
 *        --start keeps the normally trained starts in DIR for the next experiment)
 *   npm run bench -- speed [--quick] [--skip-browser]
 *       (full mode also measures the studio's default run on the real ResNet-56 of ../shared/real against PyTorch,
 *        bench/speed/realNetwork.ts; skipped, with a line saying why, where that folder or PyTorch is missing)
 *   npm run bench -- speed --real  (only that; latest.json keeps the other speed figures)
 *   npm run bench -- speed --gpu   (the training probe on this machine's GPU in Chromium, WebGPU; refuses a
 *       software adapter such as SwiftShader; writes a run file, leaves latest.json alone unless --latest)
 *   npm run bench -- all [--quick]
 *   npm run bench -- onnx-import [--runs N]  (the real ResNet-56 as a PyTorch user's .onnx file, imported in the
 *       built studio in headless Chromium, N fresh pages (7); skipped where ../shared/real is missing; writes a run
 *       file, leaves latest.json and the docs alone)
 *   npm run bench -- report        (docs/BENCHMARKS.md from bench/results/latest.json)
 * Every run writes bench/results/<date>-<kind>-<mode>.json. Full runs also
 * update bench/results/latest.json and regenerate docs/BENCHMARKS.md; quick
 * runs (CI) leave both alone unless --latest is given.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeEnvironment, loadAverage } from './common/environment';
import { readLatest, updateLatest, writeExperimentFile, writeRunFile, type RunFile } from './common/results';
import { parseCriteria, parseRoundings, parseTrainOverrides } from './quality/experiment';
import { runQuality, selectTasks } from './quality/quality';
import { PROTOCOLS, type Protocol, type QualityTask } from './quality/tasks';
import type { SkippedTask } from './quality/types';

const log = (line: string): void => void process.stderr.write(`${line}\n`);

const USAGE = 'Usage: npm run bench -- quality|speed|all|report [--quick] [--serial] [--jobs N] [--tasks vgg-fashion,…] [--skip-browser] [--latest]\n'
  + '       npm run bench -- speed --real [--latest]\n'
  + '       npm run bench -- speed --gpu [--latest]\n'
  + '       npm run bench -- onnx-import [--runs N]\n'
  + '       npm run bench -- quality --protocol trained [--start DIR] [--quick] [--tasks …|--task resnet56-cifar] [--criteria gfr,gamma] [--round-to 1,8] [--latest]\n'
  + '       npm run bench -- quality --experiment NAME [--criteria gfr,gamma] [--train lambdaS=0.01,gatePenalty=polarization] [--start DIR]';

async function main(): Promise<void> {
  const { values: flags, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      quick: { type: 'boolean' },
      serial: { type: 'boolean' },
      jobs: { type: 'string' },
      tasks: { type: 'string' },
      task: { type: 'string' },
      'skip-browser': { type: 'boolean' },
      gpu: { type: 'boolean' },
      real: { type: 'boolean' },
      latest: { type: 'boolean' },
      experiment: { type: 'string' },
      criteria: { type: 'string' },
      train: { type: 'string' },
      start: { type: 'string' },
      protocol: { type: 'string' },
      runs: { type: 'string' },
      'round-to': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const what = positionals[0];
  if (flags.help || !['quality', 'speed', 'all', 'report', 'onnx-import'].includes(what ?? '')) {
    log(USAGE);
    process.exitCode = flags.help ? 0 : 2;
    return;
  }
  const mode = flags.quick ? 'quick' : 'full';
  const experiment = flags.experiment;
  const keep = !experiment && ((mode === 'full' && !flags.gpu) || Boolean(flags.latest));
  if (what === 'report') return writeDocs();
  if (what === 'onnx-import') return runOnnxImportBench(Number(flags.runs ?? 7));
  const protocol = (flags.protocol ?? 'short') as Protocol;
  if (!PROTOCOLS.includes(protocol)) throw new Error(`--protocol is one of ${PROTOCOLS.join(', ')}; got '${flags.protocol}'.`);

  if (what === 'quality' || what === 'all') {
    const names = [flags.tasks, flags.task].filter(Boolean).join(',').split(',').filter(Boolean);
    const { tasks, skipped } = selectTasks(mode, protocol, names.length ? names : undefined);
    for (const { reason } of skipped) log(reason);
    if (tasks.length === 0) log(`quality (${mode}, ${protocol} protocol): no task left to run; nothing written.`);
    else await runQualityBench(tasks, skipped);
  }
  async function runQualityBench(tasks: QualityTask[], skipped: SkippedTask[]): Promise<void> {
    const parallel = flags.serial ? 0 : Number(flags.jobs ?? availableParallelism());
    const workDir = join(tmpdir(), `gfr-bench-${process.pid}`);
    log(`quality (${mode}, ${protocol} protocol): ${tasks.map((task) => task.name).join(', ')}; ${parallel ? `${parallel} processes` : 'in process'}`);
    const load = loadAverage();
    const result = await runQuality({
      mode, protocol, tasks, parallel, backend: 'wasm', workDir, log,
      criteria: parseCriteria(flags.criteria), trainOverrides: parseTrainOverrides(flags.train), startDir: flags.start, skipped,
      ...(flags['round-to'] ? { roundings: parseRoundings(flags['round-to']) } : {}),
    });
    const run: RunFile = { kind: 'quality', mode, date: new Date().toISOString(), environment: describeEnvironment(), load: { start: load, end: loadAverage() }, result };
    if (experiment) log(`wrote ${writeExperimentFile(experiment, { ...run, experiment: { protocol, criteria: flags.criteria, train: flags.train } })}`);
    else record(run, keep);
  }
  if (what === 'speed' || what === 'all') {
    const { runSpeed } = await import('./speed/speed');
    const load = loadAverage();
    const result = await runSpeed({ mode, browser: !flags['skip-browser'], gpu: flags.gpu, realOnly: flags.real, log });
    record({ kind: 'speed', mode: flags.gpu ? 'gpu' : mode, date: new Date().toISOString(), environment: describeEnvironment(), load: { start: load, end: loadAverage() }, result }, keep);
  }
  if (keep) await writeDocs();
}

async function runOnnxImportBench(runs: number): Promise<void> {
  if (!(Number.isInteger(runs) && runs >= 1)) throw new Error(`--runs is a whole number ≥ 1; got '${runs}'.`);
  const { onnxImportProblem, runOnnxImport } = await import('./onnxImport/onnxImport');
  const problem = onnxImportProblem();
  if (problem) return log(`${problem}; nothing written.`);
  const load = loadAverage();
  const result = await runOnnxImport({ runs, log });
  const { median, quartiles, min, max } = result.studioImportMs;
  log(`studio import: median ${median} ms (quartiles ${quartiles.join('–')}, range ${min}–${max}) over ${runs} runs; target ${result.targetMs} ms`);
  record({ kind: 'onnx-import', mode: 'full', date: new Date().toISOString(), environment: describeEnvironment(), load: { start: load, end: loadAverage() }, result }, false);
}

function record(run: RunFile, keep: boolean): void {
  log(`wrote ${writeRunFile(run)}`);
  if (keep) updateLatest(run);
}

async function writeDocs(): Promise<void> {
  const latest = readLatest();
  if (!latest) throw new Error('bench/results/latest.json is missing: run a full benchmark first.');
  const { writeReport } = await import('./report/report');
  log(`wrote ${writeReport(latest).join(', ')}`);
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
