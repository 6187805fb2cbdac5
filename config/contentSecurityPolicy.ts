/**
 * The built studio's Content-Security-Policy: the page keeps its promise that
 * nothing leaves the machine because the browser refuses anything else.
 *
 * - Scripts, the engine worker and the wasm binaries come from the origin
 *   only; `'wasm-unsafe-eval'` lets tfjs-backend-wasm compile its binaries
 *   (WebAssembly.instantiate), and allows no JavaScript eval.
 * - `connect-src 'self'`: the only requests are the wasm files the worker
 *   fetches from the origin. Dropped files are read with the File API, and
 *   downloads are object URLs the page makes itself.
 * - No inline scripts; styles from the origin's stylesheet only. React and
 *   recharts set inline styles through the DOM (element.style), which CSP
 *   does not govern, so `'unsafe-inline'` is not needed.
 *
 * A later feature that loads a model from a URL the user types will need
 * that origin in `connect-src` (asked for, per origin), not a wildcard.
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
