/**
 * WebAssembly threads (issue 11): the built app, served cross-origin isolated by `vite preview`
 * (config/crossOriginIsolation.ts), runs tfjs's threaded wasm build with `?threads=2` and trains on it;
 * the same app without the isolation headers falls back to one thread and says why.
 */
import { expect, test, type Page } from '@playwright/test';

import { CSP_HEADER, isWorkerScript } from '../config/contentSecurityPolicy';
import { ISOLATION_HEADERS } from '../config/crossOriginIsolation';
import { recordLongTasks, smallBudget, trainAndScore, UNTIL_DONE, waitForBackend, watchErrors } from './helpers/studioPage';

async function openOnWasm(page: Page, query: string): Promise<void> {
  await page.setViewportSize({ width: 1024, height: 900 });
  await page.goto(`/?backend=wasm&${query}`);
  expect(await waitForBackend(page)).toBe('wasm');
  await expect(page.getByTestId('data-summary')).toContainText('10,000', UNTIL_DONE);
}

test('isolated, ?threads=2: the threaded build runs on two threads and trains', async ({ page }) => {
  const errors = watchErrors(page);
  // Emscripten's pthreads are workers the engine worker starts from blob: URLs.
  const pthreads: string[] = [];
  page.on('worker', (worker) => {
    if (worker.url().startsWith('blob:')) pthreads.push(worker.url());
  });
  await recordLongTasks(page);
  const response = page.waitForResponse((r) => new URL(r.url()).pathname === '/');
  await openOnWasm(page, 'threads=2');
  const headers = (await response).headers();
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) expect(headers[name.toLowerCase()]).toBe(value);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  // The count the wasm backend reports after it started, not the one asked for.
  await expect(page.getByTestId('wasm-threads')).toHaveText('wasm · 2 threads (?threads=2)');
  expect(pthreads.length).toBeGreaterThanOrEqual(2);

  await smallBudget(page, 3);
  // Every step of the run, on the threaded build, to the scores.
  await trainAndScore(page);
  await expect(page.getByTestId('train-done')).toBeVisible();
  expect(errors).toEqual([]);
});

test('not isolated: one thread, and the engine bar says why', async ({ page }) => {
  const errors = watchErrors(page);
  // The page as a server without the isolation headers sends it.
  await page.route((url) => url.pathname === '/', async (route) => {
    const response = await route.fetch();
    const headers = Object.fromEntries(Object.entries(response.headers()).filter(([name]) => !/^cross-origin-(opener|embedder)-policy$/.test(name)));
    await route.fulfill({ response, headers });
  });
  await openOnWasm(page, 'threads=2');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
  await expect(page.getByTestId('wasm-threads')).toHaveText('wasm · 1 thread (page not isolated)');
  await expect(page.getByTestId('backend-note')).toContainText('the page is not cross-origin isolated');
  await page.getByRole('button', { name: 'Run self-test' }).click();
  await expect(page.getByTestId('selftest-verdict')).toContainText('Self-test passed on wasm', UNTIL_DONE);
  expect(errors).toEqual([]);
});

test("isolated, but the worker's policy refuses blob: workers: one thread, not a backend that never starts", async ({ page }) => {
  const errors = watchErrors(page);
  // A server that sends the page's policy for the worker too (worker-src 'self' only).
  await page.route((url) => isWorkerScript(url.pathname), async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': CSP_HEADER } });
  });
  await openOnWasm(page, 'threads=2');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect(page.getByTestId('wasm-threads')).toHaveText("wasm · 1 thread (the worker's policy refuses blob: workers)");
  await expect(page.getByTestId('backend-note')).toContainText("worker-src 'self' blob:");
  // The probe's refusal is the only complaint.
  expect(errors.filter((e) => !/Content Security Policy|worker-src/.test(e))).toEqual([]);
});
