/**
 * The real network's speed section (issue 21): the studio's default run on ResNet-56 against PyTorch doing the same
 * work, round by round, the share of a step each kernel takes, and the convolutions kernel against kernel.
 */
import type { SpeedResults, Spread } from '../speed/types';
import { millis, rate, ratio, seconds, table } from './format';

/** The target: the default run from a trained model at least 0.3× PyTorch with its default threads. */
const TARGET = 0.3;

const gmacs = (macs: number, ms: number): string => (macs / ms / 1e6).toFixed(1);

const spreadText = (spread: Spread): string => `${ratio(spread.median)} (${ratio(spread.min)}–${ratio(spread.max)})`;

export function realNetworkSection(speed: SpeedResults & { realNetworkRun?: { date: string; load: { start: number; end: number } } }): string[] {
  const lines = ['### The real network: ResNet-56, the studio\'s default run against PyTorch (issue 21)', ''];
  const real = speed.realNetwork;
  if (!real) return [...lines, speed.realNetworkSkipped ? `Not measured: ${speed.realNetworkSkipped}.` : 'Not yet measured: `npm run bench -- speed --real` fills this section.'];
  const when = speed.realNetworkRun ? ` (run of ${speed.realNetworkRun.date.slice(0, 16).replace('T', ' ')} UTC, load average ${speed.realNetworkRun.load.start}–${speed.realNetworkRun.load.end})` : '';
  lines.push(
    `\`${real.model}\`${when}: the default run from a trained model as the CLI runs it (one sparse epoch, GFR layers, distillation from the loaded network, its forward pass on every batch, the sparsity controller and the accuracy guard, Adam 3e-4, batch ${real.batchSize}; Node \`wasm\`, one thread) on ${real.fit.toLocaleString('en-US')} CIFAR-10 images of \`../shared/real\` with ${real.calibration} held out for the guard (5 readings per epoch), against \`bench/speed/torch_resnet56.py\`: the same network, gates, loss, teacher pass and guard readings in PyTorch on the CPU, with its default threads (${real.threads}) and with one. The three run in turn, round by round. images/s: the training images over the loop's time (teacher, controller and guard included, as the CLI logs it); "the call" adds what \`session.train\` does once (instrumenting, the start's BN recalibration, the teacher's model).`,
    '',
    table(
      ['round', 'tfjs images/s', 'the call (s)', `PyTorch, ${real.threads} threads`, 'PyTorch, 1 thread', 'tfjs / PyTorch\'s better run', `tfjs / PyTorch ${real.threads} threads`, 'tfjs / PyTorch 1 thread'],
      real.rounds.map((round, i) => [
        String(i + 1), rate(round.tfjs.imagesPerSec), (round.tfjs.wallMs / 1000).toFixed(1), rate(round.pytorch.imagesPerSec), rate(round.pytorchOneThread.imagesPerSec),
        ratio(round.tfjs.imagesPerSec / Math.max(round.pytorch.imagesPerSec, round.pytorchOneThread.imagesPerSec)),
        ratio(round.tfjs.imagesPerSec / round.pytorch.imagesPerSec), ratio(round.tfjs.imagesPerSec / round.pytorchOneThread.imagesPerSec),
      ]),
    ),
    '',
    `**tfjs ${spreadText(real.ratio)} PyTorch's better run of each round** (median of ${real.rounds.length} rounds, range; target ≥ ${TARGET}× PyTorch with its default threads: ${real.ratio.median >= TARGET ? 'met' : 'missed'}); ${spreadText(real.ratioDefaultThreads)} PyTorch on its ${real.threads} default threads, ${spreadText(real.ratioOneThread)} on one. On a loaded machine PyTorch's default run can be far the slower (its OpenMP threads wait for each other), so the ratio that counts divides by its better run: it never makes tfjs look faster than either.`,
  );
  if (real.profile) {
    const total = real.profile.kernels.reduce((sum, kernel) => sum + kernel.msPerStep, 0);
    lines.push(
      '',
      `Where a step goes (\`tf.profile\`, ${millis(real.profile.stepMs)} ms per step of ${real.batchSize} in the profiled run, no guard reading counted): the kernels above 1% of the kernel time.`,
      '',
      table(
        ['kernel', 'calls per step', 'ms per step', 'share'],
        real.profile.kernels.filter((kernel) => kernel.msPerStep >= 0.01 * total).map((kernel) => [
          kernel.name, kernel.callsPerStep.toFixed(0), millis(kernel.msPerStep), `${((100 * kernel.msPerStep) / total).toFixed(1)}%`,
        ]),
      ),
    );
  }
  if (real.kernels?.length) {
    lines.push(
      '',
      `The convolutions themselves, kernel against kernel: each stage's 3×3 convolution at batch ${real.batchSize}, one thread, CPU time (less sensitive than wall time to the other work on the machine), medians; GMAC/s of the forward pass.`,
      '',
      table(
        ['convolution', 'tfjs forward', 'tfjs input grad.', 'tfjs filter grad.', 'PyTorch forward', 'PyTorch input grad.', 'PyTorch filter grad.', 'tfjs / PyTorch, all three'],
        real.kernels.map((row) => {
          const t = row.tfjs;
          const p = row.pytorch;
          const sum = (k: typeof t) => k.forwardMs + k.inputGradMs + k.filterGradMs;
          return [
            row.shape,
            `${millis(t.forwardMs)} ms (${gmacs(row.macs, t.forwardMs)})`, millis(t.inputGradMs), millis(t.filterGradMs),
            p ? `${millis(p.forwardMs)} ms (${gmacs(row.macs, p.forwardMs)})` : '–', p ? millis(p.inputGradMs) : '–', p ? millis(p.filterGradMs) : '–',
            p ? ratio(sum(p) / sum(t)) : '–',
          ];
        }),
      ),
    );
  }
  lines.push('', `Time of the whole real-network measurement: ${seconds(real.rounds.reduce((sum, round) => sum + round.tfjs.wallMs + round.pytorch.elapsedMs + round.pytorchOneThread.elapsedMs, 0))} of training runs.`);
  return lines;
}
