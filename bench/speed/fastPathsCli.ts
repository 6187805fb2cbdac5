/**
 * The comparison of the wasm fast paths and the training step's fusions alone (bench/speed/fastPaths.ts), in Node:
 *   npx tsx bench/speed/fastPathsCli.ts [--model resnet] [--input 32x32x3] [--rounds 5] [--paths maxPoolGradChannelsInner,…] [--threads 2]
 * Prints each variant's median and minimum step time and its ratio to "all on",
 * with the load average before and after. Writes nothing.
 */
import { parseArgs } from 'node:util';
import { useNodeBackend } from '../../src/engine/backend/node';
import { loadAverage } from '../common/environment';
import { ALL_PATHS, type FastPath, measureFastPaths } from './fastPaths';
import { SPEED_BATCH, SPEED_INPUT, SPEED_MODEL } from './probe';

function parseInput(text: string | undefined): [number, number, number] {
  if (text === undefined) return SPEED_INPUT;
  const dims = text.split('x').map(Number);
  if (dims.length !== 3 || dims.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`--input is HxWxC, e.g. 32x32x3; got '${text}'.`);
  return dims as [number, number, number];
}

function parsePaths(text: string | undefined): FastPath[] | undefined {
  if (text === undefined) return undefined;
  const known: string[] = ALL_PATHS;
  const paths = text.split(',');
  const unknown = paths.filter((path) => !known.includes(path));
  if (unknown.length > 0) throw new Error(`Unknown fast path ${unknown.join(', ')}; known: ${known.join(', ')}.`);
  return paths as FastPath[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { model: { type: 'string' }, input: { type: 'string' }, rounds: { type: 'string' }, paths: { type: 'string' }, threads: { type: 'string' } } });
  const input = parseInput(values.input);
  const rounds = Number(values.rounds ?? 5);
  const threads = Number(values.threads ?? 1);
  await useNodeBackend('wasm', { threads });
  const loadBefore = loadAverage();
  const variants = await measureFastPaths(SPEED_BATCH, rounds, { input, model: values.model, paths: parsePaths(values.paths) });
  const base = variants[0];
  console.log(`${values.model ?? SPEED_MODEL} ${input.join('×')}, batch ${SPEED_BATCH}, ${threads} thread(s), ${rounds} rounds; load ${loadBefore.toFixed(1)} → ${loadAverage().toFixed(1)}`);
  for (const v of variants) {
    console.log(`${v.name.padEnd(40)} median ${v.medianMs.toFixed(0)} ms  min ${v.minMs.toFixed(0)} ms  (×${(v.medianMs / base.medianMs).toFixed(2)} / ×${(v.minMs / base.minMs).toFixed(2)} of all on)`);
  }
  // The threaded build's pool of workers would keep the process alive.
  process.exit(0);
}

void main();
