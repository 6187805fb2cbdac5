/** Messages between the bench page and its worker. */
import type { PruningLatency, StepProfile, TrainingSpeed } from '../speed/types';

export interface BenchRequest {
  backend: string;
  steps: number;
  warmupSteps: number;
  batchSize: number;
  latencyBatchSizes: number[];
  latencyRuns: number;
  /** Steps to profile kernel by kernel after the timed ones; 0: none. */
  profileSteps: number;
  /** Refuse a software WebGPU adapter (SwiftShader, or any fallback adapter): the GPU mode measures real GPUs only. */
  hardwareGpu: boolean;
  /** wasm threads (more than 1: the threaded build, which needs an isolated page). */
  threads: number;
  /** Whether the page is served cross-origin isolated (COOP/COEP; `isolated=0` in its address turns them off). */
  isolated: boolean;
}

export type BenchReply =
  | { ok: true; backend: string; training: TrainingSpeed; latency: PruningLatency; profile?: StepProfile; note?: string; threads?: number }
  | { ok: false; error: string; note?: string };

/** Query string → request; the Node side builds the same query. */
export function requestFromQuery(query: URLSearchParams): BenchRequest {
  const number = (name: string, fallback: number) => Number(query.get(name) ?? fallback);
  return {
    backend: query.get('backend') ?? 'wasm',
    steps: number('steps', 5),
    warmupSteps: number('warmup', 2),
    batchSize: number('batch', 64),
    latencyBatchSizes: (query.get('latencyBatches') ?? '1,64').split(',').map(Number),
    latencyRuns: number('latencyRuns', 10),
    profileSteps: number('profile', 0),
    hardwareGpu: query.get('hardwareGpu') === '1',
    threads: number('threads', 1),
    isolated: query.get('isolated') !== '0',
  };
}

export function queryFromRequest(request: BenchRequest): string {
  return new URLSearchParams({
    backend: request.backend,
    steps: String(request.steps),
    warmup: String(request.warmupSteps),
    batch: String(request.batchSize),
    latencyBatches: request.latencyBatchSizes.join(','),
    latencyRuns: String(request.latencyRuns),
    profile: String(request.profileSteps),
    hardwareGpu: request.hardwareGpu ? '1' : '0',
    threads: String(request.threads),
    isolated: request.isolated ? '1' : '0',
  }).toString();
}
