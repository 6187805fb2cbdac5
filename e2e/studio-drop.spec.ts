/**
 * A user's own model and data, dropped on the page: a LayersModel written by
 * the test (a built-in LeNet saved with tfjs) and IDX files of 300 digits.
 * The flow runs on them on wasm (fast on any machine) and the pruned model
 * comes back as one zip that stock tfjs loads.
 */
import { expect, test } from '@playwright/test';
import { unzipSync } from 'fflate';

import { digitIdxFiles, dropFiles, trainedLogitsModel } from './helpers/droppedFiles';
import {
  ARTIFACTS, bytesOf, checkLoadsAndPredicts, recordLongTasks, smallBudget, trainAndScore, openDemoOnWasm, UNTIL_DONE, watchErrors,
} from './helpers/studioPage';

test('dropped LayersModel and IDX files: train, search, download a zip that loads', async ({ page }) => {
  const errors = watchErrors(page);
  await recordLongTasks(page);
  // The demo first, so that a drop replaces it.
  await openDemoOnWasm(page);

  // A model trained elsewhere that outputs logits: it is the reference, and it gets no pretraining.
  await dropFiles(page, await trainedLogitsModel());
  await expect(page.getByTestId('model-summary')).toContainText('model.json (2 files)', UNTIL_DONE);
  await expect(page.getByTestId('drop-note')).toHaveText('Dropped 2 model files.');
  await expect(page.getByRole('radio', { name: /LeNet/ })).not.toBeChecked();
  await expect(page.getByTestId('model-summary')).toContainText('logits');
  await expect(page.getByTestId('stage-2').getByLabel('Pretraining epochs')).toHaveValue('0');

  await dropFiles(page, await digitIdxFiles(30));
  await expect(page.getByTestId('data-count')).toHaveText('300', UNTIL_DONE);
  await expect(page.getByTestId('data-summary')).toContainText('train-images-idx3-ubyte');
  await expect(page.getByTestId('data-summary').locator('canvas')).not.toHaveCount(0);
  await page.getByTestId('stage-1').screenshot({ path: `${ARTIFACTS}/studio-drop-stage1.png` });

  await smallBudget(page, 4, 0);
  const training = await trainAndScore(page);
  console.log(`wasm training (dropped files): ${(training.trainMs / 1000).toFixed(1)} s, longest long task ${training.longest.toFixed(0)} ms`);
  test.info().annotations.push({ type: 'longest long task during training', description: `${training.longest.toFixed(0)} ms` });

  await page.getByTestId('search-run').click();
  await expect(page.getByTestId('search-status')).toContainText('search finished', UNTIL_DONE);
  // Every candidate is judged against the model as it was dropped: the chart has its line, the verdict names it.
  await expect(page.getByTestId('chart-search-ratio')).toContainText('original');
  await expect(page.getByTestId('verdict')).toContainText(/against the original's \d+\.\d+% on [\d,]+ validation images, [−+±]\d+\.\d+ ± \d+\.\d+ points \(95% interval\)|No candidate is within/);
  // For people to look at: the verdict with its interval, the table's ± and the chart's error bars.
  await page.getByTestId('stage-3').screenshot({ path: `${ARTIFACTS}/verdict-interval.png` });

  // A budget rule instead of the tolerance: the most accurate candidate under 200k FLOPs.
  const stage3 = page.getByTestId('stage-3');
  await stage3.getByRole('radio', { name: /under a budget/ }).check();
  await stage3.getByLabel('At most').fill('0.2');
  await expect(page.getByTestId('selection-note')).toContainText(/The rule selects candidate #\d+|No candidate meets/);
  await expect(page.getByTestId('selected-candidate')).toBeVisible();
  await expect(page.getByTestId('verdict')).toContainText('original');

  await stage3.getByRole('radio', { name: 'one zip' }).check();
  await page.getByTestId('export').click();
  const link = page.getByTestId('downloads').getByRole('link', { name: /\.zip$/ });
  await expect(link).toBeVisible(UNTIL_DONE);
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const entries = unzipSync(new Uint8Array(await bytesOf(download)));
  expect(Object.keys(entries)).toEqual(expect.arrayContaining(['model.json', 'weights.bin']));
  expect(await checkLoadsAndPredicts(entries['model.json'], entries['weights.bin'], [28, 28, 1], 'logits')).toEqual([2, 10]);

  await page.screenshot({ path: `${ARTIFACTS}/studio-drop.png`, fullPage: true });
  // A narrow window: the stages stack and nothing overflows sideways.
  await page.setViewportSize({ width: 760, height: 900 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(760);
  await page.getByTestId('stage-2').screenshot({ path: `${ARTIFACTS}/studio-narrow-stage2.png` });
  expect(errors).toEqual([]);
});
