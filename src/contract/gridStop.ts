/**
 * The grid's early stop (docs/METHOD.md §5.1): past COLLAPSE.run grid candidates in a row whose calibration
 * accuracy has collapsed far below the reference's, the rest of the grid cannot be selected by the tolerance rule
 * and is not measured unless asked for. Tfjs-free: the engine decides with it, the CLI, the studio and the report
 * say it in its words.
 */
import type { Candidate } from './candidate';
import { calibrationDrop, type ReferenceAccuracy } from './select';
import { COLLAPSE, collapsePoints } from './settings';

type Measured = Pick<Candidate, 'index' | 'ratio' | 'stage' | 'calibrationAccuracy' | 'calibrationNoise'>;

export interface CollapsedReading {
  index: number;
  ratio: number;
  /** Points below the reference on the calibration images. */
  drop: number;
  /** Half the 95% interval of that drop, points. */
  margin: number;
}

/** Why and where the grid stopped, and what it left unmeasured. */
export interface GridStop {
  /** The last grid ratio measured. */
  ratio: number;
  /** Grid ratios left unmeasured, in order. */
  remaining: number[];
  /** The candidates in a row that stopped it. */
  collapsed: CollapsedReading[];
  /** Points below the reference past which a candidate counts as collapsed: max(5 × tolerance, 5). */
  threshold: number;
  /** "accuracy collapsed (ratio 0.25: −19.50 ± 2.40 points, ratio 0.3: …)". */
  reason: string;
}

/** Whether the candidate is below the reference by more than the collapse threshold, over its whole 95% interval. */
export function isCollapsed(candidate: Pick<Candidate, 'calibrationAccuracy' | 'calibrationNoise'>, reference: Pick<ReferenceAccuracy, 'calibrationAccuracy'>, tolerance: number): boolean {
  const { drop, margin } = calibrationDrop(candidate, reference);
  return drop - margin > collapsePoints(tolerance) + 1e-7;
}

/**
 * Whether the grid should stop now: the last COLLAPSE.run grid candidates (in the order measured, the baseline and
 * refined ones left out) have all collapsed. `remaining`: the grid ratios not yet measured; none left, no stop.
 */
export function gridStopAfter(candidates: readonly Measured[], reference: ReferenceAccuracy, tolerance: number, remaining: number[]): GridStop | null {
  if (remaining.length === 0) return null;
  const last = candidates.filter((candidate) => candidate.stage === 'grid').slice(-COLLAPSE.run);
  if (last.length < COLLAPSE.run || !last.every((candidate) => isCollapsed(candidate, reference, tolerance))) return null;
  const collapsed = last.map((candidate) => ({ index: candidate.index, ratio: candidate.ratio, ...calibrationDrop(candidate, reference) }));
  const threshold = collapsePoints(tolerance);
  const readings = collapsed.map((c) => `ratio ${c.ratio}: −${c.drop.toFixed(2)} ± ${c.margin.toFixed(2)} points`).join(', ');
  return {
    ratio: last.at(-1)!.ratio,
    remaining: [...remaining],
    collapsed,
    threshold,
    reason: `accuracy collapsed (${readings} on the calibration images, past ${threshold} points below the reference)`,
  };
}

/** "stopped the grid at ratio 0.3: accuracy collapsed (…)", and what was left. */
export function gridStopText(stop: GridStop): string {
  const left = stop.remaining.length;
  return `stopped the grid at ratio ${stop.ratio}: ${stop.reason}; ${left} ratio${left === 1 ? '' : 's'} left (${stop.remaining[0]}–${stop.remaining.at(-1)})`;
}
