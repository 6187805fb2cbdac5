import { describe, expect, it } from 'vitest';

import { BLOB_WORKERS_REFUSED, chooseWasmThreads, describeThreads, threadLabel } from './threadChoice';

describe('chooseWasmThreads', () => {
  it('gives one thread to a page that is not isolated, whatever the address or the cores', () => {
    expect(chooseWasmThreads({ isolated: false, cores: 16, requested: null })).toEqual({ threads: 1, reason: 'page not isolated' });
    expect(chooseWasmThreads({ isolated: false, cores: 16, requested: '4' })).toEqual({ threads: 1, reason: 'page not isolated' });
  });

  it('turns threads on by default only from 4 cores, half of them, at most 4', () => {
    expect(chooseWasmThreads({ isolated: true, cores: 2, requested: null })).toEqual({ threads: 1, reason: 'only 2 cores' });
    expect(chooseWasmThreads({ isolated: true, cores: 3, requested: null }).threads).toBe(1);
    expect(chooseWasmThreads({ isolated: true, cores: 4, requested: null })).toEqual({ threads: 2, reason: '4 cores' });
    expect(chooseWasmThreads({ isolated: true, cores: 6, requested: null }).threads).toBe(3);
    expect(chooseWasmThreads({ isolated: true, cores: 32, requested: null }).threads).toBe(4);
    expect(chooseWasmThreads({ isolated: true, cores: 0, requested: null })).toEqual({ threads: 1, reason: 'core count unknown' });
  });

  it('lets ?threads=N override the rule where the page is isolated, on any machine', () => {
    expect(chooseWasmThreads({ isolated: true, cores: 2, requested: '2' })).toEqual({ threads: 2, reason: '?threads=2' });
    expect(chooseWasmThreads({ isolated: true, cores: 16, requested: ' 1 ' })).toEqual({ threads: 1, reason: '?threads=1' });
    expect(chooseWasmThreads({ isolated: true, cores: 2, requested: '8' }).threads).toBe(8);
  });

  it("gives one thread where the worker's policy refuses blob: workers, which the threaded build would wait for forever", () => {
    const choice = chooseWasmThreads({ isolated: true, cores: 16, requested: '2', blobWorkers: false });
    expect(choice).toEqual({ threads: 1, reason: BLOB_WORKERS_REFUSED });
    expect(describeThreads(choice)).toContain("worker-src 'self' blob:");
    expect(chooseWasmThreads({ isolated: true, cores: 16, requested: '2', blobWorkers: true }).threads).toBe(2);
  });

  it('ignores a ?threads= that is not a whole number from 1 to 8, and says so', () => {
    for (const bad of ['0', '9', '1.5', 'two', '-2']) {
      const choice = chooseWasmThreads({ isolated: true, cores: 8, requested: bad });
      expect(choice).toEqual({ threads: 4, reason: '8 cores', invalidRequest: bad });
      expect(describeThreads(choice)).toContain(`Ignored ?threads=${bad}`);
    }
    expect(chooseWasmThreads({ isolated: true, cores: 8, requested: '' })).toEqual({ threads: 4, reason: '8 cores' });
  });
});

describe('threadLabel and describeThreads', () => {
  it('shows the count and why on the engine bar', () => {
    expect(threadLabel({ threads: 2, reason: '?threads=2' })).toBe('wasm · 2 threads (?threads=2)');
    expect(threadLabel({ threads: 1, reason: 'page not isolated' })).toBe('wasm · 1 thread (page not isolated)');
  });

  it('explains one thread: no isolation, few cores, or the address', () => {
    expect(describeThreads({ threads: 1, reason: 'page not isolated' })).toMatch(/not cross-origin isolated.*Cross-Origin-Opener-Policy/);
    expect(describeThreads({ threads: 1, reason: 'only 2 cores' })).toMatch(/fewer than 4 cores.*\?threads=2/);
    expect(describeThreads({ threads: 1, reason: '?threads=1' })).toBe('WebAssembly runs on 1 thread, as the page address asks.');
    expect(describeThreads({ threads: 4, reason: '8 cores' })).toBe('WebAssembly runs on 4 threads (8 cores).');
  });
});
