// The speed benchmark's own page (bench/browser), served by Vite from this
// folder; it imports the engine from ../../src. Independent of the studio's
// vite.config.ts at the repository root.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { asksNotIsolated, crossOriginIsolation } from '../../config/crossOriginIsolation.ts';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  // Isolated (COOP/COEP) unless the page's address says `isolated=0`: the speed run measures wasm both ways.
  plugins: [crossOriginIsolation(asksNotIsolated)],
  worker: { format: 'es' },
  // The dependency scanner does not follow `new Worker(new URL(...))`: list
  // tfjs here so that the first load does not discover it and reload the page.
  optimizeDeps: {
    entries: ['worker.ts', 'main.ts'],
    include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'],
  },
  server: {
    port: 5183,
    strictPort: false,
    open: false,
    fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] },
  },
});
