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
