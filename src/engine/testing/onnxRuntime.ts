/** Runs an exported `.onnx` file in onnxruntime-web (its WebAssembly build, under Node in tests). */
import * as ort from 'onnxruntime-web';
import type { ImageDataset } from '../core/types';

// One thread: the test machines are small and shared.
ort.env.wasm.numThreads = 1;

/** The first output of the model for NHWC images. */
export async function runOnnx(bytes: Uint8Array, images: Float32Array, shape: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', images, shape) };
    const results = await session.run(feeds);
    return results[session.outputNames[0]].data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Top-1 accuracy of the model's class scores on a dataset. */
export async function onnxAccuracy(bytes: Uint8Array, data: ImageDataset): Promise<number> {
  const outputs = await runOnnx(bytes, data.images, [data.count, data.height, data.width, data.channels]);
  let hits = 0;
  for (let n = 0; n < data.count; n++) {
    const row = outputs.subarray(n * data.numClasses, (n + 1) * data.numClasses);
    if (row.indexOf(Math.max(...row)) === data.labels[n]) hits++;
  }
  return hits / data.count;
}
