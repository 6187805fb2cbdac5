/** Which flags each command reads: the others get a warning, not silence. */
import { describe, expect, it } from 'vitest';
import { parseCommandLine, unusedFlagWarnings, UsageError } from './args';

describe('command line flags', () => {
  it('warns about each flag the command does not read', () => {
    const { flags } = parseCommandLine(['eval', 'lenet', '--data', 'digits', '--epochs', '2', '--out', 'x', '--seed', '3']);
    expect(unusedFlagWarnings('eval', flags)).toEqual([
      "--epochs does not apply to 'eval'; it is ignored.",
      "--out does not apply to 'eval'; it is ignored.",
    ]);
    expect(unusedFlagWarnings('prune', flags)).toEqual([]);
    expect(unusedFlagWarnings('analyze', parseCommandLine(['analyze', 'lenet', '--help']).flags)).toEqual([]);
  });

  it('an unknown flag is a usage error', () => {
    expect(() => parseCommandLine(['prune', '--nope'])).toThrow(UsageError);
  });
});
