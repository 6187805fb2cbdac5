/** Step 3 for the charts: per group the criterion's importance, mean |γ| and mean sr, and the global ranking. */
import type { ModelSpec } from '../engine/core/types';
import type { GroupMember } from '../contract/analysis';
import { analyzeModel } from '../engine/graph/analyze';
import { layerByName } from '../engine/io/modelSpec';
import { rankChannels, type GroupScores } from '../engine/score/importance';
import type { ScoresParams, ScoresResult } from './studioTypes';

/** Mean over the members of a per-channel weight (|γ| of their BNs, or sr of their GFR layers); null when none has it. */
function memberMean(spec: ModelSpec, members: GroupMember[], pick: (member: GroupMember) => string | undefined, weight: string, abs: boolean): number[] | null {
  const arrays = members.flatMap((member) => {
    const name = pick(member);
    const values = name ? layerByName(spec, name).weights[weight]?.values : undefined;
    return values ? [values] : [];
  });
  if (arrays.length === 0) return null;
  return Array.from(arrays[0], (_, channel) => arrays.reduce((sum, values) => sum + (abs ? Math.abs(values[channel]) : values[channel]), 0) / arrays.length);
}

export function scoresResult(trained: ModelSpec, scores: GroupScores, params: ScoresParams): Omit<ScoresResult, 'reference'> {
  const analysis = analyzeModel(trained);
  const groups = analysis.groups
    .filter((group) => scores[group.key] !== undefined)
    .map((group) => ({
      group,
      importance: Array.from(scores[group.key]),
      gamma: memberMean(trained, group.members, (member) => member.bn, 'gamma', true),
      sr: memberMean(trained, group.members, (member) => member.gfr, 'sr', false),
    }));
  const ranking = rankChannels(scores, params.ranking).map(({ group, channel }): [string, number] => [group, channel]);
  return { criterion: params.criterion, groups, ranking };
}
