/** The Node paths: the engine on tfjs's `cpu` and `wasm` backends in this process. */
import { useNodeBackend, type NodeBackendName } from '../../src/engine/backend/node';
import { measurePruningLatency, measureTraining, type LatencyProbe, type TrainingProbe } from './probe';
import { profileTrainingStep } from './stepProfile';
import type { SpeedPath } from './types';

export interface NodeRun {
  backend: NodeBackendName;
  /** null: latency only (a training step would not fit the run). */
  training: TrainingProbe | null;
  latency: LatencyProbe;
  /** Steps to profile kernel by kernel; 0 or absent: none. */
  profileSteps?: number;
  note?: string;
}

export async function measureInNode(run: NodeRun, log: (line: string) => void): Promise<SpeedPath> {
  const name = `node-${run.backend}`;
  try {
    const backend = await useNodeBackend(run.backend);
    const training = run.training ? await measureTraining(run.training) : null;
    if (training) log(`${name}: ${training.imagesPerSec.toFixed(1)} images/s`);
    const latency = await measurePruningLatency(run.latency);
    const profile = run.profileSteps && run.training ? await profileTrainingStep(run.training.batchSize, run.profileSteps) : undefined;
    if (profile) log(`${name}: ${profile.kernelsPerStep.toFixed(0)} kernels per step`);
    return { name, environment: 'node', backend, training, latency, ...(profile ? { profile } : {}), ...(run.note ? { note: run.note } : {}) };
  } catch (error) {
    return { name, environment: 'node', backend: run.backend, training: null, latency: null, error: error instanceof Error ? error.message : String(error) };
  }
}
