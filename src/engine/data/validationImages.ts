/**
 * The user's own validation images (CLI `--val-data`, the studio's validation
 * images): checked against the data they go with before anything is measured on
 * them. Labels are class indices, so the images must have as many classes as the
 * data (an image folder's classes are its subfolders, in name order).
 */
import { UserError } from '../core/errors';
import type { ImageDataset } from '../core/types';

/** What validation images must share with the data (or the model) they judge. */
export type ImageShape = Pick<ImageDataset, 'height' | 'width' | 'channels' | 'numClasses'> & { classNames?: string[] };

/** What differs between the validation images and `expected`, in words; empty when they fit. */
export function validationDifferences(validation: ImageShape, expected: ImageShape, what = 'the data'): string[] {
  const differences: string[] = [];
  if (validation.height !== expected.height || validation.width !== expected.width) {
    differences.push(`they are ${validation.height}×${validation.width} pixels where ${what} has ${expected.height}×${expected.width}`);
  }
  if (validation.channels !== expected.channels) {
    differences.push(`they have ${channels(validation.channels)} where ${what} has ${channels(expected.channels)}`);
  }
  if (validation.numClasses !== expected.numClasses) {
    const names = validation.classNames?.length ? ` (${listed(validation.classNames)})` : '';
    differences.push(`they have ${validation.numClasses} classes${names} where ${what} has ${expected.numClasses}`);
  }
  return differences;
}

/**
 * Throws a UserError naming what differs and ending with `advice` (what to do);
 * returns notes on what fits but may be a mistake: classes named differently (they
 * are matched by position).
 */
export function checkValidationImages(validation: ImageDataset, expected: ImageShape, advice: string, what = 'the data'): string[] {
  const differences = validationDifferences(validation, expected, what);
  if (differences.length) throw new UserError(`The validation images (${validation.source}) do not fit: ${differences.join('; ')}. ${advice}`);
  const names = expected.classNames;
  if (names && names.length === validation.classNames.length && names.some((name, i) => name !== validation.classNames[i])) {
    return [`The validation images' classes (${listed(validation.classNames)}) are named differently from ${what}'s (${listed(names)}); they are matched in that order.`];
  }
  return [];
}

const channels = (count: number): string => `${count} channel${count === 1 ? '' : 's'}`;

function listed(names: string[]): string {
  return names.length > 6 ? `${names.slice(0, 6).join(', ')}, …` : names.join(', ');
}
