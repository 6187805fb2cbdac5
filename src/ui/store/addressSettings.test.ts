/** Settings in the page address: a shared link opens the same experiment. */
import { describe, expect, it } from 'vitest';

import { addressWithSettings, settingsFromAddress, type AddressSettings } from './addressSettings';
import { DEFAULT_RULE, DEFAULT_SEARCH_FORM, DEFAULT_TRAIN_FORM } from './defaults';

const defaults: AddressSettings = { trainForm: DEFAULT_TRAIN_FORM, searchForm: DEFAULT_SEARCH_FORM, rule: DEFAULT_RULE };

describe('settings in the address', () => {
  it('writes criterion, target, grid and tolerance, keeping other parameters', () => {
    const settings: AddressSettings = {
      trainForm: { ...DEFAULT_TRAIN_FORM, criterion: 'l1', targetMode: 'fixed', target: 0.3, targetKind: 'flops' },
      searchForm: { ...DEFAULT_SEARCH_FORM, gridStep: 0.1, gridMax: 0.8 },
      rule: { kind: 'tolerance', tolerance: 2.5, by: 'flops' },
    };
    const address = addressWithSettings('?backend=wasm', settings);
    expect(address).toBe('?backend=wasm&criterion=l1&target=0.3&target-of=flops&grid=0.1&grid-max=0.8&tolerance=2.5');
    // Read back over other settings: the same experiment.
    const opened = settingsFromAddress(address, defaults);
    expect(opened.trainForm).toMatchObject({ criterion: 'l1', targetMode: 'fixed', target: 0.3, targetKind: 'flops' });
    expect(opened.searchForm).toMatchObject({ gridStep: 0.1, gridMax: 0.8 });
    expect(opened.rule).toEqual({ kind: 'tolerance', tolerance: 2.5, by: 'ratio' });
    expect(settingsFromAddress(addressWithSettings('', defaults), settings).trainForm).toMatchObject({ criterion: 'gfr', targetMode: 'auto' });
  });

  it('ignores what it cannot use, and leaves the rest as it was', () => {
    const opened = settingsFromAddress('?criterion=magic&target=2&grid=0.07&grid-max=&tolerance=-1&backend=cpu', defaults);
    expect(opened).toEqual(defaults);
    const budget: AddressSettings = { ...defaults, rule: { kind: 'budget', metric: 'flops', max: 1e6 } };
    expect(addressWithSettings('?tolerance=1', budget)).not.toContain('tolerance');
  });
});
