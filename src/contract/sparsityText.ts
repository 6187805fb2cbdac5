/**
 * Sparse training's progress and outcome in words, for the command line, the
 * benchmarks, the studio and the report. No tfjs here: the page bundle imports it.
 */
import type { SparsityStatus } from './events';

const percent = (share: number): string => `${(share * 100).toFixed(1)}%`;

/** "zero channels 48.3%, FLOPs freed 72.8% (schedule 50.0% of channels)": one progress line's sparsity. */
export function sparsityProgress({ zeroShare, freedFlopsShare, targetShare, targetKind }: SparsityStatus): string {
  return `zero channels ${percent(zeroShare)}, FLOPs freed ${percent(freedFlopsShare)} (schedule ${percent(targetShare)} of ${targetKind})`;
}

/** Shares within half a point of the target count as reached. */
const SLACK = 0.005;

/** A clause such as "short of the 70.0% target of the channels (…)", or null when the target was reached. */
export function sparsityShortfall(status: Pick<SparsityStatus, 'zeroShare' | 'targetShare'> & Partial<Pick<SparsityStatus, 'freedFlopsShare' | 'targetKind'>>): string | null {
  const byFlops = status.targetKind === 'flops';
  const reached = byFlops ? status.freedFlopsShare : status.zeroShare;
  if (reached === undefined || reached >= status.targetShare - SLACK) return null;
  return `short of the ${percent(status.targetShare)} target of the ${byFlops ? 'FLOPs' : 'channels'}: more sparse epochs would get closer`;
}
