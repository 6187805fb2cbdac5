/**
 * The user's model and data, as a new user brings them (issue 13, parts 5 and 7):
 * - a model trained on normalized inputs (the trained LeNet fixture made to take Caffe-style
 *   BGR inputs with the ImageNet mean subtracted on 0–255) reads near chance on pixels in
 *   [0, 1], with a hint; the Caffe convention gives its real accuracy;
 * - a 32×32×3 model and 32×32×3 IDX data load in either order: a model dropped first waits
 *   for data that fits and says so, and the note goes when the data arrives.
 * On wasm, to stay fast.
 */
import { expect, test, type Page } from '@playwright/test';

import { caffeDigitsModel, digitIdxFiles, dropFiles, untrainedModelFiles } from './helpers/droppedFiles';
import { ARTIFACTS, UNTIL_DONE, openDemoOnWasm, watchErrors } from './helpers/studioPage';

const accuracyOf = async (page: Page): Promise<number> => Number((await page.getByTestId('preprocessing-accuracy').textContent())!.replace('%', '')) / 100;

test('a model trained on normalized inputs: chance level and a hint with pixels in [0, 1], its real accuracy with the right convention', async ({ page }) => {
  const errors = watchErrors(page);
  await openDemoOnWasm(page);
  await dropFiles(page, await digitIdxFiles(50, { channels: 3 }));
  await expect(page.getByTestId('data-count')).toHaveText('500', UNTIL_DONE);
  await dropFiles(page, await caffeDigitsModel());
  await expect(page.getByTestId('model-summary')).toContainText('model.json (2 files)', UNTIL_DONE);

  const panel = page.getByTestId('preprocessing');
  await expect(panel.getByLabel('Convention')).toHaveValue('none');
  await expect(page.getByTestId('preprocessing-accuracy')).toBeVisible(UNTIL_DONE);
  expect(await accuracyOf(page)).toBeLessThan(0.25);
  await expect(page.getByTestId('preprocessing-hint')).toContainText('a wrong preprocessing setting shows as chance-level accuracy');
  // The original accuracy in the model's summary is the same figure: the session's reference.
  await expect(page.getByTestId('model-original-accuracy')).toBeVisible();
  await page.getByTestId('stage-1').screenshot({ path: `${ARTIFACTS}/studio-preprocessing-wrong.png` });

  await panel.getByLabel('Convention').selectOption('caffe');
  await expect(page.getByTestId('preprocessing-hint')).toHaveCount(0, UNTIL_DONE);
  await expect(page.getByTestId('preprocessing-accuracy')).toBeVisible(UNTIL_DONE);
  expect(await accuracyOf(page)).toBeGreaterThan(0.9);
  await expect(panel.getByLabel('Convention')).toHaveValue('caffe');

  // The same in words: range 0–255, the mean in BGR order, std 1.
  await panel.getByLabel('Convention').selectOption('custom');
  await expect(panel.getByLabel('Pixel range')).toHaveValue('0-255');
  await expect(panel.getByLabel('Channel order')).toHaveValue('bgr');
  await panel.getByLabel('Channel order').selectOption('rgb');
  await page.getByTestId('preprocessing-apply').click();
  await expect(page.getByTestId('preprocessing-accuracy')).toBeVisible(UNTIL_DONE);
  await expect(panel.getByLabel('Convention')).toHaveValue('custom');
  await page.getByTestId('stage-1').screenshot({ path: `${ARTIFACTS}/studio-preprocessing-custom.png` });
  expect(errors).toEqual([]);
});

test('a 32×32×3 model dropped before its data waits for it, then loads', async ({ page }) => {
  const errors = watchErrors(page);
  await openDemoOnWasm(page);
  await dropFiles(page, await untrainedModelFiles([32, 32, 3]));
  const pending = page.getByTestId('model-pending');
  await expect(pending).toContainText('expects 32×32×3 inputs but the data has 28×28×1 images', UNTIL_DONE);
  await expect(page.getByTestId('model-summary')).toContainText('32 × 32 × 3');
  await expect(page.getByRole('radio', { name: /LeNet/ })).not.toBeChecked();
  await expect(page.getByTestId('model-error')).toHaveCount(0);
  // Waiting for its data: nothing to train yet, and the first stage is not done (it once showed ✓ with Train enabled).
  await expect(page.getByTestId('train-start')).toBeDisabled();
  await expect(page.getByTestId('stage-1').locator('.stage-done')).toHaveCount(0);
  await page.getByTestId('stage-1').screenshot({ path: `${ARTIFACTS}/studio-model-pending.png` });

  await dropFiles(page, await digitIdxFiles(10, { channels: 3, side: 32 }));
  await expect(page.getByTestId('data-count')).toHaveText('100', UNTIL_DONE);
  await expect(pending).toHaveCount(0);
  await expect(page.getByTestId('model-summary')).toContainText('model.json (2 files)');
  await expect(page.getByTestId('model-summary')).toContainText('32 × 32 × 3');
  await expect(page.getByTestId('model-error')).toHaveCount(0);
  await expect(page.getByTestId('data-error')).toHaveCount(0);
  // The user's model is measured on the data as soon as both are there.
  await expect(page.getByTestId('preprocessing-accuracy')).toBeVisible(UNTIL_DONE);
  await expect(page.getByTestId('stage-1').locator('.stage-done')).toHaveCount(1);
  // The training time is estimated once the data arrives, without touching a setting (it once waited forever).
  await expect(page.getByTestId('train-estimate')).toContainText('Estimated training time', UNTIL_DONE);
  expect(errors).toEqual([]);
});

test('32×32×3 data dropped before its model: the model loads at once', async ({ page }) => {
  const errors = watchErrors(page);
  await openDemoOnWasm(page);
  await dropFiles(page, await digitIdxFiles(10, { channels: 3, side: 32 }));
  await expect(page.getByTestId('data-count')).toHaveText('100', UNTIL_DONE);
  // The built-in LeNet is rebuilt for the data.
  await expect(page.getByTestId('model-summary')).toContainText('32 × 32 × 3');
  await dropFiles(page, await untrainedModelFiles([32, 32, 3]));
  await expect(page.getByTestId('model-summary')).toContainText('model.json (2 files)', UNTIL_DONE);
  await expect(page.getByTestId('model-pending')).toHaveCount(0);
  await expect(page.getByTestId('model-error')).toHaveCount(0);
  await expect(page.getByTestId('preprocessing-accuracy')).toBeVisible(UNTIL_DONE);
  expect(errors).toEqual([]);
});
