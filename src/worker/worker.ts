/**
 * The engine worker's entry. It owns tfjs and every tensor; the page talks to
 * it only through the messages in ./messages.ts (see ./bridge.ts for the page
 * side). Each call runs with its own AbortSignal, so `cancel` reaches it.
 */

import { selectBackend } from './backend';
import { watchDeviceLoss } from './deviceLoss';
import type { CallContext } from './callContext';
import { serializeError } from './messages';
import type {
  InitResult,
  MethodName,
  ParamsOf,
  Progress,
  ResultOf,
  WorkerRequest,
  WorkerResponse,
} from './messages';
import { runSelfTest } from './selfTest';
import { createStudio } from './studio/calls';

type Handlers = {
  [M in MethodName]: (params: ParamsOf<M>, ctx: CallContext) => Promise<ResultOf<M>>;
};

/** The backend is chosen once per worker; later `init` calls get the same answer. */
let initialised: Promise<InitResult> | null = null;

function init(requested: string | null | undefined, threads?: string | null): Promise<InitResult> {
  initialised ??= selectBackend(requested, threads).then((result) => {
    if (result.backend === 'webgpu') watchDeviceLoss();
    return result;
  });
  return initialised;
}

const studio = createStudio({ onStorageNotice: (notice) => post({ kind: 'notice', notice }) });

/** A studio call, after the backend is chosen (the page normally calls `init` first). */
const withBackend = <P, R>(call: (params: P, ctx: CallContext) => R | Promise<R>) =>
  async (params: P, ctx: CallContext): Promise<R> => {
    await init(null);
    return call(params, ctx);
  };

const handlers: Handlers = {
  init: (params) => init(params.requested, params.threads),
  selfTest: async (_params, ctx) => {
    const { backend } = await init(null);
    ctx.progress({ done: 0, total: 1, label: `self-test on ${backend}` });
    const result = await runSelfTest(backend, ctx.signal);
    ctx.progress({ done: 1, total: 1, label: `self-test on ${backend}` });
    return result;
  },
  loadModel: withBackend((params, ctx) => studio.loadModel(params, ctx)),
  loadData: withBackend((params, ctx) => studio.loadData(params, ctx)),
  loadValidationData: withBackend((params, ctx) => studio.loadValidationData(params, ctx)),
  train: withBackend((params, ctx) => studio.train(params, ctx)),
  pauseTraining: async (params) => studio.pauseTraining(params),
  estimateTraining: withBackend((params, ctx) => studio.estimateTraining(params, ctx)),
  scores: withBackend((params) => studio.scores(params)),
  searchStart: withBackend((params, ctx) => studio.searchStart(params, ctx)),
  searchNext: withBackend((params, ctx) => studio.searchNext(params, ctx)),
  searchRest: withBackend((params, ctx) => studio.searchRest(params, ctx)),
  select: withBackend((params) => studio.select(params)),
  exportCandidate: withBackend((params, ctx) => studio.exportCandidate(params, ctx)),
  setPreprocessing: withBackend((params, ctx) => studio.setPreprocessing(params, ctx)),
  checkReference: withBackend((params) => studio.checkReference(params)),
  measureQuantized: withBackend((params, ctx) => studio.measureQuantized(params, ctx)),
  exportOriginalOnnx: withBackend((params, ctx) => studio.exportOriginalOnnx(params, ctx)),
  restore: withBackend((params, ctx) => studio.restore(params, ctx)),
  resumeTraining: withBackend((params, ctx) => studio.resumeTraining(params, ctx)),
  forgetSavedWork: (params, ctx) => studio.forgetSavedWork(params, ctx),
};

const running = new Map<number, AbortController>();
const PROGRESS_INTERVAL_MS = 100;

function post(message: WorkerResponse, transfer: Transferable[] = []): void {
  postMessage(message, transfer);
}

/** Drops plain progress that comes too fast; progress with a detail (chart data) always goes out. */
function throttledProgress(id: number): (p: Progress) => void {
  let last = 0;
  return (progress) => {
    const now = performance.now();
    if (now - last < PROGRESS_INTERVAL_MS && progress.done < progress.total && !progress.detail) return;
    last = now;
    post({ kind: 'progress', id, progress });
  };
}

async function handle(request: WorkerRequest): Promise<void> {
  if (request.kind === 'cancel') {
    running.get(request.id)?.abort();
    return;
  }
  const { id } = request;
  const controller = new AbortController();
  running.set(id, controller);
  const ctx: CallContext = { signal: controller.signal, progress: throttledProgress(id), transfer: [] };
  try {
    // The union of requests narrows per method; TypeScript cannot follow the
    // pairing of `method` and `params` through the lookup, hence the cast.
    const handler = handlers[request.method] as (params: unknown, ctx: CallContext) => Promise<ResultOf<MethodName>>;
    const result = await handler(request.params, ctx);
    post({ kind: 'result', id, result }, ctx.transfer);
  } catch (err) {
    post({ kind: 'error', id, error: serializeError(err) });
  } finally {
    running.delete(id);
  }
}

addEventListener('message', (event: MessageEvent<WorkerRequest>) => {
  void handle(event.data);
});
