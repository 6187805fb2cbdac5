import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from './src/engine/backend/node';
import { CompressionSession } from './src/engine/session';
import { DEFAULT_TRAIN_SETTINGS } from './src/engine/train/sparseTraining';
import { randomImages, speedModelSpec } from './bench/speed/probe';
async function main() {
  await useNodeBackend('wasm');
  const session = new CompressionSession(await speedModelSpec(), { train: randomImages(36), validation: randomImages(8) });
  const settings = { ...DEFAULT_TRAIN_SETTINGS, batchSize: 8, epochs: 2, guardReadings: 1 };
  await session.reference();
  const kinds = (process.argv[2] ?? 'Reshape').split(',');
  const count = async (maxSteps: number) => {
    const info = await tf.profile(async () => { await session.train('gfr', { ...settings, maxSteps }); });
    const m = new Map<string, number>();
    for (const k of info.kernels) if (kinds.includes(k.name)) { const key = `${k.name} ${JSON.stringify(k.inputShapes)} -> ${JSON.stringify(k.outputShapes)}`; m.set(key, (m.get(key) ?? 0) + 1); }
    return m;
  };
  await count(5);
  const a = await count(5), b = await count(7);
  for (const [k, n] of b) { const d = (n - (a.get(k) ?? 0)) / 2; if (d) console.log(d, k); }
}
void main();
