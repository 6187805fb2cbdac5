/** Which candidate to export (SPEC §2 Step 4 selection rules). */
import type { Candidate } from './candidate';

export type BudgetMetric = 'params' | 'flops' | 'weightBytes' | 'latencyMs';

export type SelectionRule =
  /** The largest ratio whose accuracy is within `tolerance` percentage points of the unpruned model. */
  | { kind: 'tolerance'; tolerance: number; by?: 'ratio' | 'flops' }
  /** The most accurate candidate whose metric is at most `max`. */
  | { kind: 'budget'; metric: BudgetMetric; max: number };

export const DEFAULT_TOLERANCE = 1.0;

export function passesTolerance(candidate: Candidate, baseline: Candidate, tolerance: number): boolean {
  return candidate.accuracy >= baseline.accuracy - tolerance / 100 - 1e-9;
}

export function selectCandidate(candidates: Candidate[], rule: SelectionRule): Candidate | undefined {
  const baseline = candidates.find((candidate) => candidate.stage === 'baseline');
  if (rule.kind === 'tolerance') {
    if (!baseline) return undefined;
    const passing = candidates.filter((candidate) => passesTolerance(candidate, baseline, rule.tolerance));
    // Fewest FLOPs kept when asked, else the largest ratio; ties go to fewer FLOPs.
    return passing.sort((a, b) => (rule.by === 'flops' ? a.flops - b.flops : b.ratio - a.ratio || a.flops - b.flops))[0];
  }
  const within = candidates.filter((candidate) => candidate[rule.metric] <= rule.max);
  return within.sort((a, b) => b.accuracy - a.accuracy || a[rule.metric] - b[rule.metric])[0];
}
