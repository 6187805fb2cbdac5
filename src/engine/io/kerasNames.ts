/** How Keras names weights, mapped to the tfjs-layers weight names that specs and exports use. */
import type { LayerSpec } from '../core/types';

/** Keras 3 calls every kernel `kernel`; tfjs names a depthwise one `depthwise_kernel`. */
export function tfjsWeightKey(className: string, kerasKey: string): string {
  return className === 'DepthwiseConv2D' && kerasKey === 'kernel' ? 'depthwise_kernel' : kerasKey;
}

/**
 * Keras 3 saves a layer's variables as `vars/0`, `vars/1`... in creation order
 * (trainable first, then non-trainable). Undefined: the order is not known.
 */
export function kerasVariableOrder(layer: Pick<LayerSpec, 'className' | 'config'>): string[] | undefined {
  const { className, config } = layer;
  const bias = config.use_bias === false ? [] : ['bias'];
  switch (className) {
    case 'Conv2D':
    case 'Dense':
      return ['kernel', ...bias];
    case 'DepthwiseConv2D':
      return ['depthwise_kernel', ...bias];
    case 'BatchNormalization':
      return [...(config.scale === false ? [] : ['gamma']), ...(config.center === false ? [] : ['beta']), 'moving_mean', 'moving_variance'];
    default:
      return undefined;
  }
}

/** Keras's `to_snake_case`, which names the h5 groups of a .keras file (`BatchNormalization` → `batch_normalization`). */
export function kerasSnakeCase(name: string): string {
  const cleaned = name.replace(/\W+/g, '');
  return cleaned.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}
