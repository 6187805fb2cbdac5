/**
 * Step 3: every criterion answers one question — a score per channel of one
 * member layer of a group — and declares what it needs, so that callers can
 * say clearly when a model cannot be scored that way. Its title and texts
 * are in the contract's CRITERIA list (src/contract/criteria.ts).
 */
import type { CriterionName } from '../../contract/criteria';
import type { ModelSpec } from '../core/types';
import type { GroupMember } from '../../contract/analysis';


export interface CriterionContext {
  spec: ModelSpec;
  /** Seeded generator (the `random` baseline). */
  random: () => number;
}

export interface Criterion {
  name: CriterionName;
  /** What the model must have, checked before scoring: `gfr` needs GFR layers. */
  needs: 'gfr' | 'bn' | 'weights' | 'nothing';
  /** Importance of each output channel of the member; undefined when it gives no evidence. */
  scoreMember(member: GroupMember, context: CriterionContext): Float32Array | undefined;
}
