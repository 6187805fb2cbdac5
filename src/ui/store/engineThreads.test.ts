/** The page's `?threads=` travels to the worker with `init`, as typed; the worker's rule decides (threadChoice.ts). */
import { describe, expect, it } from 'vitest';

import { fakeEngine } from './fakeEngine';
import { createStudioStore } from './store';

/** An engine that never answers `init`: what matters here is what the page asks it. */
const initOnlyEngine = () => fakeEngine({ init: () => new Promise(() => {}) });

describe('?threads= in the page address', () => {
  it('is passed to the worker as typed, next to ?backend=', () => {
    const engine = initOnlyEngine();
    void createStudioStore({ engine, requestedBackend: 'wasm', requestedThreads: '2' }).getState().startEngine();
    expect(engine.paramsOf('init')).toEqual([{ requested: 'wasm', threads: '2' }]);
  });

  it('is left out when the address has none, so the worker applies its default', () => {
    const engine = initOnlyEngine();
    void createStudioStore({ engine, requestedBackend: null }).getState().startEngine();
    expect(engine.paramsOf('init')).toEqual([{ requested: null }]);
  });
});
