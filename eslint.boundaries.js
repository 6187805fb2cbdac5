// Which folder may import which (docs/ARCHITECTURE.md, "Rules that keep it
// simple"), as lint errors: a wrong import fails `npm run lint`
// (src/boundaries.test.ts proves it). Patterns are regular expressions on the
// import's text; each folder's block lists all of its restrictions, because a
// later block's options replace an earlier one's for the same file.
const RULE = '@typescript-eslint/no-restricted-imports';

const forbid = (regex, message, options = {}) => ({ regex, message, ...options });

const tfjs = { group: ['@tensorflow/*'], message: 'The page holds no tensor code: tfjs runs in the worker only.' };
const engineToOuter = forbid('(^|/)(worker|ui)(/|$)', 'The engine never imports the worker or the UI: they import the engine.');
const outOfCore = forbid('^\\.\\./', 'src/engine/core imports nothing else of the engine: it is the layer everything else stands on.');
const outOfContract = forbid('^\\.\\./', 'src/contract imports nothing outside itself: every side imports it, so it must stand alone.');
const engine = forbid('(^|/)engine(/|$)', "The page imports the engine's vocabulary from src/contract, never the engine itself.");
const uiOrWorker = forbid('(^|/)src/(ui|worker)(/|$)', 'The CLI and the benchmarks drive the engine directly, not the page or the worker.');
const uiOrWorkerBut = (...modules) =>
  forbid(
    `(^|/)src/(ui(/|$)|worker/(?!(${modules.join('|')})$))`,
    `The benchmarks drive the engine directly, not the page or the worker (only ${modules.map((m) => `src/worker/${m}.ts`).join(' and ')} are shared).`,
  );
const workerInternals = forbid(
  '(^|/)worker/(?!(messages|studioTypes|bridge)$)',
  'The page talks to the worker through its bridge and message types only (src/worker/messages.ts, studioTypes.ts, bridge.ts).',
);
const workerTypes = forbid(
  '(^|/)worker/(messages|studioTypes|bridge)$',
  "The page imports the worker's message types only as types (`import type`): its code stays in the worker.",
  { allowTypeImports: true },
);

const restrict = (...patterns) => ({ [RULE]: ['error', { patterns }] });

export const boundaries = [
  { files: ['src/engine/**/*.ts'], rules: restrict(engineToOuter) },
  // A test of core may use the engine's test fixtures (src/engine/testing).
  { files: ['src/engine/core/**/*.ts'], ignores: ['src/engine/core/**/*.test.ts'], rules: restrict(engineToOuter, outOfCore) },
  { files: ['src/contract/**/*.ts'], rules: restrict(tfjs, outOfContract) },
  { files: ['src/ui/**/*.{ts,tsx}'], rules: restrict(tfjs, engine, workerInternals, workerTypes) },
  { files: ['src/main.tsx'], rules: restrict(tfjs, engine) },
  { files: ['cli/**/*.ts', 'bench/**/*.ts'], rules: restrict(uiOrWorker) },
  // The bench page's worker starts its backend (wasm binaries and threads, the GPU adapter) the way the studio's worker does.
  { files: ['bench/browser/**/*.ts'], rules: restrict(uiOrWorkerBut('backendChoice', 'wasmThreads')) },
];
