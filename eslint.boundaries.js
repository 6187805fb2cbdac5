// Which folder may import which (docs/ARCHITECTURE.md, "Rules that keep it
// simple"), as lint errors: a wrong import fails `npm run lint`
// (src/boundaries.test.ts proves it). Patterns are regular expressions on the
// import's text; each folder's block lists all of its restrictions, because a
// later block's options replace an earlier one's for the same file.
const RULE = '@typescript-eslint/no-restricted-imports';

const tfjs = { group: ['@tensorflow/*'], message: 'The page holds no tensor code: tfjs runs in the worker only.' };
const engineToOuter = {
  regex: '(^|/)(worker|ui)(/|$)',
  message: 'The engine never imports the worker or the UI: they import the engine.',
};
const outOfCore = {
  regex: '^\\.\\./',
  message: 'src/engine/core imports nothing else of the engine: it is the layer everything else stands on.',
};
const uiOrWorker = {
  regex: '(^|/)src/(ui|worker)(/|$)',
  message: 'The CLI and the benchmarks drive the engine directly, not the page or the worker.',
};
const workerInternals = {
  regex: '(^|/)worker/(?!(messages|studioTypes|bridge)$)',
  message: "The page talks to the worker through its bridge and message types only (src/worker/messages.ts, studioTypes.ts, bridge.ts).",
};
const workerTypes = {
  regex: '(^|/)worker/(messages|studioTypes|bridge)$',
  allowTypeImports: true,
  message: 'The page imports the worker\'s message types only as types (`import type`): its code stays in the worker.',
};

const restrict = (...patterns) => ({ [RULE]: ['error', { patterns }] });

export const boundaries = [
  { files: ['src/engine/**/*.ts'], rules: restrict(engineToOuter) },
  { files: ['src/engine/core/**/*.ts'], rules: restrict(engineToOuter, outOfCore) },
  { files: ['src/ui/**/*.{ts,tsx}'], rules: restrict(tfjs, workerInternals, workerTypes) },
  { files: ['src/main.tsx'], rules: restrict(tfjs) },
  { files: ['cli/**/*.ts', 'bench/**/*.ts'], rules: restrict(uiOrWorker) },
];
