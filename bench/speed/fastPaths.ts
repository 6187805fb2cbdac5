/**
 * What each wasm fast path (src/engine/backend/wasmKernelConfig.ts) and each
 * fusion of the training step (trainingFusionConfig.ts) gives on the speed
 * model's training step, measured in one process with the variants
 * alternated round by round (on a shared machine the load drifts; alternating
 * spreads it evenly): all on, all off, the wasm fast paths without the
 * fusions, and all on but one. Browser-safe.
 */
import * as tf from '@tensorflow/tfjs';
import { type TrainingFusion, trainingFusionConfig } from '../../src/engine/backend/trainingFusionConfig';
import { type FastPath as WasmFastPath, wasmTrainingConfig } from '../../src/engine/backend/wasmKernelConfig';
import { median } from '../../src/engine/eval/latency';
import { modelFromSpec } from '../../src/engine/io/modelSpec';
import { trainSparse } from '../../src/engine/train/sparseTraining';
import { SPEED_INPUT, SPEED_MODEL, randomImages, speedModelSpec } from './probe';
import type { FastPathVariant } from './types';
import { DEFAULT_TRAIN_SETTINGS } from '../../src/contract/settings';

export type FastPath = WasmFastPath | TrainingFusion;

const WASM_PATHS = Object.keys(wasmTrainingConfig.fast) as WasmFastPath[];
/** The fusions a plain step uses; the GFR run's (gfrGates, distillation) are measured by measureDefaultRunSteps. */
const FUSIONS: TrainingFusion[] = ['batchNormOp', 'adam'];
/** Every switch the comparison can turn off, wasm's and the plain step's fusions. */
export const ALL_PATHS: FastPath[] = [...WASM_PATHS, ...FUSIONS];

function setFast(on: (path: FastPath) => boolean): void {
  for (const path of WASM_PATHS) wasmTrainingConfig.fast[path] = on(path);
  for (const fusion of FUSIONS) trainingFusionConfig.fused[fusion] = on(fusion);
}

export interface FastPathOptions {
  stepsPerRound?: number;
  /** The speed model's input, [height, width, channels]; the benchmark's own by default. */
  input?: [number, number, number];
  /** A built-in model's name; the benchmark's own (vgg) by default. */
  model?: string;
  /** Only these paths get a "without" variant (all by default); "all on" and "all off" always run. */
  paths?: FastPath[];
}

export async function measureFastPaths(batchSize: number, rounds: number, options: FastPathOptions = {}): Promise<FastPathVariant[]> {
  if (tf.getBackend() !== 'wasm') throw new Error(`the fast paths are wasm's; the backend is ${tf.getBackend()}`);
  const { stepsPerRound = 3, input = SPEED_INPUT, model: modelName = SPEED_MODEL, paths = ALL_PATHS } = options;
  const variants: Array<{ name: string; on: (path: FastPath) => boolean; times: number[] }> = [
    { name: 'all on', on: () => true, times: [] },
    { name: 'all off', on: () => false, times: [] },
    { name: 'wasm fast paths only (no fusion)', on: (path: FastPath) => !(FUSIONS as FastPath[]).includes(path), times: [] },
    ...paths.map((off) => ({ name: `without ${off}`, on: (path: FastPath) => path !== off, times: [] as number[] })),
  ];
  const model = await modelFromSpec(await speedModelSpec(input, modelName));
  const data = randomImages((stepsPerRound + 1) * batchSize, input);
  const settings = { ...DEFAULT_TRAIN_SETTINGS, epochs: 1, batchSize, maxSteps: stepsPerRound + 1, lambdaGamma: 0, lambdaS: 0, target: 0 };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const variant of variants) {
        setFast(variant.on);
        let previous = 0;
        await trainSparse(model, data, settings, {
          onEvent(event) {
            if (event.kind !== 'step') return;
            // The first step of a run creates the optimizer's slots: not counted.
            if (event.step > 1) variant.times.push(event.elapsedMs - previous);
            previous = event.elapsedMs;
          },
        });
      }
    }
  } finally {
    setFast(() => true);
    model.dispose();
  }
  return variants.map((v) => ({ name: v.name, medianMs: median(v.times), minMs: Math.min(...v.times) }));
}
