/**
 * The criteria and rankings by name, with the words every side shows for
 * them: one list each (the engine's scorers are in src/engine/score).
 */

export const CRITERIA = [
  {
    name: 'gfr',
    title: 'GFR (|γ| · sr)',
    text: 'Trains a gate after every BN and scores each channel by |γ| times its relationship factor sr.',
    source: 'BN scale times the GFR relationship factor sr: the channel’s effective output scale (CN112308213A).',
  },
  {
    name: 'gamma',
    title: 'γ only (Network Slimming)',
    text: 'Sparse training without gates; scores each channel by |γ| of its BN.',
    source: 'Magnitude of the BatchNormalization scale γ, as in Network Slimming (Liu et al., ICCV 2017).',
  },
  {
    name: 'l1',
    title: 'L1 norm of filters',
    text: 'Normal training; scores each channel by the L1 norm of its filter weights (Li et al., 2017).',
    source: 'Sum of absolute filter weights of each channel (Li et al., ICLR 2017).',
  },
  {
    name: 'random',
    title: 'Random',
    text: 'Normal training; a random score per channel. The baseline any criterion must beat.',
    source: 'Seeded random scores: the baseline that any criterion must beat.',
  },
] as const satisfies readonly { name: string; title: string; text: string; source: string }[];

export type CriterionName = (typeof CRITERIA)[number]['name'];
export const CRITERION_NAMES: readonly CriterionName[] = CRITERIA.map((criterion) => criterion.name);

/**
 * How channels of different groups are compared (docs/METHOD.md §4):
 * - `global`: raw scores, one list (the method's starting point);
 * - `normalized`: each group's scores divided by the group's largest, so
 *   layers with larger scales are not spared wholesale (the default, chosen
 *   by the quality benchmark: docs/DECISIONS.md);
 * - `per-flop`: score per FLOP a channel's removal frees (cost-aware), so
 *   expensive layers thin first at equal importance.
 */
export const RANKINGS = [
  { name: 'global', title: 'Global (raw scores)' },
  { name: 'normalized', title: 'Within each layer (normalized)' },
  { name: 'per-flop', title: 'Per FLOP freed (cost-aware)' },
] as const;

export type RankingMode = (typeof RANKINGS)[number]['name'];
export const RANKING_MODES: readonly RankingMode[] = RANKINGS.map((ranking) => ranking.name);

/** How the members' scores of a coupled channel combine (mean by default, docs/METHOD.md §4). */
export type GroupAggregation = 'mean' | 'max' | 'sum';
