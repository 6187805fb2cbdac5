import type { Criterion } from '../criterion';
import { layerByName } from '../../io/modelSpec';

/** |γ| of the BN after the layer: Network Slimming (Liu et al., ICCV 2017). */
export const gammaCriterion: Criterion = {
  name: 'gamma',
  needs: 'bn',
  scoreMember(member, { spec }) {
    if (!member.bn) return undefined;
    return layerByName(spec, member.bn).weights.gamma.values.map(Math.abs);
  },
};
