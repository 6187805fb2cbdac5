import { describe, expect, it } from 'vitest';
import { sparsityProgress, sparsityShortfall } from './sparsityText';

describe('sparsity in words', () => {
  it('gives both shares against the schedule of the kind of target followed', () => {
    expect(sparsityProgress({ zeroShare: 0.483, freedFlopsShare: 0.728, targetShare: 0.5, targetKind: 'channels', lambda: 1, zeroShareByGroup: {} })).toBe(
      'zero channels 48.3%, FLOPs freed 72.8% (schedule 50.0% of channels)',
    );
  });

  it('says when training ended short of its target, in the kind of target it followed', () => {
    expect(sparsityShortfall({ zeroShare: 0.572, targetShare: 0.7, targetKind: 'channels', freedFlopsShare: 0.83 })).toBe(
      'short of the 70.0% target of the channels: more sparse epochs would get closer',
    );
    expect(sparsityShortfall({ zeroShare: 0.2, targetShare: 0.8, targetKind: 'flops', freedFlopsShare: 0.6 })).toMatch(/80\.0% target of the FLOPs/);
    expect(sparsityShortfall({ zeroShare: 0.498, targetShare: 0.5, targetKind: 'channels', freedFlopsShare: 0.7 })).toBeNull();
    expect(sparsityShortfall({ zeroShare: 0.3, targetShare: 0.8, targetKind: 'flops', freedFlopsShare: 0.81 })).toBeNull();
    // Work saved before FLOPs were tracked: channels, as then.
    expect(sparsityShortfall({ zeroShare: 0.3, targetShare: 0.5 })).toMatch(/of the channels/);
  });
});
