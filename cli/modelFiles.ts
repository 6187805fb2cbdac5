/** Node-only: reads a model's files for the engine, and lists the files of an exported model in writing order. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../src/engine/core/errors';
import { loadModelFiles, MAX_MODEL_FILE_BYTES, modelFilesFromArtifacts, type LoadedModel, type NamedBytes } from '../src/engine/io/modelFiles';

const SINGLE_FILE = /\.(zip|keras|h5|hdf5|onnx)$/i;

/** A model.json path (its weight files beside it), a folder holding one, a .zip, a .keras, an .h5 or an .onnx file. */
export async function readModelFiles(path: string): Promise<LoadedModel> {
  const file = resolve(path);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(file).isDirectory();
  } catch {
    throw new UserError(`Model file "${path}" does not exist. Give a model.json (with its weight files beside it), a .zip, a .keras, .h5 or .onnx file, or a built-in model name.`);
  }
  if (isDirectory) return readModelFiles(join(file, 'model.json'));
  const read = (name: string): NamedBytes => {
    const full = join(dirname(file), name);
    const size = statSync(full).size;
    if (size > MAX_MODEL_FILE_BYTES) throw new UserError(`${name} is ${size} bytes; model files of at most ${MAX_MODEL_FILE_BYTES} bytes are read.`);
    return { name, bytes: readFileSync(full) };
  };
  if (SINGLE_FILE.test(file)) return loadModelFiles([read(basename(file))]);
  const siblings = readdirSync(dirname(file)).filter((name) => name.endsWith('.bin') || name === basename(file));
  return loadModelFiles(siblings.map(read).map((entry) => (entry.name === basename(file) ? { ...entry, name: 'model.json' } : entry)));
}

/** model.json and weights.bin, the layout tf.loadLayersModel reads, weights first: written in this order, a model.json never names weights not yet there. */
export function modelFilesWeightsFirst(artifacts: tf.io.ModelArtifacts): NamedBytes[] {
  const files = modelFilesFromArtifacts(artifacts);
  return [...files.filter((file) => file.name !== 'model.json'), ...files.filter((file) => file.name === 'model.json')];
}
