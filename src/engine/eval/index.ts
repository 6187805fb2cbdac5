export { evaluate, PROBABILITY_EPSILON, type Evaluation } from './evaluate';
export { measureLatency, median, type Latency, type LatencyOptions } from './latency';
export { predictProbabilities, DEFAULT_EVAL_BATCH_SIZE, type BatchOptions } from './predict';
export { countParams, weightBytes } from './size';
