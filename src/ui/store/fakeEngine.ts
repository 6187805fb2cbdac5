/**
 * For the store's tests: a stand-in for the worker bridge. Each call is answered by its handler (a value, or a throw
 * for the worker's error) and recorded; a method without a handler fails. The handlers can be swapped, as a restarted
 * worker would answer differently.
 */
import type { CallOptions } from '../../worker/bridge';
import type { MethodName, ParamsOf, ResultOf } from '../../worker/messages';
import type { EngineClient } from './common';

export type Handler = (params: unknown, options: CallOptions) => unknown;
export type Handlers = Partial<Record<MethodName, Handler>>;

export interface FakeEngine extends EngineClient {
  readonly handlers: Handlers;
  /** The methods called so far, in order. */
  methods(): MethodName[];
  /** The parameters of each call of `method` so far, in order. */
  paramsOf(method: MethodName): unknown[];
}

export function fakeEngine(handlers: Handlers): FakeEngine {
  const calls: { method: MethodName; params: unknown }[] = [];
  return {
    handlers,
    methods: () => calls.map((call) => call.method),
    paramsOf: (method) => calls.filter((call) => call.method === method).map((call) => call.params),
    call<M extends MethodName>(method: M, params: ParamsOf<M>, options: CallOptions = {}): Promise<ResultOf<M>> {
      calls.push({ method, params });
      const handler = handlers[method];
      if (!handler) return Promise.reject(new Error(`no ${method}`));
      try {
        return Promise.resolve(handler(params, options) as ResultOf<M>);
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}
