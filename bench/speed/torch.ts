/** The PyTorch reference: bench/speed/torch_vgg.py run by Debian's /usr/bin/python3, when torch is installed. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PYTHON_PATH, torchVersion } from '../common/environment';
import type { PytorchSpeed } from './types';

const SCRIPT = fileURLToPath(new URL('./torch_vgg.py', import.meta.url));

interface ScriptOutput {
  imagesPerSec: number;
  steps: number;
  batchSize: number;
  threads: number;
  torch: string;
}

async function runScript(steps: number, batchSize: number, threads: number): Promise<ScriptOutput> {
  const { stdout } = await promisify(execFile)(PYTHON_PATH, [SCRIPT, String(steps), String(batchSize), String(threads)], { timeout: 600_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as ScriptOutput;
}

/**
 * PyTorch's training images/s on all cores and on one; the reference is the
 * better of the two (on a loaded machine, OpenMP threads that wait for each
 * other can make the multi-threaded run the slower). A reason string when it cannot run.
 */
export async function measurePytorch(steps: number, batchSize: number, threads: number): Promise<PytorchSpeed | string> {
  if (!torchVersion()) return `PyTorch is not installed for ${PYTHON_PATH} (apt-get install python3-torch); skipped`;
  try {
    const all = await runScript(steps, batchSize, threads);
    const one = await runScript(steps, batchSize, 1);
    return {
      version: all.torch,
      threads: all.threads,
      imagesPerSec: Math.max(all.imagesPerSec, one.imagesPerSec),
      multiThreadImagesPerSec: all.imagesPerSec,
      singleThreadImagesPerSec: one.imagesPerSec,
      steps,
      batchSize,
    };
  } catch (error) {
    return `PyTorch failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  }
}
