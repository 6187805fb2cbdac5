/**
 * The experiment's settings in the page address, so that a link opens the
 * same experiment: ?criterion=gfr&target=auto&target-of=channels&grid=0.05&grid-max=0.9&tolerance=1.
 * Read once when the page opens (over the settings kept from the last visit);
 * written back with history.replaceState as they change. Other parameters
 * (?backend=) are left as they are; values that are not valid are ignored.
 */
import { RANGES } from '../../contract/ranges';
import { CRITERION_NAMES, type CriterionName } from '../../contract/criteria';
import { TARGET_KINDS, type TargetKind } from '../../contract/settings';
import { GRID_STEP_CHOICES, type RuleForm, type SearchForm, type TrainForm } from './defaults';

export interface AddressSettings {
  trainForm: TrainForm;
  searchForm: SearchForm;
  rule: RuleForm;
}

const number = (text: string | null, min: number, max: number): number | undefined => {
  if (text === null || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= min && value <= max ? value : undefined;
};

/** `settings` with what the address sets. */
export function settingsFromAddress(search: string, settings: AddressSettings): AddressSettings {
  const params = new URLSearchParams(search);
  const trainForm = { ...settings.trainForm };
  const searchForm = { ...settings.searchForm };
  let rule = settings.rule;

  const criterion = params.get('criterion');
  if (CRITERION_NAMES.includes(criterion as CriterionName)) trainForm.criterion = criterion as CriterionName;
  const target = params.get('target');
  if (target === 'auto') trainForm.targetMode = 'auto';
  const share = number(target, RANGES.targetShare.min, RANGES.targetShare.max);
  if (share !== undefined) Object.assign(trainForm, { targetMode: 'fixed', target: share });
  const targetOf = params.get('target-of');
  if (TARGET_KINDS.includes(targetOf as TargetKind)) trainForm.targetKind = targetOf as TargetKind;
  const gridStep = number(params.get('grid'), 0, 1);
  if (gridStep !== undefined && GRID_STEP_CHOICES.includes(gridStep)) searchForm.gridStep = gridStep;
  const gridMax = number(params.get('grid-max'), RANGES.gridMax.min, RANGES.gridMax.max);
  if (gridMax !== undefined) searchForm.gridMax = gridMax;
  const tolerance = number(params.get('tolerance'), RANGES.tolerance.min, RANGES.tolerance.max);
  if (tolerance !== undefined) rule = { kind: 'tolerance', tolerance, by: rule.kind === 'tolerance' ? rule.by : 'ratio' };
  return { trainForm, searchForm, rule };
}

/** The query string with the settings written in (and other parameters kept). */
export function addressWithSettings(search: string, { trainForm, searchForm, rule }: AddressSettings): string {
  const params = new URLSearchParams(search);
  params.set('criterion', trainForm.criterion);
  params.set('target', trainForm.targetMode === 'auto' ? 'auto' : String(trainForm.target));
  params.set('target-of', trainForm.targetKind);
  params.set('grid', String(searchForm.gridStep));
  params.set('grid-max', String(searchForm.gridMax));
  if (rule.kind === 'tolerance') params.set('tolerance', String(rule.tolerance));
  else params.delete('tolerance');
  return `?${params.toString()}`;
}
