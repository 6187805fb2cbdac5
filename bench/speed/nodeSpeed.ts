/**
 * The Node paths: the engine on tfjs's `cpu` and `wasm` backends in this
 * process; threaded wasm in a child process of its own (nodeChild.ts), since
 * the wasm backend starts once per process with the threads it has then.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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
  /** wasm threads; more than 1 runs in a child process (measureInChildProcess). */
  threads?: number;
}

/** node-wasm, node-wasm-2t, node-cpu. */
export const nodePathName = (run: Pick<NodeRun, 'backend' | 'threads'>): string => `node-${run.backend}${(run.threads ?? 1) > 1 ? `-${run.threads}t` : ''}`;

export async function measureInNode(run: NodeRun, log: (line: string) => void): Promise<SpeedPath> {
  const name = nodePathName(run);
  try {
    const backend = await useNodeBackend(run.backend, { threads: run.threads ?? 1 });
    const training = run.training ? await measureTraining(run.training) : null;
    if (training) log(`${name}: ${training.imagesPerSec.toFixed(1)} images/s`);
    const latency = await measurePruningLatency(run.latency);
    const profile = run.profileSteps && run.training ? await profileTrainingStep(run.training.batchSize, run.profileSteps) : undefined;
    if (profile) log(`${name}: ${profile.kernelsPerStep.toFixed(0)} kernels per step`);
    return { name, environment: 'node', backend, training, latency, ...(profile ? { profile } : {}), ...(run.note ? { note: run.note } : {}) };
  } catch (error) {
    return failedPath(run, error instanceof Error ? error.message : String(error));
  }
}

const failedPath = (run: NodeRun, error: string): SpeedPath => ({ name: nodePathName(run), environment: 'node', backend: run.backend, training: null, latency: null, error });

/** measureInNode in a fresh Node process (tsx), for a wasm backend with its own threads. Its log lines come through. */
export function measureInChildProcess(run: NodeRun, log: (line: string) => void): Promise<SpeedPath> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./nodeChild.ts', import.meta.url)), JSON.stringify(run)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    const lines = err.split('\n');
    err = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') log(line);
  });
  return new Promise((resolve) => {
    child.on('error', (error) => resolve(failedPath(run, `the child process did not start: ${error.message}`)));
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(out) as SpeedPath);
      } catch {
        resolve(failedPath(run, `the child process ended with code ${code} and no result${err ? `: ${err.slice(-300)}` : ''}`));
      }
    });
  });
}
