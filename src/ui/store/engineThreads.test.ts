/** The page's `?threads=` travels to the worker with `init`, as typed; the worker's rule decides (threadChoice.ts). */
import { describe, expect, it } from 'vitest';

import type { MethodName, ParamsOf, ResultOf } from '../../worker/messages';
import { createStudioStore } from './store';

function initOnlyEngine() {
  const inits: unknown[] = [];
  return {
    inits,
    call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
      if (method !== 'init') return Promise.reject(new Error(`not in this test: ${method}`));
      inits.push(params);
      return new Promise(() => {});
    },
  };
}

describe('?threads= in the page address', () => {
  it('is passed to the worker as typed, next to ?backend=', () => {
    const engine = initOnlyEngine();
    void createStudioStore({ engine, requestedBackend: 'wasm', requestedThreads: '2' }).getState().startEngine();
    expect(engine.inits).toEqual([{ requested: 'wasm', threads: '2' }]);
  });

  it('is left out when the address has none, so the worker applies its default', () => {
    const engine = initOnlyEngine();
    void createStudioStore({ engine, requestedBackend: null }).getState().startEngine();
    expect(engine.inits).toEqual([{ requested: null }]);
  });
});
