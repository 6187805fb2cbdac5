import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

import { contentSecurityPolicy, contentSecurityPolicyHeaders } from './config/contentSecurityPolicy.ts';
import { crossOriginIsolation } from './config/crossOriginIsolation.ts';

// The studio is a static site: the page (React) and one module worker that
// holds tfjs and every tensor. tfjs-backend-wasm's .wasm binaries are imported
// with `?url` inside the worker (src/worker/backend.ts), so Vite serves them
// in dev and fingerprints them into dist/assets on build.
/**
 * `npm start` opens the studio in a browser, but only where there is a screen
 * to open it on: on a headless Linux machine (CI, SSH) xdg-open has nothing to
 * show, or starts a text browser in the terminal. BROWSER=none also opts out.
 */
const hasDisplay =
  process.platform !== 'linux' || Boolean(process.env.DISPLAY) || Boolean(process.env.WAYLAND_DISPLAY);
const openBrowser = hasDisplay && !process.env.CI;

export default defineConfig({
  // crossOriginIsolation(): COOP/COEP from `npm start` and `vite preview`, for the threaded wasm build.
  plugins: [react(), contentSecurityPolicy(), contentSecurityPolicyHeaders(), crossOriginIsolation()],
  worker: {
    format: 'es',
  },
  build: {
    target: 'es2022',
    // tfjs is large by nature; the warning would only be noise.
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      // The worker's own build (tfjs) dominates the time and is reported as
      // one slow plugin call on every build; that is expected, not a problem.
      checks: { bundlerTimings: false },
    },
  },
  optimizeDeps: {
    // The dependency scanner starts from index.html and does not follow
    // `new Worker(new URL(...))`, so without this list the dev server would
    // discover tfjs on the worker's first load and reload the page.
    include: [
      '@tensorflow/tfjs',
      '@tensorflow/tfjs-backend-webgpu',
      '@tensorflow/tfjs-backend-wasm',
    ],
  },
  server: {
    port: 5173,
    open: openBrowser,
  },
  preview: {
    port: 4173,
    // The Content-Security-Policy headers come from contentSecurityPolicyHeaders(), as a user's server should send
    // them (docs/ARCHITECTURE.md, "Content-Security-Policy").
  },
});
