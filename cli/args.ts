/** Flag parsing for the command line, with errors that say what to type instead. */
import { inRange, RANGES, rangeText } from '../src/contract/ranges';
import { parseArgs } from 'node:util';
import { UserError } from '../src/engine/core/errors';

export const OPTIONS = {
  data: { type: 'string' },
  'val-data': { type: 'string' },
  mean: { type: 'string' },
  std: { type: 'string' },
  epochs: { type: 'string' },
  'pretrain-epochs': { type: 'string' },
  samples: { type: 'string' },
  'val-samples': { type: 'string' },
  criterion: { type: 'string' },
  ranking: { type: 'string' },
  target: { type: 'string' },
  'target-of': { type: 'string' },
  'select-by': { type: 'string' },
  budget: { type: 'string' },
  tolerance: { type: 'string' },
  ratios: { type: 'string' },
  'batch-size': { type: 'string' },
  'learning-rate': { type: 'string' },
  optimizer: { type: 'string' },
  'weight-decay': { type: 'string' },
  augment: { type: 'string' },
  'lambda-gamma': { type: 'string' },
  'lambda-s': { type: 'string' },
  'gate-penalty': { type: 'string' },
  'gate-temperature': { type: 'string' },
  distill: { type: 'string' },
  'distill-temperature': { type: 'string' },
  force: { type: 'boolean' },
  overwrite: { type: 'boolean' },
  backend: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  format: { type: 'string' },
  quantize: { type: 'string' },
  'no-onnx-normalization': { type: 'boolean' },
  'no-compensate': { type: 'boolean' },
  'no-recalibrate': { type: 'boolean' },
  'full-grid': { type: 'boolean' },
  'latency-budget': { type: 'string' },
  'round-to': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** A command line that does not say what to do (an unknown flag or command, a missing or malformed value): exit code 2. */
export class UsageError extends UserError {}

/** A pruned model written, whose verdict cannot tell whether it is within the tolerance: exit code 3. */
export class UncertainVerdict extends UserError {}

/** The process's exit code for an error that ended a command. */
export const exitCodeOf = (error: unknown): number => (error instanceof UsageError ? 2 : error instanceof UncertainVerdict ? 3 : 1);

export type Flags = ReturnType<typeof parseCommandLine>['flags'];
export type FlagName = keyof typeof OPTIONS;

export function parseCommandLine(argv: string[]) {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    return { flags: values, positionals };
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}. Run 'gfr-studio --help' for the flags.`);
  }
}

const EVAL_FLAGS: FlagName[] = ['data', 'val-data', 'mean', 'std', 'samples', 'val-samples', 'backend', 'seed'];

/** The flags each command reads, besides --help and --version. */
export const COMMAND_FLAGS: Record<string, FlagName[]> = {
  analyze: [],
  eval: EVAL_FLAGS,
  prune: Object.keys(OPTIONS).filter((name) => name !== 'help' && name !== 'version') as FlagName[],
};

/** One warning per flag given that `command` does not read (it is ignored). */
export function unusedFlagWarnings(command: string, flags: Flags): string[] {
  const used = COMMAND_FLAGS[command];
  if (!used) return [];
  return (Object.keys(flags) as FlagName[])
    .filter((name) => name !== 'help' && name !== 'version' && !used.includes(name))
    .map((name) => `--${name} does not apply to '${command}'; it is ignored.`);
}

export function numberFlag(value: string | undefined, name: string, fallback: number, check: (n: number) => boolean = () => true, rule = 'a number'): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || !check(number)) throw new UsageError(`--${name} must be ${rule}, got '${value}'.`);
  return number;
}

export const wholeFlag = (value: string | undefined, name: string, fallback: number, min = 0): number =>
  numberFlag(value, name, fallback, (n) => Number.isInteger(n) && n >= min, `a whole number ≥ ${min}`);

/** One of a fixed set of words. */
export function choiceFlag<T extends string>(value: string | undefined, name: string, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${value}'.`);
  return value as T;
}

export function listFlag(value: string | undefined, name: string): number[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((part) => numberFlag(part, name, 0, (n) => inRange(n, RANGES.pruningRatio), `comma-separated ratios in ${rangeText(RANGES.pruningRatio)}`));
}
