import type { Criterion } from '../criterion';
import { layerByName } from '../../io/modelSpec';

/** Seeded random scores: the floor any criterion must beat. */
export const randomCriterion: Criterion = {
  name: 'random',
  title: 'Random',
  description: 'Seeded random scores: the baseline that any criterion must beat.',
  needs: 'nothing',
  scoreMember(member, { spec, random }) {
    const layer = layerByName(spec, member.layer);
    const kernel = layer.weights.kernel ?? layer.weights.depthwise_kernel;
    const channels = layer.weights.kernel ? kernel.shape[kernel.shape.length - 1] : kernel.shape[2];
    return Float32Array.from({ length: channels }, () => random());
  },
};
