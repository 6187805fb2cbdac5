/**
 * The speed benchmark on a real network (issue 21): the studio's default run from a trained model (GFR layers,
 * distillation with the teacher's forward pass, the sparsity controller and the accuracy guard; one epoch, as the
 * CLI runs it on one wasm thread) on ResNet-56 and CIFAR-10 images read in place from ../shared/real, in images/s,
 * against PyTorch doing the same work on the same machine (bench/speed/torch_resnet56.py) with its default threads and
 * with one, the three interleaved round by round; and where a step's time goes, per kernel (tf.profile).
 */
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { subsetDataset } from '../../src/engine/data/split';
import { median } from '../../src/engine/eval/latency';
import { CompressionSession } from '../../src/engine/session';
import { DEFAULT_TRAIN_SETTINGS, TRAINED_START_SETTINGS, type TrainSettings } from '../../src/contract/settings';
import { PYTHON_PATH, torchVersion } from '../common/environment';
import { loadTaskData, readTaskModel, realFilesProblem } from '../quality/data';
import { FULL_TASKS, isModelFile } from '../quality/tasks';
import { kernelsOf, kernelsPerStep } from './stepProfile';
import type { ConvolutionKernels, KernelProfile, KernelTimes, RealNetworkRound, RealNetworkSpeed, RealPytorchRun } from './types';

const TASK = FULL_TASKS.find((task) => task.name === 'resnet56-cifar')!;
const SCRIPT = fileURLToPath(new URL('./torch_resnet56.py', import.meta.url));

export interface RealNetworkOptions {
  /** Training images of each run: 90% fit, 10% calibration (the session's split), so 5 guard readings per epoch. */
  images: number;
  rounds: number;
  /** Steps profiled per kernel (0: none). */
  profileSteps: number;
  /** Timed repeats of each stage's convolution kernels, tfjs against PyTorch (0: none). */
  kernelRepeats: number;
}

export const REAL_NETWORK_PLAN: Record<'quick' | 'full', RealNetworkOptions> = {
  quick: { images: 160, rounds: 1, profileSteps: 0, kernelRepeats: 1 },
  // 800 images: 720 fit (12 steps of 64), 80 calibration. On the shared 2-core machine a round (tfjs, PyTorch on 2
  // threads and on 1) takes 5–15 min under load: two rounds keep the run near 20 min.
  full: { images: 800, rounds: 2, profileSteps: 2, kernelRepeats: 5 },
};

/** Why the real network cannot be measured here (its files are missing), or null. */
export const realNetworkProblem = (): string | null => realFilesProblem(TASK);

/** The CLI's settings for a trained model: one sparse epoch, the automatic target, distillation, the guard. */
export const DEFAULT_RUN_SETTINGS: TrainSettings = { ...DEFAULT_TRAIN_SETTINGS, ...TRAINED_START_SETTINGS, epochs: 1 };

export async function realNetworkSession(images: number): Promise<CompressionSession> {
  if (!isModelFile(TASK.model)) throw new Error('resnet56-cifar reads a model file');
  const data = await loadTaskData({ ...TASK, trainCount: images, valCount: 64 });
  const spec = await readTaskModel(TASK.model);
  const made = new CompressionSession(spec, { train: subsetDataset(data.train, Int32Array.from({ length: images }, (_, i) => i), data.train.source), validation: data.validation }, { trainedStart: true });
  await made.reference();
  return made;
}

/** One default run: the loop's images/s (teacher, controller and guard included, as the CLI logs it) and the call's wall time. */
async function tfjsRun(made: CompressionSession): Promise<RealNetworkRound['tfjs']> {
  const start = performance.now();
  const summary = await made.train('gfr', DEFAULT_RUN_SETTINGS);
  return { imagesPerSec: summary.imagesPerSec, loopMs: summary.elapsedMs, wallMs: performance.now() - start, steps: summary.steps, images: summary.images };
}

async function pytorchRun(fit: number, calibration: number, threads: number): Promise<RealPytorchRun> {
  const { stdout } = await promisify(execFile)(PYTHON_PATH, [SCRIPT, String(fit), String(calibration), String(DEFAULT_RUN_SETTINGS.batchSize), String(threads)], { timeout: 600_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as RealPytorchRun;
}

/**
 * Kernel time per step of the default run: a run of `steps` + 1 steps less a run of 1 step (what a run does once
 * does not count), one guard reading per epoch so that none falls in the counted steps.
 */
export async function profileDefaultRun(made: CompressionSession, steps: number): Promise<{ stepMs: number; kernels: KernelProfile[] }> {
  const run = async (maxSteps: number) => {
    let elapsedMs = 0;
    const info = await tf.profile(async () => {
      elapsedMs = (await made.train('gfr', { ...DEFAULT_RUN_SETTINGS, maxSteps, guardReadings: 1 })).elapsedMs;
    });
    return { kernels: kernelsOf(info), elapsedMs };
  };
  const once = await run(1);
  const many = await run(1 + steps);
  return { stepMs: (many.elapsedMs - once.elapsedMs) / steps, kernels: kernelsPerStep(once.kernels, many.kernels, steps) };
}

/** ResNet-56's three stages: side and channels of their 3×3 convolutions (stride 1), as torch_resnet56.py's `kernels`. */
const STAGES: [number, number][] = [[32, 16], [16, 32], [8, 64]];

const cpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/**
 * The forward pass, the input gradient and the filter gradient of each stage's convolution on wasm (this process's
 * thread), CPU time, medians of `repeats` after one untimed round; the three alternate round by round.
 */
function tfjsKernels(batch: number, repeats: number): ConvolutionKernels[] {
  return STAGES.map(([side, channels]) => {
    const x = tf.randomNormal([batch, side, side, channels]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, channels, channels]) as tf.Tensor4D;
    const dy = tf.randomNormal([batch, side, side, channels]) as tf.Tensor4D;
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC' };
    const work: Record<keyof KernelTimes, () => tf.Tensor> = {
      forwardMs: () => tf.conv2d(x, w, 1, 'same'),
      inputGradMs: () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape }) as tf.Tensor,
      filterGradMs: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape }) as tf.Tensor,
    };
    const times: Record<keyof KernelTimes, number[]> = { forwardMs: [], inputGradMs: [], filterGradMs: [] };
    try {
      for (let round = 0; round <= repeats; round++) {
        for (const name of Object.keys(work) as (keyof KernelTimes)[]) {
          const start = cpuMs();
          const out = work[name]();
          out.dataSync();
          const spent = cpuMs() - start;
          out.dispose();
          if (round > 0) times[name].push(spent);
        }
      }
    } finally {
      tf.dispose([x, w, dy]);
    }
    const tfjs = { forwardMs: median(times.forwardMs), inputGradMs: median(times.inputGradMs), filterGradMs: median(times.filterGradMs) };
    return { shape: `${side}x${side}x${channels}->${channels}`, macs: batch * side * side * 9 * channels * channels, tfjs, pytorch: null };
  });
}

async function pytorchKernels(batch: number, repeats: number): Promise<(KernelTimes & { shape: string })[]> {
  const { stdout } = await promisify(execFile)(PYTHON_PATH, [SCRIPT, 'kernels', String(batch), String(repeats)], { timeout: 600_000 });
  return (JSON.parse(stdout.trim().split('\n').pop()!) as { kernels: (KernelTimes & { shape: string })[] }).kernels;
}

/** Where the time of a convolution goes on each side: tfjs's wasm kernels against PyTorch's, one thread, CPU time. */
export async function compareConvolutions(batch: number, repeats: number): Promise<ConvolutionKernels[]> {
  const rows = tfjsKernels(batch, repeats);
  const torch = await pytorchKernels(batch, repeats);
  return rows.map((row) => {
    const match = torch.find((other) => other.shape === row.shape);
    return { ...row, pytorch: match ? { forwardMs: match.forwardMs, inputGradMs: match.inputGradMs, filterGradMs: match.filterGradMs } : null };
  });
}

export async function measureRealNetwork(options: RealNetworkOptions, log: (line: string) => void): Promise<RealNetworkSpeed | string> {
  const problem = realNetworkProblem();
  if (problem) return problem;
  if (!torchVersion()) return `real network: PyTorch is not installed for ${PYTHON_PATH} (apt-get install python3-torch); skipped`;
  const made = await realNetworkSession(options.images);
  const { fit, calibration } = made;
  const threads = availableParallelism();
  // Kernels set up, caches warm: the first round is not a first run.
  await made.train('gfr', { ...DEFAULT_RUN_SETTINGS, maxSteps: 2 });
  const rounds: RealNetworkRound[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const tfjs = await tfjsRun(made);
    log(`real network, round ${round + 1}: tfjs wasm (1 thread) ${tfjs.imagesPerSec.toFixed(1)} images/s (${tfjs.steps} steps; the call ${(tfjs.wallMs / 1000).toFixed(1)} s)`);
    const pytorch = await pytorchRun(fit.count, calibration.count, threads);
    const pytorchOne = await pytorchRun(fit.count, calibration.count, 1);
    log(`real network, round ${round + 1}: PyTorch ${pytorch.imagesPerSec.toFixed(1)} images/s (${pytorch.threads} threads), ${pytorchOne.imagesPerSec.toFixed(1)} (1 thread)`);
    rounds.push({ tfjs, pytorch, pytorchOneThread: pytorchOne });
  }
  const spread = (values: number[]) => ({ median: median(values), min: Math.min(...values), max: Math.max(...values) });
  const ratio = (of: (round: RealNetworkRound) => number) => spread(rounds.map((round) => round.tfjs.imagesPerSec / of(round)));
  const profile = options.profileSteps > 0 ? await profileDefaultRun(made, options.profileSteps) : undefined;
  const kernels = options.kernelRepeats > 0 ? await compareConvolutions(DEFAULT_RUN_SETTINGS.batchSize, options.kernelRepeats) : undefined;
  for (const row of kernels ?? []) log(`real network, ${row.shape}: tfjs ${kernelText(row.tfjs, row.macs)}; PyTorch ${row.pytorch ? kernelText(row.pytorch, row.macs) : '–'}`);
  return {
    model: TASK.name, fit: fit.count, calibration: calibration.count, batchSize: DEFAULT_RUN_SETTINGS.batchSize, threads, rounds,
    // Against the better PyTorch run of the round: on a loaded machine its OpenMP threads, waiting for each other, can
    // make the default-threads run the slower one, and a ratio to it would flatter tfjs.
    ratio: ratio((round) => Math.max(round.pytorch.imagesPerSec, round.pytorchOneThread.imagesPerSec)),
    ratioDefaultThreads: ratio((round) => round.pytorch.imagesPerSec),
    ratioOneThread: ratio((round) => round.pytorchOneThread.imagesPerSec),
    ...(profile ? { profile } : {}),
    ...(kernels ? { kernels } : {}),
  };
}

const kernelText = (times: KernelTimes, macs: number): string =>
  `forward ${times.forwardMs.toFixed(1)} ms (${(macs / times.forwardMs / 1e6).toFixed(1)} GMAC/s), input gradient ${times.inputGradMs.toFixed(1)}, filter gradient ${times.filterGradMs.toFixed(1)}`;
