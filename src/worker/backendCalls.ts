/**
 * The worker's own calls, beside the studio's (./studio/calls.ts): choosing the tfjs backend, once per worker, and
 * checking it. Declared here once, as the studio's are: ./messages.ts derives their messages from these functions.
 */
import { selectBackend } from './backend';
import type { CallContext } from './callContext';
import { watchDeviceLoss } from './deviceLoss';
import type { InitParams, InitResult, SelfTestResult } from './messages';
import { runSelfTest } from './selfTest';
import type { NoParams } from './studioTypes';

let initialised: Promise<InitResult> | null = null;

/** Chooses the backend, once per worker: later calls get the same answer (the page calls it first). */
function init(params: InitParams): Promise<InitResult> {
  initialised ??= selectBackend(params.requested, params.threads).then((result) => {
    if (result.backend === 'webgpu') watchDeviceLoss();
    return result;
  });
  return initialised;
}

/** The backend the other calls run on: the one `init` chose or, when the page has not called it yet, the default chain's. */
export const chosenBackend = (): Promise<InitResult> => init({ requested: null });

/** A convolution's forward pass and one gradient step on the backend in use, against a plain-JavaScript reference. */
async function selfTest(_params: NoParams, ctx: CallContext): Promise<SelfTestResult> {
  const { backend } = await chosenBackend();
  ctx.progress({ done: 0, total: 1, label: `self-test on ${backend}` });
  const result = await runSelfTest(backend, ctx.signal);
  ctx.progress({ done: 1, total: 1, label: `self-test on ${backend}` });
  return result;
}

export const BACKEND_CALLS = { init, selfTest };

export type BackendCalls = typeof BACKEND_CALLS;
