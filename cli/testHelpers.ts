/** Shared by the command line's tests: run the CLI as a user does, and reload what it wrote with stock tfjs. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';

const run = promisify(execFile);
const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');

/**
 * LeNet with a linear last layer (logits), trained to convergence elsewhere: on the digits that the
 * default split (seed 1) puts after its first 5,500, so `--samples 4500` trains, calibrates and
 * validates on images it never saw (97.5% on the validation part).
 */
export const LOGITS_FIXTURE = join(process.cwd(), 'src/engine/testing/fixtures/lenet-digits-logits/model.json');

export async function gfr(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(TSX, ['cli/gfr.ts', ...args], { timeout: 280_000 });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failure = error as { stdout: string; stderr: string; code: number };
    return { stdout: failure.stdout, stderr: failure.stderr, code: failure.code };
  }
}

/** A file:// free loader for the written folder: stock tf.loadLayersModel with fromMemory. */
export async function loadWritten(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const weights = readFileSync(join(dir, json.weightsManifest[0].paths[0]));
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  }));
}
