import type { Criterion } from '../criterion';
import { layerByName } from '../../io/modelSpec';

/** I = |γ|·sr: the channel's effective output scale after BN and its GFR gate (docs/METHOD.md §4). */
export const gfrCriterion: Criterion = {
  name: 'gfr',
  needs: 'gfr',
  scoreMember(member, { spec }) {
    if (!member.bn || !member.gfr) return undefined;
    const gamma = layerByName(spec, member.bn).weights.gamma.values;
    const sr = layerByName(spec, member.gfr).weights.sr.values;
    return gamma.map((value, channel) => Math.abs(value) * sr[channel]);
  },
};
