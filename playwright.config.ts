import { defineConfig, devices } from '@playwright/test';

/**
 * Browser tests run against the production build (`vite build` then
 * `vite preview`), the same files a user gets, with no dev-server dependency
 * discovery or reloads in the middle of a test.
 *
 * Chromium: the system one (Debian `chromium`), since Playwright's own
 * download is not available everywhere we run. Override with CHROMIUM_PATH.
 * `--enable-unsafe-webgpu` exposes WebGPU in headless Chromium; without a GPU
 * it is SwiftShader (software), which is slow: the tests wait on progress, not on time.
 */
// E2E_PORT lets several checkouts run their browser tests side by side.
const PORT = Number(process.env.E2E_PORT ?? 4173);
// `npm start`'s dev server, for the one test of what it serves (e2e/devServer.spec.ts).
const DEV_PORT = PORT + 1;
const DEV_SPEC = /devServer\.spec\.ts/;
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const launchOptions = { executablePath, args: ['--enable-unsafe-webgpu', '--disable-quic'] };

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  // A guard against a hang, not a budget: waits on the engine's work (a step, a candidate, a search
  // finished) have no timeout of their own (UNTIL_DONE in e2e/helpers/studioPage.ts), so a slow or busy
  // machine takes as long as it needs. Assertions on the page's own reactions keep a minute.
  timeout: 30 * 60_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      testIgnore: DEV_SPEC,
      use: { ...devices['Desktop Chrome'], launchOptions },
    },
    {
      name: 'dev-server',
      testMatch: DEV_SPEC,
      use: { ...devices['Desktop Chrome'], launchOptions, baseURL: `http://127.0.0.1:${DEV_PORT}` },
    },
  ],
  webServer: [
    {
      command: `npx vite build && npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort`,
      url: `http://127.0.0.1:${PORT}`,
      reuseExistingServer: !process.env.CI,
      timeout: 180_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: `npx vite --host 127.0.0.1 --port ${DEV_PORT} --strictPort`,
      url: `http://127.0.0.1:${DEV_PORT}`,
      reuseExistingServer: !process.env.CI,
      timeout: 180_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
});
