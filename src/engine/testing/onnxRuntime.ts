/** Runs an exported `.onnx` file in onnxruntime-web (its WebAssembly build, under Node in tests). */
import * as ort from 'onnxruntime-web';

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
