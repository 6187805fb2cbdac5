/** The speed benchmark's result JSON. */

export interface LatencyPair {
  batchSize: number;
  unprunedMs: number;
  prunedMs: number;
}

export interface PruningLatency {
  /** Share of prunable channels removed in the pruned model. */
  ratio: number;
  flopsUnpruned: number;
  flopsPruned: number;
  /** Pruned FLOPs / unpruned FLOPs. */
  flopsRatio: number;
  runs: LatencyPair[];
}

export interface TrainingSpeed {
  backend: string;
  imagesPerSec: number;
  /** Timed steps, after `warmupSteps` untimed ones. */
  steps: number;
  warmupSteps: number;
  batchSize: number;
}

export interface KernelProfile {
  name: string;
  callsPerStep: number;
  /** Time inside the kernel per step (wall time on wasm and cpu; GPU time on webgl and webgpu). */
  msPerStep: number;
}

export interface StepProfile {
  backend: string;
  batchSize: number;
  /** Profiled steps (after a warm-up). */
  steps: number;
  /** Kernels the engine dispatches per training step. */
  kernelsPerStep: number;
  /** Wall time per step while profiling (slower than unprofiled: the profiler reads every output). */
  profiledStepMs: number;
  /** Slowest first. */
  kernels: KernelProfile[];
}

export interface SpeedPath {
  /** e.g. node-wasm, chromium-webgpu. */
  name: string;
  environment: 'node' | 'chromium';
  backend: string;
  training: TrainingSpeed | null;
  latency: PruningLatency | null;
  /** Why the path has no figure, when it failed. */
  error?: string;
  /** e.g. the WebGPU adapter. */
  note?: string;
  /** Kernels per step and per-kernel times, where profiled. */
  profile?: StepProfile;
  /** 1-minute load average when the path started. */
  loadAverage?: number;
}

export interface PytorchSpeed {
  version: string;
  threads: number;
  /** The reference: the better of the multi- and single-threaded runs. */
  imagesPerSec: number;
  /** With `threads` threads (all cores). */
  multiThreadImagesPerSec: number;
  /** The same with one thread, for comparison with tfjs's single-threaded wasm. */
  singleThreadImagesPerSec: number;
  steps: number;
  batchSize: number;
}

export interface FastPathVariant {
  /** 'all on', 'all off' or 'without <path>'. */
  name: string;
  medianMs: number;
  minMs: number;
}

export interface FastPathComparison {
  /** Rounds of the alternation (every variant once per round). */
  rounds: number;
  variants: FastPathVariant[];
}

export interface SpeedResults {
  /** gpu: `--gpu`, the training probe on a hardware WebGPU adapter only. */
  mode: 'quick' | 'full' | 'gpu';
  /** `real-network` (`--real`): only the real network was measured; latest.json keeps the rest of its speed figures. */
  scope?: 'all' | 'real-network';
  /** Node wasm, one thread: each fast path of src/engine/backend/wasmKernelConfig.ts on and off, alternated. */
  fastPaths?: FastPathComparison;
  /** Node wasm, one thread: the studio's default run (GFR, teacher, controller, guard), bench/speed/defaultRunProfile.ts. */
  defaultRun?: DefaultRunSpeed;
  elapsedMs: number;
  model: string;
  input: number[];
  batchSize: number;
  /** Path name → training images/s. */
  backends: Record<string, number>;
  paths: SpeedPath[];
  pytorchImagesPerSec: number | null;
  pytorch: PytorchSpeed | null;
  /** Why PyTorch was not measured. */
  pytorchSkipped?: string;
  best: { name: string; imagesPerSec: number; ratioToPytorch: number | null } | null;
  /** The default run on the real ResNet-56 against PyTorch (bench/speed/realNetwork.ts); absent in older results. */
  realNetwork?: RealNetworkSpeed;
  /** Why the real network was not measured (its files or PyTorch missing). */
  realNetworkSkipped?: string;
}

/** One PyTorch run of bench/speed/torch_resnet56.py. */
export interface RealPytorchRun {
  imagesPerSec: number;
  elapsedMs: number;
  /** The teacher's forward passes, the training steps and the guard's readings, ms in all. */
  teacherMs: number;
  stepMs: number;
  guardMs: number;
  threads: number;
  torch: string;
}

export interface RealNetworkRound {
  /** The default run in Node wasm, one thread, as the CLI runs it: the loop's images/s, and the whole call's time. */
  tfjs: { imagesPerSec: number; loopMs: number; wallMs: number; steps: number; images: number };
  pytorch: RealPytorchRun;
  pytorchOneThread: RealPytorchRun;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface RealNetworkSpeed {
  model: string;
  /** Images trained on and held out for the guard, per run. */
  fit: number;
  calibration: number;
  batchSize: number;
  /** PyTorch's default threads (the machine's cores). */
  threads: number;
  /** tfjs, PyTorch on all cores, PyTorch on one, in turn, round by round. */
  rounds: RealNetworkRound[];
  /** tfjs's images/s over PyTorch's of the same round: its better run, its default threads, one thread. */
  ratio: Spread;
  ratioDefaultThreads: Spread;
  ratioOneThread: Spread;
  /** Kernel time per training step of the default run (tf.profile; no guard reading counted). */
  profile?: { stepMs: number; kernels: KernelProfile[] };
  /** Each stage's 3×3 convolution, tfjs's wasm kernels against PyTorch's, one thread, CPU time. */
  kernels?: ConvolutionKernels[];
}

export interface KernelTimes {
  forwardMs: number;
  inputGradMs: number;
  filterGradMs: number;
}

export interface ConvolutionKernels {
  /** "32x32x16->16": side, input and output channels. */
  shape: string;
  /** Multiply–accumulates of the forward pass at the batch timed. */
  macs: number;
  tfjs: KernelTimes;
  pytorch: KernelTimes | null;
}

export interface DefaultRunSpeed {
  /** Batch of the kernel count. */
  countBatchSize: number;
  kernelsPerStep: number;
  /** Kernels per step by name, most first. */
  byName: Array<{ name: string; perStep: number }>;
  /** Rounds of the step-time comparison (GFR fusions on against off). */
  rounds: number;
  variants: FastPathVariant[];
}
