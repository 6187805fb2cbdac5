/** Node-only: reads a model folder's files for the engine, and writes model files to a folder. */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../src/engine/core/errors';
import type { ModelSpec } from '../src/engine/core/types';
import { modelFilesFromArtifacts, specFromFiles, type NamedBytes } from '../src/engine/io/modelFiles';

/** A model.json path (its weight files beside it), a folder holding one, or a .zip. */
export function readModelFolder(path: string): ModelSpec {
  const file = resolve(path);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(file).isDirectory();
  } catch {
    throw new UserError(`Model file "${path}" does not exist. Give a model.json (with its weight files beside it), a .zip or a built-in model name.`);
  }
  if (isDirectory) return readModelFolder(join(file, 'model.json'));
  const read = (name: string): NamedBytes => ({ name, bytes: readFileSync(join(dirname(file), name)) });
  if (file.toLowerCase().endsWith('.zip')) return specFromFiles([read(basename(file))]);
  const siblings = readdirSync(dirname(file)).filter((name) => name.endsWith('.bin') || name === basename(file));
  return specFromFiles(siblings.map(read).map((entry) => (entry.name === basename(file) ? { ...entry, name: 'model.json' } : entry)));
}

/** Writes DIR/model.json and DIR/weights.bin, the layout tf.loadLayersModel reads. */
export function writeModelFolder(dir: string, artifacts: tf.io.ModelArtifacts): void {
  mkdirSync(dir, { recursive: true });
  for (const file of modelFilesFromArtifacts(artifacts)) writeFileSync(join(dir, file.name), file.bytes);
}
