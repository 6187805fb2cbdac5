/**
 * Cross-origin isolation: with these two headers on the page (and on the
 * engine worker's script) the browser gives the page SharedArrayBuffer, which
 * the threaded wasm build needs (src/worker/threadChoice.ts). The studio
 * works without them, on one thread.
 *
 * `require-corp` rather than `credentialless`: everything the page loads is its
 * own origin's, and the one cross-origin request, a hosted model the user asks
 * for by its address, is a CORS fetch, which `require-corp` allows (a server
 * that does not allow CORS is refused with or without isolation). Safari
 * knows `require-corp` only.
 *
 * `npm start` (vite) and `vite preview` send them; public/_headers carries the
 * same two for static hosts that read that file (Netlify, Cloudflare Pages).
 */
import type { Connect, Plugin } from 'vite';

export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Whether a request is a page that asks not to be isolated with `?isolated=0`
 * (the bench measures both ways; the studio's own server always isolates).
 */
export const asksNotIsolated = (url: string | undefined): boolean => new URL(url ?? '/', 'http://x').searchParams.get('isolated') === '0';

function middleware(skip: (url: string | undefined) => boolean): Connect.NextHandleFunction {
  return (req, res, next) => {
    if (!skip(req.url)) for (const [name, value] of Object.entries(ISOLATION_HEADERS)) res.setHeader(name, value);
    next();
  };
}

/** Sends the isolation headers from the dev server and from `vite preview`, except where `skip` says. */
export function crossOriginIsolation(skip: (url: string | undefined) => boolean = () => false): Plugin {
  return {
    name: 'gfr-cross-origin-isolation',
    configureServer(server) {
      server.middlewares.use(middleware(skip));
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware(skip));
    },
  };
}
