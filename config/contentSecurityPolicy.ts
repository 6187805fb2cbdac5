/**
 * The built studio's Content-Security-Policy (what it allows: docs/ARCHITECTURE.md, "Content-Security-Policy"). Why
 * it is shaped so: the page promises that nothing leaves the machine, and the browser then refuses anything else.
 * `'wasm-unsafe-eval'` lets tfjs-backend-wasm compile its binaries without allowing JavaScript eval; no
 * `'unsafe-inline'` is needed because React and recharts set inline styles through the DOM, which CSP does not
 * govern. A dedicated worker takes its policy from its own response, not the page's: the engine worker's script gets
 * the page's policy with the two rights only it needs (a hosted model's fetch, the wasm build's thread workers).
 */
import type { Plugin } from 'vite';

const DIRECTIVES: [string, string][] = [
  ['default-src', "'self'"],
  ['script-src', "'self' 'wasm-unsafe-eval'"],
  ['worker-src', "'self'"],
  ['connect-src', "'self'"],
  ['img-src', "'self'"],
  ['style-src', "'self'"],
  ['font-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
];

/** `frame-ancestors` works only as a header (a meta tag may not set it). */
const HEADER_ONLY: [string, string][] = [['frame-ancestors', "'none'"]];

const join = (directives: [string, string][]): string => directives.map(([name, value]) => `${name} ${value}`).join('; ');

/** The policy as `vite preview` (or any server) sends it in the Content-Security-Policy header. */
export const CSP_HEADER = join([...DIRECTIVES, ...HEADER_ONLY]);
/** The policy as the built index.html carries it, for servers that send no header. */
export const CSP_META = join(DIRECTIVES);

/** The hosted-model fetch (https anywhere, or http on this machine) that only the engine worker may make. */
export const WORKER_CONNECT_SRC = "'self' https: http://localhost:* http://127.0.0.1:*";

/**
 * The threaded wasm build's pthread workers, which the engine worker starts from a blob: URL of the script
 * tfjs-backend-wasm carries (src/worker/wasmThreads.ts); only code of the origin can make such a URL.
 */
export const WORKER_WORKER_SRC = "'self' blob:";

const WORKER_ONLY: Record<string, string> = { 'connect-src': WORKER_CONNECT_SRC, 'worker-src': WORKER_WORKER_SRC };

/** The engine worker script's header: the page's policy, with `connect-src` for hosted models and `worker-src` for wasm threads. */
export const CSP_WORKER_HEADER = join([...DIRECTIVES.map(([name, value]): [string, string] => [name, WORKER_ONLY[name] ?? value]), ...HEADER_ONLY]);

/** The built engine worker's script: `assets/worker-<hash>.js` (src/worker/worker.ts). */
export const isWorkerScript = (path: string): boolean => /^\/assets\/worker-[\w-]+\.js$/.test(path);

/**
 * `vite preview` sends the policy as a user's server should: the page's header
 * on every file, the worker's on the engine worker's script.
 */
export function contentSecurityPolicyHeaders(): Plugin {
  return {
    name: 'gfr-content-security-policy-headers',
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '/').split('?')[0];
        res.setHeader('Content-Security-Policy', isWorkerScript(path) ? CSP_WORKER_HEADER : CSP_HEADER);
        next();
      });
    },
  };
}

/**
 * Adds the policy to the built index.html as a meta tag. Only to the build:
 * the dev server injects inline scripts and styles for hot reloading, which
 * the policy would block.
 */
export function contentSecurityPolicy(): Plugin {
  return {
    name: 'gfr-content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP_META }, injectTo: 'head-prepend' }],
  };
}
