/**
 * Models as users have them (issue 5, studio side): a Keras `.keras` file
 * written by the test is dropped and loads; then broken files are dropped
 * (a truncated model.json, a zip with ../ paths, a truncated .h5) and each
 * gets its own clear message in the Model & data stage, while the Keras
 * model stays loaded and training still starts. On wasm, to stay fast.
 */
import { expect, test } from '@playwright/test';

import { brokenModelFiles, digitIdxFiles, dropFiles, kerasLenetFile } from './helpers/droppedFiles';
import { ARTIFACTS, openDemoOnWasm, UNTIL_DONE, watchErrors } from './helpers/studioPage';

test('a dropped .keras file loads; broken files get clear errors and the studio stays usable', async ({ page }) => {
  const errors = watchErrors(page);
  const keras = await kerasLenetFile();
  const broken = await brokenModelFiles();
  // The demo first, so that a drop replaces it.
  await openDemoOnWasm(page);
  await expect(page.getByTestId('model-summary')).toContainText('built-in lenet');

  // The Keras file: routed to the model, read by the worker (h5wasm), analysed.
  await dropFiles(page, [keras]);
  await expect(page.getByTestId('drop-note')).toHaveText('Dropped 1 model file.');
  const summary = page.getByTestId('model-summary');
  await expect(summary).toContainText('digits_lenet', UNTIL_DONE);
  await expect(summary).toContainText('digits-lenet.keras');
  await expect(page.getByTestId('model-error')).toHaveCount(0);
  await expect(summary).toContainText('28 × 28 × 1');
  const prunable = await page.getByTestId('model-prunable').textContent();
  expect(prunable).toMatch(/^[1-9]\d* of \d+$/);
  const layers = summary.getByRole('table', { name: 'Layers' });
  await summary.getByText(/^All \d+ layers$/).click();
  await expect(layers.getByRole('rowheader', { name: 'conv1', exact: true })).toBeVisible();
  await expect(layers.getByRole('row').filter({ hasText: 'BatchNormalization' }).first()).toBeVisible();
  await expect(page.getByRole('radio', { name: /LeNet/ })).not.toBeChecked();
  await page.getByTestId('stage-1').screenshot({ path: `${ARTIFACTS}/studio-inputs-keras.png` });

  // Broken files: a specific message each, in the Model & data stage; the Keras model stays.
  const stage1 = page.getByTestId('stage-1');
  for (const { name, files, error } of broken) {
    await dropFiles(page, files);
    await expect(stage1.getByTestId('model-error'), name).toHaveText(error, UNTIL_DONE);
    await expect(summary, name).toContainText('digits-lenet.keras');
    expect(await page.getByTestId('model-prunable').textContent(), name).toBe(prunable);
  }
  await stage1.screenshot({ path: `${ARTIFACTS}/studio-inputs-broken.png` });

  // Still usable: training starts on the Keras model and runs its few steps.
  const stage2 = page.getByTestId('stage-2');
  await stage2.getByLabel('Pretraining epochs').fill('0');
  await stage2.getByLabel('Batch size').fill('16');
  await stage2.getByLabel('Max steps per phase').fill('2');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-done')).toContainText('Trained 2 steps', UNTIL_DONE);
  await expect(page.getByTestId('train-error')).toHaveCount(0);
  await expect(summary).toContainText('digits-lenet.keras');
  expect(errors).toEqual([]);
});

test("the user's own validation images: dropped on their zone they judge the result, wrong ones are refused, a reload keeps them, Remove goes back to the split", async ({ page }) => {
  const errors = watchErrors(page);
  await openDemoOnWasm(page);
  const judged = page.getByTestId('data-judged');
  await expect(judged).toHaveText(/Results are judged on 1,000 images held out from the data/, UNTIL_DONE);

  // 200 digits as IDX files, dropped on the validation zone (not the page): the data stays the built-in digits.
  await dropFiles(page, await digitIdxFiles(20), '[data-testid="validation-drop"]');
  await expect(judged).toHaveText('Results are judged on your 200 validation images (train-images-idx3-ubyte); all 10,000 images here train and calibrate.', UNTIL_DONE);
  await expect(page.getByTestId('data-split')).toHaveText('10,000 / 200 yours');
  await expect(page.getByTestId('data-count')).toHaveText('10,000');
  await expect(page.getByTestId('drop-note')).toHaveText('');
  await page.getByTestId('stage-1').screenshot({ path: `${ARTIFACTS}/studio-validation-images.png` });

  // Colour images for a gray model and data: said plainly, and the validation images before stay.
  await dropFiles(page, await digitIdxFiles(2, { channels: 3 }), '[data-testid="validation-drop"]');
  await expect(page.getByTestId('validation-error')).toHaveText(/do not fit: they have 3 channels where your data has 1 channel\./, UNTIL_DONE);
  await expect(judged).toContainText('your 200 validation images');
  await page.getByTestId('stage-1').screenshot({ path: `${ARTIFACTS}/studio-validation-refused.png` });

  await page.reload();
  await expect(judged).toHaveText(/Results are judged on your 200 validation images/, UNTIL_DONE);
  await page.getByTestId('validation-remove').click();
  await expect(judged).toHaveText(/Results are judged on 1,000 images held out from the data/, UNTIL_DONE);
  await expect(page.getByTestId('data-split')).toHaveText('9,000 / 1,000');
  expect(errors).toEqual([]);
});
