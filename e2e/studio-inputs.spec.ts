/**
 * Models as users have them (issue 5, studio side): a Keras `.keras` file
 * written by the test is dropped and loads; then broken files are dropped
 * (a truncated model.json, a zip with ../ paths, a truncated .h5) and each
 * gets its own clear message in the Model & data stage, while the Keras
 * model stays loaded and training still starts. On wasm, to stay fast.
 */
import { expect, test } from '@playwright/test';

import { brokenModelFiles, dropFiles, kerasLenetFile } from './helpers/droppedFiles';
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
