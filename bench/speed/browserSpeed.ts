/**
 * The browser paths: serves bench/browser with Vite, opens it in headless
 * Debian Chromium (playwright-core) once per backend, and reads the worker's
 * reply. Each backend gets a fresh page, so that one backend's state does not
 * slow the next.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { CHROMIUM_PATH, loadAverage as currentLoad } from '../common/environment';
import { queryFromRequest, type BenchReply, type BenchRequest } from '../browser/protocol';
import type { SpeedPath } from './types';

export const CHROMIUM_ARGS = ['--enable-unsafe-webgpu', '--disable-quic', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-angle=swiftshader'];

export interface BrowserRun extends BenchRequest {
  timeoutMs: number;
}

/** A real GPU: hardware Vulkan and ANGLE instead of SwiftShader (the worker still refuses a software adapter). */
export const GPU_CHROMIUM_ARGS = ['--enable-unsafe-webgpu', '--disable-quic', '--enable-features=Vulkan', '--ignore-gpu-blocklist', '--enable-gpu'];

export async function measureInChromium(runs: BrowserRun[], log: (line: string) => void, args = CHROMIUM_ARGS): Promise<SpeedPath[]> {
  if (!existsSync(CHROMIUM_PATH)) {
    return runs.map((run) => failed(run, `Chromium is not installed at ${CHROMIUM_PATH}`));
  }
  let server: ViteDevServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await createServer({ configFile: fileURLToPath(new URL('../browser/vite.config.ts', import.meta.url)) });
    await server.listen();
    const base = server.resolvedUrls?.local[0];
    if (!base) throw new Error('the bench page server has no local address');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args });
    const paths: SpeedPath[] = [];
    for (const run of runs) paths.push(await measureOne(browser, base, run, log));
    return paths;
  } finally {
    await browser?.close();
    await server?.close();
  }
}

/** chromium-wasm, chromium-wasm-isolated-2t, chromium-webgpu. */
export function browserPathName(run: Pick<BrowserRun, 'backend' | 'threads' | 'isolated'>): string {
  return `chromium-${run.backend}${run.isolated ? '-isolated' : ''}${run.threads > 1 ? `-${run.threads}t` : ''}`;
}

async function measureOne(browser: Browser, base: string, run: BrowserRun, log: (line: string) => void): Promise<SpeedPath> {
  const name = browserPathName(run);
  const page = await browser.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') log(`${name}: ${message.text().slice(0, 300)}`);
  });
  const start = performance.now();
  const loadAverage = currentLoad();
  try {
    await page.goto(`${base}?${queryFromRequest(run)}`);
    await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: run.timeoutMs, polling: 500 });
    const reply = (await page.evaluate(() => window.benchResult)) as BenchReply;
    log(`${name}: ${reply.ok ? `${reply.training.imagesPerSec.toFixed(1)} images/s` : reply.error} (${((performance.now() - start) / 1000).toFixed(0)} s)`);
    if (!reply.ok) return failed(run, reply.error, reply.note);
    return {
      name, environment: 'chromium', backend: reply.backend, training: reply.training, latency: reply.latency, loadAverage,
      ...(reply.profile ? { profile: reply.profile } : {}), ...(reply.note ? { note: reply.note } : {}),
    };
  } catch (error) {
    return failed(run, error instanceof Error ? error.message.split('\n')[0] : String(error));
  } finally {
    await page.close();
  }
}

function failed(run: BrowserRun, error: string, note?: string): SpeedPath {
  return { name: browserPathName(run), environment: 'chromium', backend: run.backend, training: null, latency: null, error, ...(note ? { note } : {}) };
}
