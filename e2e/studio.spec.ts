/**
 * The whole studio flow in a real browser, on the built-in demo with a small
 * budget: train a few steps (live charts), score, switch the criterion, step
 * through the grid search, run the rest, pick a candidate, download it, and
 * load the download back in Node with stock tf.loadLayersModel.
 *
 * It runs on WebGPU (`?backend=webgpu`; SwiftShader, a software adapter, on a
 * machine without a GPU), so training is kept to a few steps, and after the
 * demo is shown 300 of its digits are dropped as IDX files: every figure is
 * measured against the original model on held-out images, and on 10,000 of them
 * the software GPU would take minutes per candidate. Every wait is on progress (a
 * step, a candidate arriving), with no budget of its own: a busy machine is slower,
 * not failing.
 */
import { expect, test } from '@playwright/test';

import { digitIdxFiles, dropFiles } from './helpers/droppedFiles';
import {
  ARTIFACTS, bytesOf, candidateCount, checkLoadsAndPredicts, recordLongTasks, smallBudget, trainAndScore, UNTIL_DONE, waitForBackend, watchErrors,
} from './helpers/studioPage';

/** WebGPU by default; STUDIO_E2E_BACKEND=wasm runs the same flow elsewhere (e.g. to debug the page quickly). */
const BACKEND = process.env.STUDIO_E2E_BACKEND ?? 'webgpu';
/** The studio's default criterion; STUDIO_E2E_CRITERION=l1 checks the rest of the flow without sparse training. */
const CRITERION = process.env.STUDIO_E2E_CRITERION ?? 'gfr';
const OTHER_CRITERION = CRITERION === 'l1' ? 'random' : 'l1';

test('built-in demo on WebGPU: train, score, search step by step, pick, download, reload in Node', async ({ page }) => {
  const errors = watchErrors(page);
  await recordLongTasks(page);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`/?backend=${BACKEND}`);
  expect(await waitForBackend(page)).toBe(BACKEND);

  // Stage 1: the demo is ready on arrival.
  await expect(page.getByTestId('model-summary')).toContainText('built-in lenet', UNTIL_DONE);
  await expect(page.getByTestId('data-summary')).toContainText('10,000', UNTIL_DONE);
  await expect(page.getByTestId('model-prunable')).toHaveText(/^\d+ of \d+$/);
  await expect(page.getByTestId('data-summary').locator('canvas')).not.toHaveCount(0);
  await page.getByTestId('stage-1').screenshot({ path: `${ARTIFACTS}/studio-stage1.png` });
  await dropFiles(page, await digitIdxFiles(30));
  await expect(page.getByTestId('data-count')).toHaveText('300', UNTIL_DONE);

  // Stage 2: a few training steps, with live charts.
  await page.getByTestId('stage-2').getByLabel('Criterion').selectOption(CRITERION);
  await smallBudget(page, 3);
  // Pause and resume need steps slow enough to click between: the WebGPU (software) run has them.
  const training = await trainAndScore(page, { checkPause: BACKEND === 'webgpu' });
  test.info().annotations.push({ type: 'training', description: `${(training.trainMs / 1000).toFixed(1)} s; longest long task during training ${training.longest.toFixed(0)} ms` });
  console.log(`${BACKEND} training: ${(training.trainMs / 1000).toFixed(1)} s, longest long task ${training.longest.toFixed(0)} ms`);
  if (CRITERION === 'gfr') {
    await expect(page.getByTestId('chart-sparsity')).toBeVisible();
    await expect(page.getByTestId('chart-sparsity-layers')).toBeVisible();
    await expect(page.getByTestId('hist-sr')).toBeVisible();
  }
  await expect(page.getByTestId('chart-group-importance').locator('.recharts-bar-rectangle').first()).toBeVisible();

  // Switching the criterion re-scores: the ranking changes.
  const stage2 = page.getByTestId('stage-2');
  const firstRanking = await page.getByTestId('ranking-head').textContent();
  await stage2.getByLabel('Score by').selectOption(OTHER_CRITERION);
  await expect(page.getByTestId('ranking-head')).not.toHaveText(firstRanking ?? '');
  await stage2.getByLabel('Score by').selectOption(CRITERION);
  await expect(page.getByTestId('ranking-head')).toHaveText(firstRanking ?? '');
  await stage2.getByLabel(/^Preview ratio/).fill('0.3');
  await expect(page.getByTestId('preview-ratio')).toHaveText('30%');
  await page.getByTestId('stage-2').screenshot({ path: `${ARTIFACTS}/studio-stage2.png` });

  // Stage 3: three candidates one at a time, then the rest.
  const stepButton = page.getByTestId('search-step');
  for (let n = 1; n <= 3; n++) {
    await stepButton.click();
    await expect(page.getByTestId('candidate-count')).toHaveText(String(n), UNTIL_DONE);
    await expect(stepButton).toBeEnabled(UNTIL_DONE);
  }
  await expect(page.getByTestId('chart-search-ratio').locator('.recharts-scatter-symbol')).not.toHaveCount(0);
  await page.getByTestId('search-run').click();
  await expect(page.getByTestId('search-status')).toContainText('search finished', UNTIL_DONE);
  const total = await candidateCount(page);
  expect(total).toBeGreaterThanOrEqual(4);

  // Pick candidate #2 from the table and see what it removes.
  await page.getByRole('button', { name: /^Pick candidate 2,/ }).click();
  await expect(page.getByTestId('selected-candidate')).toContainText('Candidate #2');
  await expect(page.getByTestId('removed-channels')).toBeVisible();

  // Download it as model.json + weights.bin, with the report.
  await page.getByTestId('export').click();
  const links = page.getByTestId('downloads');
  await expect(links).toBeVisible(UNTIL_DONE);
  const save = async (name: string): Promise<Buffer> => {
    const [download] = await Promise.all([page.waitForEvent('download'), links.getByRole('link', { name: new RegExp(`${name.replace('.', '\\.')}$`) }).click()]);
    expect(download.suggestedFilename()).toBe(name);
    return bytesOf(download);
  };
  const modelJson = await save('model.json');
  const weights = await save('weights.bin');
  const report = (await save('report.md')).toString('utf8');
  expect(report.length).toBeGreaterThan(100);
  await page.getByTestId('stage-3').screenshot({ path: `${ARTIFACTS}/studio-stage3.png` });
  await page.screenshot({ path: `${ARTIFACTS}/studio-${BACKEND}.png`, fullPage: true });

  const outputShape = await checkLoadsAndPredicts(modelJson, weights, [28, 28, 1]);
  expect(outputShape).toEqual([2, 10]);
  const candidate = await page.getByTestId('selected-candidate').textContent();
  expect(candidate).toContain('#2');
  expect(errors).toEqual([]);
});
