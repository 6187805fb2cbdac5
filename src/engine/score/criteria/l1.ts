import type { Criterion } from '../criterion';
import { layerByName } from '../../io/modelSpec';

/** L1 norm of each output channel's filter weights (Li et al., "Pruning Filters for Efficient ConvNets", ICLR 2017). */
export const l1Criterion: Criterion = {
  name: 'l1',
  needs: 'weights',
  scoreMember(member, { spec }) {
    const layer = layerByName(spec, member.layer);
    const kernel = layer.weights.kernel ?? layer.weights.depthwise_kernel;
    if (!kernel) return undefined;
    // Output channels are the last axis (kernel) or the channel axis 2 of a depthwise kernel [kh, kw, C, 1].
    const channels = layer.weights.kernel ? kernel.shape[kernel.shape.length - 1] : kernel.shape[2];
    const scores = new Float32Array(channels);
    kernel.values.forEach((value, index) => {
      const channel = layer.weights.kernel ? index % channels : Math.floor(index / kernel.shape[3]) % channels;
      scores[channel] += Math.abs(value);
    });
    return scores;
  },
};
