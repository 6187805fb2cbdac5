/**
 * Helpers for the studio's browser tests: error watching, long-task
 * recording, driving the page's controls, and loading a downloaded model
 * back in Node with stock tfjs.
 */
import { expect, type Download, type Page, type Response } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';

export const ARTIFACTS = 'e2e/artifacts';

/**
 * For waits on the engine's work (a backend chosen, a step, a candidate, a
 * search finished): no budget of its own, it ends when the work does, however
 * busy the machine; only the test's hang guard (playwright.config.ts) bounds it.
 */
export const UNTIL_DONE = { timeout: 0 } as const;

/** Collects console errors (page and worker), uncaught exceptions and failed requests. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  page.on('worker', (worker) => {
    worker.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`worker console: ${msg.text()}`);
    });
  });
  page.on('requestfailed', (req) => {
    // Object URLs of downloads are revoked once saved; that is not a failure.
    if (!req.url().startsWith('blob:')) errors.push(`request failed: ${req.url()} ${req.failure()?.errorText ?? ''}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) errors.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  return errors;
}

/** Records the main thread's long tasks (> 50 ms) from the first script on. */
export async function recordLongTasks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: { start: number; duration: number }[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.__longTasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
}

/** Long tasks between two page times (ms since navigation). */
export async function longTasks(page: Page, from = 0, to = Infinity): Promise<{ start: number; duration: number }[]> {
  const all = await page.evaluate(() => (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks);
  return all.filter((t) => t.start >= from && t.start <= to);
}

export const pageNow = (page: Page): Promise<number> => page.evaluate(() => performance.now());

export async function waitForBackend(page: Page): Promise<string> {
  const backend = page.getByTestId('backend');
  await expect(backend).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, UNTIL_DONE);
  return (await backend.textContent()) ?? '';
}

/** Opens the studio on wasm at laptop-ish width and waits for the built-in demo (model and data) to load. */
export async function openDemoOnWasm(page: Page): Promise<Response | null> {
  await page.setViewportSize({ width: 1024, height: 900 });
  const response = await page.goto('/?backend=wasm');
  expect(await waitForBackend(page)).toBe('wasm');
  await expect(page.getByTestId('data-summary')).toContainText('10,000', UNTIL_DONE);
  return response;
}

/** Fills a labelled number field in a stage. */
export async function fill(page: Page, stage: number, label: string | RegExp, value: number): Promise<void> {
  const input = page.getByTestId(`stage-${stage}`).getByLabel(label, { exact: typeof label === 'string' });
  await input.fill(String(value), { timeout: 15_000 });
  await expect(input).toHaveValue(String(value));
}

/** Small training and search settings: a few steps, a coarse grid, few recalibration batches. */
/** A few steps of everything; `pretrainEpochs` 1 for a built-in model, 0 for a trained one a user brings. */
export async function smallBudget(page: Page, steps: number, pretrainEpochs = 1): Promise<void> {
  await fill(page, 2, 'Pretraining epochs', pretrainEpochs);
  await fill(page, 2, /^(Sparse epochs|Epochs)$/, 1);
  await fill(page, 2, 'Batch size', 16);
  await fill(page, 2, 'Max steps per phase', steps);
  await page.getByTestId('stage-3').getByLabel('Grid step').selectOption('0.3', { timeout: 15_000 });
  await fill(page, 3, 'Refining steps', 1);
  await fill(page, 3, 'BN recalibration batches', 2);
  await fill(page, 3, 'Latency pairs (at least)', 2);
}

/**
 * Trains and waits for the scores. With `checkPause` (for slow backends, where a
 * step takes long enough to click between steps) it pauses after the first
 * step, checks the charts show the partial run, resumes, and checks they go on.
 */
export async function trainAndScore(page: Page, options: { checkPause?: boolean } = {}): Promise<{ trainMs: number; longest: number; updates: number }> {
  // Count the renders of the loss chart's line during training (every progress message redraws it).
  await page.evaluate(() => {
    const w = window as unknown as { __lossDraws: Set<string> };
    w.__lossDraws = new Set();
    new MutationObserver(() => {
      const paths = document.querySelectorAll('[data-testid="chart-loss"] path.recharts-line-curve');
      const d = Array.from(paths, (path) => path.getAttribute('d') ?? '').join('|');
      if (d.replace(/\|/g, '')) w.__lossDraws.add(d);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  const start = await pageNow(page);
  await page.getByTestId('train-start').click();
  let drawsWhilePaused = 0;
  if (options.checkPause) {
    const controls = page.getByTestId('train-start').locator('..');
    await page.waitForFunction(() => document.querySelector('[data-testid="train-step"]'), null, { polling: 50, ...UNTIL_DONE });
    await controls.getByRole('button', { name: 'Pause' }).click();
    await expect(controls.getByRole('button', { name: 'Resume' })).toBeVisible();
    await page.waitForFunction(() => (window as unknown as { __lossDraws: Set<string> }).__lossDraws.size > 0, null, { polling: 100, ...UNTIL_DONE });
    drawsWhilePaused = await page.evaluate(() => (window as unknown as { __lossDraws: Set<string> }).__lossDraws.size);
    await controls.getByRole('button', { name: 'Resume' }).click();
  }
  // A plain query while waiting: Playwright's expect polling builds aria snapshots on the
  // page's main thread, which would show up as long tasks of the test, not of the studio.
  await page.waitForFunction(() => document.querySelector('[data-testid="train-done"], [data-testid="train-error"]'), null, {
    polling: 250,
    ...UNTIL_DONE,
  });
  const trainError = page.getByTestId('train-error');
  expect(await trainError.count() ? await trainError.textContent() : null, 'training failed').toBeNull();
  const end = await pageNow(page);
  // Charts redraw at their own pace (chartPacing.ts), up to about a second behind the steps: wait for the draw.
  // On fast backends all steps may land in one render; paused runs must draw again after resuming.
  await page.waitForFunction((before) => (window as unknown as { __lossDraws: Set<string> }).__lossDraws.size > before, drawsWhilePaused, { polling: 100, ...UNTIL_DONE });
  const updates = await page.evaluate(() => (window as unknown as { __lossDraws: Set<string> }).__lossDraws.size);
  await expect.poll(() => linePoints(page, 'chart-loss')).toBeGreaterThan(2);
  // Points, not visibility: a converged model's batch accuracy is a flat line at 100%, which has no height.
  await expect.poll(() => linePoints(page, 'chart-accuracy')).toBeGreaterThan(2);
  await expect(page.getByTestId('scores-view')).toBeVisible(UNTIL_DONE);
  const tasks = await longTasks(page, start, end);
  return { trainMs: end - start, longest: Math.max(0, ...tasks.map((t) => t.duration)), updates };
}

/** How many points the chart's lines have drawn (counts path commands). */
export async function linePoints(page: Page, testId: string): Promise<number> {
  const paths = await page.getByTestId(testId).locator('path.recharts-line-curve').evaluateAll((nodes) =>
    nodes.map((n) => (n.getAttribute('d') ?? '').split(/[MLC]/).length - 1),
  );
  return paths.reduce((a, b) => a + b, 0);
}

export async function candidateCount(page: Page): Promise<number> {
  return Number((await page.getByTestId('candidate-count').textContent()) ?? '0');
}

/** Saves a download and returns its bytes. */
export async function bytesOf(download: Download): Promise<Buffer> {
  const path = await download.path();
  return readFile(path);
}

/**
 * Loads model.json + weights with stock tfjs on the CPU backend and checks one prediction: probabilities
 * that sum to 1, or, for a model that outputs logits, finite scores that are not probabilities.
 */
export async function checkLoadsAndPredicts(modelJson: Buffer | Uint8Array, weights: Buffer | Uint8Array, inputShape: number[], outputs: 'probabilities' | 'logits' = 'probabilities'): Promise<number[]> {
  await tf.setBackend('cpu');
  const json = JSON.parse(Buffer.from(modelJson).toString('utf8')) as {
    modelTopology: object;
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  const weightData = new Uint8Array(weights).slice().buffer;
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData }),
  );
  try {
    const classNames = model.layers.map((l) => l.getClassName());
    expect(classNames).not.toContain('GFR');
    const x = tf.randomUniform([2, ...inputShape], 0, 1, 'float32', 3);
    const y = model.predict(x) as tf.Tensor;
    const shape = y.shape;
    const values = (await y.data()) as Float32Array;
    expect(values.every(Number.isFinite)).toBe(true);
    const sums = (await y.sum(1).data()) as Float32Array;
    if (outputs === 'probabilities') for (const sum of sums) expect(sum).toBeCloseTo(1, 4);
    else expect(values.some((value) => value < 0 || value > 1)).toBe(true);
    tf.dispose([x, y]);
    return shape as number[];
  } finally {
    model.dispose();
  }
}
