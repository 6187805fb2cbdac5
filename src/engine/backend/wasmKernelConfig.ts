/**
 * Switches and limits of the wasm training kernels. Each fast path can be
 * turned off, so that tests compare it with the path it replaces and the
 * benchmark measures both in one process. The fusions of the training step
 * that work on every backend have their own switches (trainingFusionConfig.ts).
 */
export const wasmTrainingConfig = {
  /** Upper bound for one im2col buffer; larger batches are processed in chunks. */
  maxPatchBytes: 64 * 1024 * 1024,
  fast: {
    /** Identity shares its input's data (wasmIdentity.ts). */
    sharedIdentity: true,
    /** Sum and Mean over leading axes as one average pool (wasmReduce.ts). */
    leadingReductions: true,
    /** BatchMatMul with a transposed operand transposes it first, onto the fast untransposed product (wasmMatMul.ts). */
    transposedMatMul: true,
    /** The filter gradient as a forward convolution where the input has ≥ 8 channels and stride 1 (wasmTraining.ts). */
    filterGradientAsConv: true,
    /**
     * The filter gradient as one GEMM per filter tap against one packed operand where stride is 1, the input has
     * 2 or more channels and in × out channels ≤ 256 (wasmFilterGradByTaps.ts); before filterGradientAsConv.
     */
    filterGradientByTaps: true,
    /** FusedBatchNorm with per-channel statistics as a 1×1 depthwise convolution with bias (wasmBatchNorm.ts). */
    batchNormAsDepthwise: true,
    /** Slice and SplitV into contiguous pieces as block copies from the heap, not a copy of the whole input per piece (wasmSlice.ts). */
    contiguousSlices: true,
    /** MaxPoolGrad with channels innermost, consecutive floats in the inner loop, 2×2 windows unrolled (kernelMath.ts). */
    maxPoolGradChannelsInner: true,
    /** A strided convolution's input gradient as one stride-1 convolution per output phase (wasmStridedInputGrad.ts). */
    stridedInputGradByPhase: true,
    /** Add, Sub, Multiply and RealDiv of a tensor and a per-channel vector on rows of k·C floats, not of C (wasmBroadcast.ts). */
    wideBroadcast: true,
  },
};

export type FastPath = keyof typeof wasmTrainingConfig.fast;
