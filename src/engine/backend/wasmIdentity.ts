/**
 * Identity that shares its input's data instead of copying it. wasm's own
 * Identity copies; tfjs runs Identity for every tensor the tape saves for a
 * gradient (`saveTensorsForBackwardMode` clones them), about 240 per VGG
 * training step, many of them whole activations. Tensors are immutable, so
 * sharing is safe: the data lives until its last holder lets go (reference
 * counted, as Reshape already does on wasm and Identity does on webgl/webgpu).
 * Browser-safe: no Node imports.
 */
import type * as tf from '@tensorflow/tfjs';
import { wasmTrainingConfig } from './wasmKernelConfig';
import { type KernelArgs, input, runReplaced } from './wasmKernelUtils';

export function sharedIdentity(args: KernelArgs): tf.TensorInfo {
  const x = input('Identity', args.inputs, 'x');
  if (x.dtype === 'string' || !wasmTrainingConfig.fast.sharedIdentity) return runReplaced('Identity', args);
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
