/**
 * The engine worker's entry. It owns tfjs and every tensor; the page talks to
 * it only through the messages in ./messages.ts (see ./bridge.ts for the page
 * side). Each call runs with its own AbortSignal, so `cancel` reaches it.
 */

import { BACKEND_CALLS, chosenBackend, type BackendCalls } from './backendCalls';
import type { CallContext } from './callContext';
import { serializeError } from './messages';
import type { MethodName, Progress, ResultOf, WorkerRequest, WorkerResponse } from './messages';
import { createStudio } from './studio/calls';

const studio = createStudio({ onStorageNotice: (notice) => post({ kind: 'notice', notice }) });

/** Studio calls that need no backend, so they never choose the default one before the page's `init` has come. */
const WITHOUT_BACKEND: ReadonlySet<MethodName> = new Set<MethodName>(['pauseTraining', 'forgetSavedWork']);

const isBackendCall = (method: MethodName): method is keyof BackendCalls => Object.hasOwn(BACKEND_CALLS, method);

/** Answers one call from the table of calls, the studio's after the backend is chosen. */
async function answer(method: MethodName, params: unknown, ctx: CallContext): Promise<unknown> {
  // The union of requests narrows per method; TypeScript cannot follow the
  // pairing of `method` and `params` through the lookup, hence the casts.
  if (isBackendCall(method)) return (BACKEND_CALLS[method] as (params: unknown, ctx: CallContext) => unknown)(params, ctx);
  if (!WITHOUT_BACKEND.has(method)) await chosenBackend();
  return (studio[method] as (params: unknown, ctx: CallContext) => unknown)(params, ctx);
}

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
    const result = await answer(request.method, request.params, ctx);
    post({ kind: 'result', id, result: result as ResultOf<MethodName> }, ctx.transfer);
  } catch (err) {
    post({ kind: 'error', id, error: serializeError(err) });
  } finally {
    running.delete(id);
  }
}

addEventListener('message', (event: MessageEvent<WorkerRequest>) => {
  void handle(event.data);
});
