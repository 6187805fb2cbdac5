/** A ModelSpec on disk as model.json + weights.bin, to hand a trained start from one process to the next. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelSpec } from '../../src/engine/core/types';
import { artifactsFromSpec, specFromArtifacts } from '../../src/engine/io/modelSpec';

export function writeSpec(dir: string, spec: ModelSpec): void {
  const { modelTopology, weightSpecs, weightData } = artifactsFromSpec(spec);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology, weightSpecs }));
  writeFileSync(join(dir, 'weights.bin'), new Uint8Array(weightData as ArrayBuffer));
}

export function readSpec(dir: string): ModelSpec {
  const { modelTopology, weightSpecs } = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const bytes = readFileSync(join(dir, 'weights.bin'));
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return specFromArtifacts({ modelTopology, weightSpecs, weightData });
}
