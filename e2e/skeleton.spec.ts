/**
 * The page skeleton in a real browser: the page loads, the engine worker picks
 * a backend and says why, and the self-test computes in that worker.
 *
 * The default project launches Chromium with --enable-unsafe-webgpu; on a
 * machine without a GPU that gives SwiftShader, a software fallback adapter.
 * The worker then prefers wasm (a software GPU trains slower) unless the page
 * address asks for ?backend=webgpu, which the WebGPU test does to exercise the
 * real WebGPU path. One group relaunches without the flag to check the
 * fallback path, and one forces wasm through the page address (which also
 * checks that the .wasm binaries are served from the build).
 */

import { expect, test as base } from '@playwright/test';
import type { Page } from '@playwright/test';

import { ARTIFACTS, UNTIL_DONE, watchErrors } from './helpers/studioPage';

function expectNoErrors(errors: string[]): void {
  expect(errors, 'console errors, failed requests or uncaught exceptions on the page').toEqual([]);
}

/** Every test's page is watched; a test fails if its page logged an error. */
const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors = watchErrors(page);
      await use(errors);
      expectNoErrors(errors);
    },
    { auto: true },
  ],
});

const BACKEND_NAME = /^(webgpu|webgl|wasm|cpu)$/;

async function backendOf(page: Page): Promise<string> {
  const backend = page.getByTestId('backend');
  await expect(backend).toHaveText(BACKEND_NAME, UNTIL_DONE);
  return (await backend.textContent()) ?? '';
}

/** Runs the self-test from the keyboard and checks that its numbers are finite and right. */
async function runSelfTest(page: Page, backend: string): Promise<void> {
  const button = page.getByRole('button', { name: 'Run self-test' });
  await expect(button).toBeEnabled();
  await button.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('selftest-verdict')).toContainText(`Self-test passed on ${backend}`, UNTIL_DONE);
  const lossBefore = Number(await page.getByTestId('selftest-loss-before').textContent());
  expect(Number.isFinite(lossBefore)).toBe(true);
  expect(lossBefore).toBeGreaterThan(0);
  const maxError = Number(await page.getByTestId('selftest-max-error').textContent());
  expect(maxError).toBeLessThan(1e-3);
  // Where the backend can take the gradient, the step must have lowered the loss.
  if ((await page.getByTestId('selftest-skipped').count()) === 0) {
    const lossAfter = Number(await page.getByTestId('selftest-loss-after').textContent());
    expect(Number.isFinite(lossAfter)).toBe(true);
    expect(lossAfter).toBeLessThan(lossBefore);
  }
}

/** Opens "What was tried" and returns the WebGPU adapter line; software when SwiftShader or a fallback adapter. */
async function adapterOf(page: Page): Promise<{ text: string; software: boolean }> {
  await page.getByText('What was tried').click();
  const adapterLine = page.getByText(/^WebGPU adapter:/);
  await expect(adapterLine).toBeVisible();
  const text = (await adapterLine.textContent()) ?? '';
  test.info().annotations.push({ type: 'adapter', description: text });
  return { text, software: /fallback adapter: yes/.test(text) || /swiftshader/i.test(text) };
}

test.describe('with WebGPU enabled', () => {
  test('?backend=webgpu runs on WebGPU, names the adapter, and passes the self-test', async ({ page }) => {
    await page.goto('/?backend=webgpu');
    await expect(page).toHaveTitle('GFR Studio');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('GFR Studio');
    for (const stage of ['Model & data', 'Train & score', 'Compress & export']) {
      await expect(page.getByRole('heading', { name: stage })).toBeVisible();
    }

    expect(await backendOf(page)).toBe('webgpu');
    const note = page.getByTestId('backend-note');
    await expect(note).toContainText('The page address asks for ?backend=webgpu.');
    if ((await adapterOf(page)).software) {
      // Headless Chromium without a GPU: SwiftShader, which must be called software.
      await expect(note).toContainText('software adapter');
      await expect(note).toContainText(/fallback adapter|not a hardware GPU/);
    } else {
      await expect(note).toContainText('hardware adapter');
    }

    await runSelfTest(page, 'webgpu');
    await page.screenshot({ path: `${ARTIFACTS}/webgpu.png`, fullPage: true });
  });

  test('without ?backend, a software WebGPU adapter gives way to wasm, and the page says why', async ({ page }) => {
    await page.goto('/');
    const backend = await backendOf(page);
    const note = page.getByTestId('backend-note');
    if ((await adapterOf(page)).software) {
      expect(backend).toBe('wasm');
      await expect(note).toContainText(/^Running on WebAssembly\./);
      await expect(note).toContainText(/WebGPU (and WebGL are|is) available but software/);
      await expect(note).toContainText('so WebAssembly is faster');
      await expect(note).toContainText('?backend=webgpu');
    } else {
      // A hardware GPU: WebGPU wins on its own.
      expect(backend).toBe('webgpu');
      await expect(note).toContainText('hardware adapter');
    }
    await page.screenshot({ path: `${ARTIFACTS}/default-backend.png`, fullPage: true });
  });
});

test.describe('without WebGPU', () => {
  test('falls back to another backend and says why', async ({ playwright, baseURL }) => {
    // A separate browser without --enable-unsafe-webgpu (and without the GPU
    // process): navigator.gpu gives no adapter, so the worker must fall back.
    // Launched here because launch options cannot change inside one file.
    const browser = await playwright.chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--disable-quic', '--disable-gpu'],
    });
    try {
      const page = await browser.newPage({ baseURL });
      const errors = watchErrors(page);
      await page.goto('/');
      const backend = await backendOf(page);
      expect(backend).not.toBe('webgpu');
      const note = page.getByTestId('backend-note');
      await expect(note).toContainText(/^Running on /);
      await expect(note).toContainText('Fell back because webgpu: ');
      await expect(note).toContainText(/navigator\.gpu|adapter/);
      await runSelfTest(page, backend);
      await page.screenshot({ path: `${ARTIFACTS}/fallback.png`, fullPage: true });
      expectNoErrors(errors);
    } finally {
      await browser.close();
    }
  });
});

test.describe('backend forced by the page address', () => {
  test('?backend=wasm runs on WebAssembly and says it was requested', async ({ page }) => {
    await page.goto('/?backend=wasm');
    expect(await backendOf(page)).toBe('wasm');
    const note = page.getByTestId('backend-note');
    await expect(note).toContainText('The page address asks for ?backend=wasm; webgpu and webgl were not tried.');
    await expect(note).not.toContainText('Fell back');
    await runSelfTest(page, 'wasm');
    await page.screenshot({ path: `${ARTIFACTS}/wasm.png`, fullPage: true });
  });
});
