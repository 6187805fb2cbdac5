/** Parsing of the quality benchmark's experiment flags: which criteria, and which training settings to change. */
import { CRITERION_NAMES, type CriterionName } from '../../src/contract/criteria';
import { DEFAULT_TRAIN_SETTINGS, type TrainSettings } from '../../src/contract/settings';
import { inRange, RANGES, rangeText } from '../../src/contract/ranges';

export function parseCriteria(list: string | undefined): CriterionName[] | undefined {
  if (!list) return undefined;
  const names = list.split(',');
  const unknown = names.filter((name) => !(CRITERION_NAMES as string[]).includes(name));
  if (unknown.length) throw new Error(`Unknown criteria ${unknown.join(', ')}; choose among ${CRITERION_NAMES.join(', ')}.`);
  return names as CriterionName[];
}

/** `key=value,…` over TrainSettings: numbers stay numbers, the rest are strings (the engine checks them). */
export function parseTrainOverrides(list: string | undefined): Partial<TrainSettings> {
  if (!list) return {};
  const overrides: Record<string, number | string> = {};
  for (const pair of list.split(',')) {
    const [key, value] = pair.split('=');
    if (!(key in DEFAULT_TRAIN_SETTINGS) || value === undefined) {
      throw new Error(`--train takes key=value pairs of ${Object.keys(DEFAULT_TRAIN_SETTINGS).join(', ')}; got '${pair}'.`);
    }
    overrides[key] = value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return overrides as Partial<TrainSettings>;
}

/** `1,8`: whole multiples in the range of SearchSettings.roundTo (1: not rounded). */
export function parseRoundings(list: string): number[] {
  const values = list.split(',').map(Number);
  const bad = values.filter((value) => !Number.isInteger(value) || !inRange(value, RANGES.roundTo));
  if (bad.length || values.length === 0) throw new Error(`--round-to takes whole numbers in ${rangeText(RANGES.roundTo)} separated by commas (e.g. 1,8); got '${list}'.`);
  return [...new Set(values)];
}
