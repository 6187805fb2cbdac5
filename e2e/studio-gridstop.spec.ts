/**
 * The grid stops where accuracy collapsed (docs/METHOD.md §5.1): the status line says where and why, and Measure
 * the rest continues the same search to the end of the grid. The demo on wasm with a small budget (40 steps of
 * each training phase), whose accuracy falls far before 90% of the channels are cut, on a grid of 10% steps. Each
 * candidate's speed-up is in the table.
 */
import { expect, test } from '@playwright/test';

import { ARTIFACTS, UNTIL_DONE, openDemoOnWasm, recordLongTasks, smallBudget, trainAndScore, watchErrors } from './helpers/studioPage';

test('the grid stops where accuracy collapsed, says so, and measures the rest on request', async ({ page }) => {
  const errors = watchErrors(page);
  await recordLongTasks(page);
  await openDemoOnWasm(page);
  await smallBudget(page, 40);
  await page.getByTestId('stage-3').getByLabel('Grid step').selectOption('0.1');
  await trainAndScore(page);
  await page.getByTestId('search-run').click();
  await expect(page.getByTestId('search-status')).toContainText('search finished', UNTIL_DONE);
  const note = page.getByTestId('grid-stop');
  await expect(note).toContainText(/^Stopped the grid at ratio [\d.]+: accuracy collapsed \(ratio [\d.]+: −[\d.]+ ± [\d.]+ points, ratio [\d.]+: /);
  const stoppedAt = Number((await note.textContent())!.match(/ratio ([\d.]+):/)![1]);
  const measured = Number(await page.getByTestId('candidate-count').textContent());
  await expect(page.getByTestId('speedup').first()).toHaveText(/^[\d.]+×\s*[\d.]+–[\d.]+$/);
  await page.getByTestId('stage-3').screenshot({ path: `${ARTIFACTS}/studio-gridstop.png` });

  await page.getByTestId('measure-rest').click();
  await expect(page.getByTestId('search-status')).toContainText('search finished', UNTIL_DONE);
  await expect(note).toHaveCount(0);
  expect(Number(await page.getByTestId('candidate-count').textContent())).toBeGreaterThan(measured);
  // The table now reaches the end of the grid.
  await expect(page.getByRole('button', { name: /^Pick candidate \d+, ratio 90%/ })).toHaveCount(1);
  expect(stoppedAt).toBeLessThan(0.9);
  expect(errors).toEqual([]);
});
