/**
 * How many threads the wasm backend gets: a pure rule, tested under Node.
 *
 * The threaded build needs SharedArrayBuffer, which a browser gives only to a
 * cross-origin-isolated page (COOP `same-origin` + COEP `require-corp`). Its
 * XNNPACK pool spin-waits between kernels: on two cores shared with the page
 * and the browser, whole training steps got slower (docs/DECISIONS.md,
 * "Threads"), so threads are on by default only from 4 cores, and `?threads=N`
 * in the page address overrides the rule where the page is isolated.
 */

/** Cores from which threads are on by default. */
export const MIN_CORES_FOR_THREADS = 4;
/** The most threads the default gives (tfjs starts a pool of 8 workers). */
export const MAX_DEFAULT_THREADS = 4;
/** The most threads `?threads=N` may ask for. */
export const MAX_REQUESTED_THREADS = 8;

export interface ThreadInputs {
  /** `crossOriginIsolated` in the worker. */
  isolated: boolean;
  /** `navigator.hardwareConcurrency` (0 or less: unknown). */
  cores: number;
  /** The page's `?threads=` value, as typed; null when absent. */
  requested: string | null;
  /**
   * Whether this worker may start workers from blob: URLs, as the threaded build does (a server
   * whose Content-Security-Policy for the worker lacks `worker-src blob:` refuses them). Absent: yes.
   */
  blobWorkers?: boolean;
}

/** The reason given when the worker's policy refuses the threaded build's workers. */
export const BLOB_WORKERS_REFUSED = "the worker's policy refuses blob: workers";

export interface ThreadChoice {
  threads: number;
  /** Why, in a few words, for the engine bar: "page not isolated", "?threads=2", "8 cores". */
  reason: string;
  /** Set when `?threads=` held something that is not a whole number from 1 to MAX_REQUESTED_THREADS. */
  invalidRequest?: string;
}

function parseRequest(requested: string | null): number | 'invalid' | null {
  if (requested === null || requested.trim() === '') return null;
  const value = Number(requested.trim());
  return Number.isInteger(value) && value >= 1 && value <= MAX_REQUESTED_THREADS ? value : 'invalid';
}

export function chooseWasmThreads({ isolated, cores, requested, blobWorkers = true }: ThreadInputs): ThreadChoice {
  const request = parseRequest(requested);
  const invalid = request === 'invalid' ? { invalidRequest: requested ?? '' } : {};
  if (!isolated) return { threads: 1, reason: 'page not isolated', ...invalid };
  // Without its workers the threaded build would wait for them forever.
  if (!blobWorkers) return { threads: 1, reason: BLOB_WORKERS_REFUSED, ...invalid };
  if (typeof request === 'number') return { threads: request, reason: `?threads=${request}` };
  if (cores >= MIN_CORES_FOR_THREADS) {
    return { threads: Math.min(MAX_DEFAULT_THREADS, Math.floor(cores / 2)), reason: `${cores} cores`, ...invalid };
  }
  return { threads: 1, reason: cores > 0 ? `only ${cores} cores` : 'core count unknown', ...invalid };
}

/** "wasm · 2 threads (?threads=2)", "wasm · 1 thread (page not isolated)". */
export function threadLabel(choice: Pick<ThreadChoice, 'threads' | 'reason'>): string {
  return `wasm · ${choice.threads} thread${choice.threads === 1 ? '' : 's'} (${choice.reason})`;
}

/** A sentence for the engine's note: what the choice means and how to change it. */
export function describeThreads(choice: ThreadChoice): string {
  const parts: string[] = [];
  if (choice.threads > 1) {
    parts.push(`WebAssembly runs on ${choice.threads} threads (${choice.reason}).`);
  } else if (choice.reason === 'page not isolated') {
    parts.push(
      'WebAssembly runs on 1 thread: the page is not cross-origin isolated (its server sends no ' +
        'Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy headers), so threads are not available.',
    );
  } else if (choice.reason === BLOB_WORKERS_REFUSED) {
    parts.push(
      "WebAssembly runs on 1 thread: the engine worker's Content-Security-Policy refuses the workers the threaded " +
        "build starts from blob: URLs (its server should send worker-src 'self' blob:; README, \"Threads\").",
    );
  } else if (choice.reason.startsWith('?threads=')) {
    parts.push('WebAssembly runs on 1 thread, as the page address asks.');
  } else {
    parts.push(
      `WebAssembly runs on 1 thread (${choice.reason}): on fewer than ${MIN_CORES_FOR_THREADS} cores the ` +
        'thread pool slows training down; add ?threads=2 to the address to try it anyway.',
    );
  }
  if (choice.invalidRequest !== undefined) {
    parts.push(`Ignored ?threads=${choice.invalidRequest}: not a whole number from 1 to ${MAX_REQUESTED_THREADS}.`);
  }
  return parts.join(' ');
}
