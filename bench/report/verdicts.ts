/** How the report words a selection's verdict and its check on unseen images (a criterion's run, or a width run). */
import { changeText } from '../../src/contract/select';
import type { CriterionResult } from '../quality/types';
import { count } from './format';

type Checked = Pick<CriterionResult, 'verdict' | 'unseen'>;

/** The selected model against the start on held-out images the run never saw. */
export function unseenText(c: Checked): string {
  if (!c.unseen) return '–';
  return `${changeText(c.unseen.drop, c.unseen.margin).replace(' points', ' pts')} (${count(c.unseen.images)} images)`;
}

export function verdictText(c: Checked): string {
  if (!c.verdict) return '–';
  const { drop, margin, status, withinTolerance } = c.verdict;
  if (drop === null) return 'none selected';
  // Results from before the verdict carried its interval have neither margin nor status.
  const change = margin === undefined || margin === null ? `${drop > 0 ? '−' : drop < 0 ? '+' : '±'}${Math.abs(drop).toFixed(2)} pts` : `${changeText(drop, margin).replace(' points', ' pts')}`;
  const word = status ?? (withinTolerance ? 'within' : 'beyond');
  return word === 'within' ? `within (${change})` : word === 'uncertain' ? `uncertain (${change})` : `**not** (${change})`;
}
