import type { Criterion } from '../criterion';
import { layerByName } from '../../io/modelSpec';

/** Seeded random scores: the floor any criterion must beat. */
export const randomCriterion: Criterion = {
  name: 'random',
  needs: 'nothing',
  scoreMember(member, { spec, random }) {
    const layer = layerByName(spec, member.layer);
    const kernel = layer.weights.kernel ?? layer.weights.depthwise_kernel;
    const channels = layer.weights.kernel ? kernel.shape[kernel.shape.length - 1] : kernel.shape[2];
    return Float32Array.from({ length: channels }, () => random());
  },
};
