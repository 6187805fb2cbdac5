/**
 * Step 3: channel importance per group, and one global ranking of all
 * prunable channels (docs/METHOD.md §4).
 */
import { UserError } from '../core/errors';
import { seededRandom } from '../core/random';
import { CRITERION_NAMES, type CriterionName, type GroupAggregation, type RankingMode } from '../../contract/criteria';
import type { RankedChannel } from '../../contract/plan';
import type { ModelSpec } from '../core/types';
import type { ModelAnalysis } from '../../contract/analysis';
import type { Criterion } from './criterion';
import { gammaCriterion } from './criteria/gamma';
import { gfrCriterion } from './criteria/gfr';
import { l1Criterion } from './criteria/l1';
import { randomCriterion } from './criteria/random';

/** The scorer of each criterion (their names and texts: src/contract/criteria.ts). */
const SCORERS: Record<CriterionName, Criterion> = {
  gfr: gfrCriterion,
  gamma: gammaCriterion,
  l1: l1Criterion,
  random: randomCriterion,
};


export interface ScoreOptions {
  criterion: CriterionName;
  aggregation?: GroupAggregation;
  seed?: number;
}

/** Importance of every channel of every prunable group, by group key. */
export type GroupScores = Record<string, Float32Array>;

export function criterionByName(name: string): Criterion {
  const criterion = SCORERS[name as CriterionName];
  if (!criterion) throw new UserError(`Unknown criterion '${name}'. Choose one of: ${CRITERION_NAMES.join(', ')}.`);
  return criterion;
}

export function scoreChannels(spec: ModelSpec, analysis: ModelAnalysis, options: ScoreOptions): GroupScores {
  const criterion = criterionByName(options.criterion);
  const context = { spec, random: seededRandom(options.seed ?? 1) };
  const prunable = analysis.groups.filter((group) => group.prunable);
  if (criterion.needs === 'gfr' && !prunable.some((group) => group.members.some((member) => member.gfr))) {
    throw new UserError("The 'gfr' criterion needs a model trained with GFR layers; train it first, or choose 'gamma', 'l1' or 'random'.");
  }
  const scores: GroupScores = {};
  for (const group of prunable) {
    const memberScores = group.members
      .map((member) => criterion.scoreMember(member, context))
      .filter((values): values is Float32Array => values !== undefined);
    scores[group.key] = memberScores.length ? aggregate(memberScores, options.aggregation ?? 'mean') : new Float32Array(group.size);
  }
  return scores;
}

function aggregate(memberScores: Float32Array[], how: GroupAggregation): Float32Array {
  const size = memberScores[0].length;
  return Float32Array.from({ length: size }, (_, channel) => {
    const values = memberScores.map((scores) => scores[channel]);
    if (how === 'max') return Math.max(...values);
    const sum = values.reduce((a, b) => a + b, 0);
    return how === 'sum' ? sum : sum / values.length;
  });
}

/**
 * All prunable channels, least important first. Ties keep model order, so the
 * ranking is deterministic. `per-flop` needs each group's FLOPs per channel.
 */
export function rankChannels(scores: GroupScores, mode: RankingMode = 'global', flopsPerChannel: Record<string, number> = {}): RankedChannel[] {
  const ranked: RankedChannel[] = [];
  for (const [group, values] of Object.entries(scores)) {
    const scale = mode === 'normalized' ? Math.max(...values) || 1 : mode === 'per-flop' ? flopsPerChannel[group] || 1 : 1;
    values.forEach((value, channel) => ranked.push({ group, channel, score: value / scale }));
  }
  return ranked.sort((a, b) => a.score - b.score);
}
