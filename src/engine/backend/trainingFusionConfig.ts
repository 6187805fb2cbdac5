/**
 * Switches of the fused training step, on every backend (unlike the wasm
 * kernels of wasmKernelConfig.ts, these are built from tfjs ops). Each can be
 * turned off, so that tests compare it with tfjs's own path and the benchmark
 * measures both in one process (bench/speed/fastPaths.ts).
 */
export const trainingFusionConfig = {
  fused: {
    /** BatchNormalization layers in training as one op with its own gradient (batchNormTraining.ts, batchNormLayers.ts). */
    batchNormOp: true,
    /** Adam over all variables at once, on flat moment buffers (fusedAdam.ts). */
    adam: true,
  },
};

export type TrainingFusion = keyof typeof trainingFusionConfig.fused;
