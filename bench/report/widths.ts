/**
 * The trained protocol's widths table (issue 21): each task's selected model with and without kept channels rounded
 * to a multiple, its FLOPs ratio (the speed-up the FLOPs promise) and its measured paired speed-up at batch 1 and 32,
 * with the 95% intervals, and the check of the target at batch 32.
 */
import type { TaskResult, WidthLatency, WidthRun } from '../quality/types';
import { WIDTH_TARGET } from '../quality/widths';
import { ratio, share, table } from './format';
import { unseenText, verdictText } from './verdicts';

const flopsRatio = (run: WidthRun): number | undefined => (run.selected ? 1 / (1 - run.selected.flopsRemoved) : undefined);

const speedupText = (latency: WidthLatency | undefined): string =>
  latency ? `${latency.speedup.toFixed(2)}× (${latency.interval[0].toFixed(2)}–${latency.interval[1].toFixed(2)}, ${latency.pairs} pairs)` : '–';

const at = (run: WidthRun, batchSize: number): WidthLatency | undefined => run.latency?.find((latency) => latency.batchSize === batchSize);

/** "16,16,12 … 64,48" : the first and last kept counts of a long list. */
function widthsText(kept: number[]): string {
  return kept.length <= 8 ? kept.join(', ') : `${kept.slice(0, 4).join(', ')} … ${kept.slice(-3).join(', ')}`;
}

export function widthsSection(tasks: TaskResult[]): string[] {
  const rows = tasks.flatMap((task) => task.criteria.flatMap((criterion) => (criterion.widths ?? []).map((run) => ({ task, criterion, run }))));
  const lines = ['### Hardware-friendly widths: latency against FLOPs (issue 21)', ''];
  if (rows.length === 0) return [...lines, 'Not yet measured: the trained protocol (`npm run bench -- quality --protocol trained`) fills this table.'];
  const checked = rows.filter(({ run }) => at(run, WIDTH_TARGET.batchSize) && flopsRatio(run) !== undefined);
  const met = checked.filter(({ run }) => at(run, WIDTH_TARGET.batchSize)!.speedup >= WIDTH_TARGET.share * flopsRatio(run)!);
  lines.push(
    `The default run (\`${rows[0].criterion.criterion}\`) of each task searched again from the same sparse-trained model with every layer's kept channels rounded to a multiple (\`--round-to\`; 1: not rounded), selected by the same rule; then each selected model timed in turn with the unpruned start (A/B, B/A…, Node \`wasm\`, one thread, after all training had ended) until the 95% interval of the speed-up is within ±3% or 20 s have gone. "FLOPs ratio" is the unpruned model's FLOPs over the selected one's: the speed-up the FLOPs promise. The intervals are order statistics of the pairs' ratios: the spread of this run, on a machine shared with other work.`,
    '',
    table(
      ['task', 'rounded to', 'selected ratio', 'FLOPs removed', 'FLOPs ratio', 'speed-up, 1 image', `speed-up, batch ${WIDTH_TARGET.batchSize}`, `batch ${WIDTH_TARGET.batchSize} / FLOPs ratio`, 'verdict', 'on unseen images', 'channels kept per group'],
      rows.map(({ task, run }) => {
        const promised = flopsRatio(run);
        const measured = at(run, WIDTH_TARGET.batchSize);
        return [
          task.task.name,
          run.roundTo === 1 ? 'not rounded' : `${run.roundTo}`,
          run.selected ? String(run.selected.ratio) : '–',
          share(run.selected?.flopsRemoved),
          ratio(promised),
          speedupText(at(run, 1)),
          speedupText(measured),
          measured && promised ? (measured.speedup / promised).toFixed(2) : '–',
          verdictText(run),
          unseenText(run),
          widthsText(run.keptChannels),
        ];
      }),
    ),
    '',
    `Target (issue 21): the selected model's speed-up at batch ${WIDTH_TARGET.batchSize} on wasm at least ${WIDTH_TARGET.share}× its FLOPs ratio: **met by ${met.length} of ${checked.length}** selected models.`,
    '',
    'Not measured: WebGPU. The only GPU adapter this machine\'s headless Chromium has is SwiftShader, a software renderer on the CPU, whose timings say nothing about a GPU\'s kernels; `npm run bench -- speed --gpu` refuses it. Why rounding is off by default: docs/DECISIONS.md, "Kept channels rounded to a multiple".',
  );
  return lines;
}
