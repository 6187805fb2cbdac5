/**
 * Whether sparse training ended short of its target, in words for the studio
 * and the report. No tfjs here: the page bundle imports it.
 */
import type { SparsityStatus } from './sparsityController';

/** Shares within half a point of the target count as reached. */
const SLACK = 0.005;

/** A clause such as "short of the 70.0% target of the channels (…)", or null when the target was reached. */
export function sparsityShortfall(status: Pick<SparsityStatus, 'zeroShare' | 'targetShare'> & Partial<Pick<SparsityStatus, 'freedFlopsShare' | 'measure'>>): string | null {
  const byFlops = status.measure === 'flops';
  const reached = byFlops ? status.freedFlopsShare : status.zeroShare;
  if (reached === undefined || reached >= status.targetShare - SLACK) return null;
  const target = `${(status.targetShare * 100).toFixed(1)}%`;
  return `short of the ${target} target of the ${byFlops ? 'FLOPs' : 'channels'}: more sparse epochs would get closer`;
}
