/**
 * Sizes and accuracies of the exports (issue 13): pruned (float32) against
 * pruned + float16 and pruned + uint8 kernels, and the ONNX file run in
 * onnxruntime-web, on the benchmark tasks' trained starts.
 *   npx tsx bench/export/quantization.ts [--tasks lenet-digits,vgg-fashion] [--epochs N] [--start DIR]
 * Protocol: the trained start of `npm run bench -- quality --protocol trained`
 * (kept in ~/.cache/gfr-studio/starts; run that first), `gfr` sparse training
 * with the CLI's defaults for a trained model for `--epochs` epochs (1), the
 * task's search grid, the candidate chosen by the 1-point tolerance rule; every
 * accuracy on the task's validation images. Writes bench/results/<date>-export.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { useNodeBackend } from '../../src/engine/backend/node';
import { WEIGHT_QUANTIZATIONS } from '../../src/contract/candidate';
import { TRAINED_START_LEARNING_RATE } from '../../src/contract/settings';
import '../../src/engine/gfr/gfrLayer';
import { CompressionSession } from '../../src/engine/session';
import { onnxAccuracy } from '../../src/engine/testing/onnxRuntime';
import { describeEnvironment } from '../common/environment';
import { loadTaskData } from '../quality/data';
import { searchSettingsFor, trainSettingsFor } from '../quality/pipeline';
import { readSpec } from '../quality/specFile';
import { FULL_TASKS, protocolTask } from '../quality/tasks';

const log = (line: string): void => void process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { tasks: { type: 'string' }, start: { type: 'string' }, epochs: { type: 'string' } } });
  const epochs = Number(values.epochs ?? 1);
  const names = (values.tasks ?? 'lenet-digits,vgg-fashion').split(',');
  const startDir = values.start ?? join(homedir(), '.cache', 'gfr-studio', 'starts');
  await useNodeBackend('wasm');
  const rows = [];
  for (const task of FULL_TASKS.filter((t) => names.includes(t.name)).map((t) => protocolTask(t, 'trained'))) {
    const start = readSpec(join(startDir, `${task.name}-trained`));
    const data = await loadTaskData(task);
    const session = new CompressionSession(start, data, { trainedStart: true });
    const reference = await session.reference();
    log(`${task.name}: original ${(reference.accuracy * 100).toFixed(2)}%`);
    let lastLine = 0;
    const summary = await session.train('gfr', trainSettingsFor(task, epochs, { learningRate: TRAINED_START_LEARNING_RATE }), {
      onEvent: (event) => {
        if (event.kind === 'epoch' || performance.now() - lastLine < 30_000) return;
        lastLine = performance.now();
        log(`  step ${event.step}/${event.totalSteps} acc ${(event.accuracy * 100).toFixed(1)}%`);
      },
    });
    log(`  trained in ${(summary.elapsedMs / 1000).toFixed(0)} s`);
    for await (const { candidate } of session.search({ ...searchSettingsFor(task, 'gfr'), latencyRuns: 2 })) log(`  ratio ${candidate.ratio}: ${(candidate.accuracy * 100).toFixed(2)}%`);
    const selected = session.select({ kind: 'tolerance', tolerance: 1, by: 'ratio' })!;
    const baseline = session.candidates[0];
    for (const candidate of selected === baseline ? [baseline] : [baseline, selected]) {
      for (const quantization of WEIGHT_QUANTIZATIONS) await session.measureQuantized(candidate.index, quantization);
      const onnx = session.exportOnnx(candidate.index);
      const { validation } = data;
      const row = {
        task: task.name, candidate: candidate.index, ratio: candidate.ratio, params: candidate.params, flops: candidate.flops,
        float32: { accuracy: candidate.accuracy, weightBytes: candidate.weightBytes },
        float16: candidate.quantized!.float16!, uint8: candidate.quantized!.uint8!,
        onnx: { accuracy: await onnxAccuracy(onnx, validation), bytes: onnx.byteLength },
        original: reference.accuracy, validationImages: validation.count, sparseEpochs: epochs,
      };
      log(JSON.stringify(row));
      rows.push(row);
    }
  }
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}-export.json`);
  writeFileSync(file, JSON.stringify({ kind: 'export', date: new Date().toISOString(), environment: describeEnvironment(), rows }, null, 2));
  log(`wrote ${file}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
