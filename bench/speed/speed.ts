/**
 * `npm run bench -- speed`: training throughput of the same model, batch and
 * input on every tfjs path (Node cpu, wasm on 1 and 2 threads; Chromium webgpu,
 * webgl, wasm on a page not isolated and on 2 threads in an isolated one)
 * against PyTorch on the CPU, and the pruned model's latency on each.
 */
import { availableParallelism } from 'node:os';
import { useNodeBackend } from '../../src/engine/backend/node';
import { loadAverage } from '../common/environment';
import { SPEED_BATCH, SPEED_INPUT, SPEED_MODEL } from './probe';
import { GPU_CHROMIUM_ARGS, measureInChromium, type BrowserRun } from './browserSpeed';
import { measureFastPaths } from './fastPaths';
import { measureInChildProcess, measureInNode, type NodeRun } from './nodeSpeed';
import { measurePytorch } from './torch';
import { DEFAULT_RUN_BATCH, defaultRunKernels, measureDefaultRunSteps } from './defaultRunProfile';
import type { DefaultRunSpeed, FastPathComparison, SpeedPath, SpeedResults } from './types';
import { measureRealNetwork, REAL_NETWORK_PLAN } from './realNetwork';

export interface SpeedOptions {
  mode: 'quick' | 'full';
  browser: boolean;
  /** Only the training probe on a real GPU in Chromium (WebGPU); a software adapter is refused. */
  gpu?: boolean;
  /** Only the real network (bench/speed/realNetwork.ts); latest.json keeps the other speed figures. */
  realOnly?: boolean;
  log: (line: string) => void;
}

interface Plan {
  node: NodeRun[];
  chromium: BrowserRun[];
  pytorchSteps: number;
  /** Rounds of the wasm fast-path comparison (bench/speed/fastPaths.ts); 0: none. */
  fastPathRounds: number;
}

const MINUTE = 60_000;
/** A page without the isolation headers: the plain SIMD build, one thread (what most hosts give). */
const UNISOLATED = { threads: 1, isolated: false };
/** An isolated page with `?threads=2`: the threaded SIMD build. */
const ISOLATED_2T = { threads: 2, isolated: true };

/**
 * Step counts per path. The cpu backend takes about 100 s per step of this
 * model and the software (SwiftShader) GPU paths tens of seconds: they get one
 * or a few steps; quick mode skips them.
 */
function plan(mode: SpeedOptions['mode']): Plan {
  const batchSize = SPEED_BATCH;
  const fast = { batchSizes: [1, batchSize], runs: 10 };
  const slow = { batchSizes: [1], runs: 5 };
  if (mode === 'quick') {
    return {
      node: [
        { backend: 'wasm', training: { steps: 3, warmupSteps: 1, batchSize }, latency: { batchSizes: [1], runs: 3 } },
        { backend: 'wasm', threads: 2, training: { steps: 3, warmupSteps: 1, batchSize }, latency: { batchSizes: [1], runs: 3 } },
        { backend: 'cpu', training: null, latency: { batchSizes: [1], runs: 1 }, note: 'training skipped in quick mode' },
      ],
      chromium: [UNISOLATED, ISOLATED_2T].map((threads) => ({
        backend: 'wasm', steps: 3, warmupSteps: 1, batchSize, latencyBatchSizes: [1], latencyRuns: 3, profileSteps: 0, hardwareGpu: false, timeoutMs: 3 * MINUTE, ...threads,
      })),
      pytorchSteps: 5,
      fastPathRounds: 0,
    };
  }
  return {
    node: [
      { backend: 'wasm', training: { steps: 20, warmupSteps: 2, batchSize }, latency: fast, profileSteps: 3 },
      { backend: 'wasm', threads: 2, training: { steps: 20, warmupSteps: 2, batchSize }, latency: fast, profileSteps: 3 },
      // A cpu step of this model takes minutes on a loaded machine, and no page trains on cpu by choice.
      { backend: 'cpu', training: null, latency: { batchSizes: [1], runs: 3 }, note: 'training not timed (about 100 s a step on an idle machine, session 1)' },
    ],
    chromium: [
      { backend: 'wasm', steps: 20, warmupSteps: 2, batchSize, latencyBatchSizes: fast.batchSizes, latencyRuns: fast.runs, profileSteps: 3, hardwareGpu: false, timeoutMs: 6 * MINUTE, ...UNISOLATED },
      { backend: 'wasm', steps: 20, warmupSteps: 2, batchSize, latencyBatchSizes: fast.batchSizes, latencyRuns: fast.runs, profileSteps: 3, hardwareGpu: false, timeoutMs: 6 * MINUTE, ...ISOLATED_2T },
      { backend: 'webgl', steps: 3, warmupSteps: 1, batchSize, latencyBatchSizes: slow.batchSizes, latencyRuns: slow.runs, profileSteps: 1, hardwareGpu: false, timeoutMs: 10 * MINUTE, ...UNISOLATED },
      { backend: 'webgpu', steps: 2, warmupSteps: 1, batchSize, latencyBatchSizes: slow.batchSizes, latencyRuns: slow.runs, profileSteps: 1, hardwareGpu: false, timeoutMs: 10 * MINUTE, ...UNISOLATED },
    ],
    pytorchSteps: 30,
    fastPathRounds: 5,
  };
}

/** The GPU mode: the training probe on WebGPU with the machine's own GPU, nothing else but PyTorch for scale. */
function gpuPlan(): Plan {
  const batchSize = SPEED_BATCH;
  return {
    node: [],
    chromium: [{ backend: 'webgpu', steps: 20, warmupSteps: 3, batchSize, latencyBatchSizes: [1, batchSize], latencyRuns: 10, profileSteps: 3, hardwareGpu: true, timeoutMs: 10 * MINUTE, ...UNISOLATED }],
    pytorchSteps: 30,
    fastPathRounds: 0,
  };
}

export async function runSpeed(options: SpeedOptions): Promise<SpeedResults> {
  const start = performance.now();
  const { log } = options;
  if (options.realOnly) return { ...emptySpeedResults(options.mode), scope: 'real-network', ...(await realNetwork(options.mode, log)), elapsedMs: performance.now() - start };
  const steps = options.gpu ? gpuPlan() : plan(options.mode);
  const paths: SpeedPath[] = [];
  for (const run of steps.node) {
    const load = loadAverage();
    const path = (run.threads ?? 1) > 1 ? await measureInChildProcess(run, log) : await measureInNode(run, log);
    paths.push({ ...path, loadAverage: load });
  }
  const wasmTrained = paths.some((path) => path.name === 'node-wasm' && path.training);
  const fastPaths = steps.fastPathRounds > 0 && wasmTrained ? await measureWasmFastPaths(steps.fastPathRounds, log) : undefined;
  const defaultRun = steps.fastPathRounds > 0 && wasmTrained ? await measureDefaultRun(steps.fastPathRounds, log) : undefined;
  if (options.browser || options.gpu) paths.push(...(await measureInChromium(steps.chromium, log, options.gpu ? GPU_CHROMIUM_ARGS : undefined)));
  const real = options.gpu ? {} : await realNetwork(options.mode, log);
  const pytorch = await measurePytorch(steps.pytorchSteps, SPEED_BATCH, availableParallelism());
  if (typeof pytorch === 'string') log(pytorch);
  else log(`pytorch: ${pytorch.multiThreadImagesPerSec.toFixed(1)} images/s (${pytorch.threads} threads), ${pytorch.singleThreadImagesPerSec.toFixed(1)} (1 thread)`);

  const backends = Object.fromEntries(paths.flatMap((path) => (path.training ? [[path.name, path.training.imagesPerSec]] : [])));
  const bestPath = paths.filter((path) => path.training).sort((a, b) => b.training!.imagesPerSec - a.training!.imagesPerSec)[0];
  const pytorchImagesPerSec = typeof pytorch === 'string' ? null : pytorch.imagesPerSec;
  return {
    mode: options.gpu ? 'gpu' : options.mode,
    ...(fastPaths ? { fastPaths } : {}),
    ...(defaultRun ? { defaultRun } : {}),
    elapsedMs: performance.now() - start,
    model: SPEED_MODEL,
    input: SPEED_INPUT,
    batchSize: SPEED_BATCH,
    backends,
    paths,
    pytorchImagesPerSec,
    pytorch: typeof pytorch === 'string' ? null : pytorch,
    ...(typeof pytorch === 'string' ? { pytorchSkipped: pytorch } : {}),
    best: bestPath ? { name: bestPath.name, imagesPerSec: bestPath.training!.imagesPerSec, ratioToPytorch: pytorchImagesPerSec ? bestPath.training!.imagesPerSec / pytorchImagesPerSec : null } : null,
    ...real,
  };
}

/** The real network's default run against PyTorch (full mode; quick mode leaves it out: minutes on a small budget). */
async function realNetwork(mode: SpeedOptions['mode'], log: (line: string) => void): Promise<Pick<SpeedResults, 'realNetwork' | 'realNetworkSkipped'>> {
  if (mode === 'quick') return { realNetworkSkipped: 'left out of quick mode (ResNet-56 takes minutes even on a few steps); run without --quick' };
  await useNodeBackend('wasm');
  const result = await measureRealNetwork(REAL_NETWORK_PLAN[mode], log);
  if (typeof result === 'string') {
    log(result);
    return { realNetworkSkipped: result };
  }
  const spread = (s: typeof result.ratio) => `${s.median.toFixed(2)}× (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
  log(`real network: tfjs ${spread(result.ratio)} PyTorch's better run, ${spread(result.ratioDefaultThreads)} PyTorch on ${result.threads} threads, ${spread(result.ratioOneThread)} on one`);
  return { realNetwork: result };
}

function emptySpeedResults(mode: SpeedOptions['mode']): SpeedResults {
  return { mode, elapsedMs: 0, model: SPEED_MODEL, input: SPEED_INPUT, batchSize: SPEED_BATCH, backends: {}, paths: [], pytorchImagesPerSec: null, pytorch: null, best: null };
}

async function measureWasmFastPaths(rounds: number, log: (line: string) => void): Promise<FastPathComparison> {
  await useNodeBackend('wasm');
  const variants = await measureFastPaths(SPEED_BATCH, rounds);
  for (const v of variants) log(`node-wasm ${v.name}: median ${v.medianMs.toFixed(0)} ms/step, min ${v.minMs.toFixed(0)}`);
  return { rounds, variants };
}

async function measureDefaultRun(rounds: number, log: (line: string) => void): Promise<DefaultRunSpeed> {
  await useNodeBackend('wasm');
  const kernels = await defaultRunKernels();
  log(`node-wasm default run: ${kernels.kernelsPerStep.toFixed(0)} kernels per step (batch ${DEFAULT_RUN_BATCH})`);
  const variants = await measureDefaultRunSteps(rounds);
  for (const v of variants) log(`node-wasm default run, ${v.name}: median ${v.medianMs.toFixed(0)} ms/step, min ${v.minMs.toFixed(0)}`);
  return { countBatchSize: DEFAULT_RUN_BATCH, kernelsPerStep: kernels.kernelsPerStep, byName: kernels.byName, rounds, variants };
}
