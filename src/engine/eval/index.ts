export { evaluate, type Evaluation, type EvaluateOptions } from './evaluate';
export * from './outputKind';
export { measureLatency, median, type Latency, type LatencyOptions } from './latency';
export { predictProbabilities, DEFAULT_EVAL_BATCH_SIZE, type BatchOptions } from './predict';
export { countParams, weightBytes } from './size';
