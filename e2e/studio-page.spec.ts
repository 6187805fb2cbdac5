/**
 * The page itself (issue 13, part 6): a shared link opens the same experiment (criterion, target, grid,
 * tolerance in the address, written back as they change), and dark mode follows the system setting,
 * charts included (a screenshot to look at: e2e/artifacts/studio-dark.png).
 */
import { expect, test } from '@playwright/test';

import { ARTIFACTS, UNTIL_DONE, recordLongTasks, smallBudget, trainAndScore, waitForBackend, watchErrors } from './helpers/studioPage';

test('a shared link opens the same experiment, and the address follows the settings', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/?backend=wasm&criterion=l1&target=0.3&target-of=flops&grid=0.1&grid-max=0.8&tolerance=2.5');
  expect(await waitForBackend(page)).toBe('wasm');
  const stage2 = page.getByTestId('stage-2');
  const stage3 = page.getByTestId('stage-3');
  await expect(stage2.getByLabel('Criterion')).toHaveValue('l1');
  await expect(stage2.getByLabel('Target', { exact: true })).toHaveValue('fixed');
  await expect(stage2.getByLabel('Target share to free')).toHaveValue('0.3');
  await expect(stage2.getByLabel('Target counts')).toHaveValue('flops');
  await expect(stage3.getByLabel('Grid step')).toHaveValue('0.1');
  await expect(stage3.getByLabel('Largest ratio')).toHaveValue('0.8');
  await expect(page.getByTestId('tolerance')).toHaveValue('2.5');

  await page.getByTestId('tolerance').fill('3');
  await expect(page).toHaveURL(/[?&]tolerance=3(&|$)/);
  expect(new URL(page.url()).searchParams.get('backend')).toBe('wasm');
  await stage2.getByLabel('Criterion').selectOption('gamma');
  await expect(page).toHaveURL(/[?&]criterion=gamma(&|$)/);
  // The demo loaded before the reload, so that no request is cut short by it.
  await expect(page.getByTestId('data-summary')).toContainText('10,000', UNTIL_DONE);
  await page.reload();
  expect(await waitForBackend(page)).toBe('wasm');
  await expect(page.getByTestId('tolerance')).toHaveValue('3');
  await expect(stage2.getByLabel('Criterion')).toHaveValue('gamma');
  expect(errors).toEqual([]);
});

test.describe('dark mode', () => {
  test.use({ colorScheme: 'dark' });

  test('follows prefers-color-scheme, charts included', async ({ page }) => {
    const errors = watchErrors(page);
    await recordLongTasks(page);
    await page.setViewportSize({ width: 1024, height: 900 });
    await page.goto('/?backend=wasm');
    expect(await waitForBackend(page)).toBe('wasm');
    await expect(page.getByTestId('data-summary')).toContainText('10,000', UNTIL_DONE);
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(background).toBe('rgb(13, 17, 23)');
    await smallBudget(page, 4, 0);
    await trainAndScore(page);
    // The loss lines take the dark palette's colours through CSS custom properties (blue: sparse training, gray: pretraining).
    const strokes = await page.locator('[data-testid="chart-loss"] path.recharts-line-curve').evaluateAll((paths) => paths.map((path) => getComputedStyle(path).stroke));
    expect(strokes).toContain('rgb(108, 182, 255)');
    expect(strokes.every((stroke) => ['rgb(108, 182, 255)', 'rgb(139, 148, 158)'].includes(stroke))).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/studio-dark.png`, fullPage: true });
    await page.getByTestId('stage-2').screenshot({ path: `${ARTIFACTS}/studio-dark-stage2.png` });
    expect(errors).toEqual([]);
  });
});
