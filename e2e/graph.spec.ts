/**
 * The model graph in the compress stage: the demo's layers as boxes with
 * edges, the whole model before a search, then the channels a picked candidate
 * keeps of each layer (the same figures as the table of removed channels).
 * Then a 156-layer MobileNetV2, dropped as files, for a screenshot to read.
 * On wasm, to stay fast.
 */
import { expect, test, type Page } from '@playwright/test';

import { mobilenetV2 } from '../src/engine/testing/mobilenetV2';
import { dropFiles, layersModelFiles } from './helpers/droppedFiles';
import { ARTIFACTS, UNTIL_DONE, openDemoOnWasm, recordLongTasks, smallBudget, trainAndScore, watchErrors } from './helpers/studioPage';

async function openGraph(page: Page): Promise<void> {
  await page.getByTestId('model-graph').locator('summary').click();
  await expect(page.getByTestId('graph-scroll')).toBeVisible();
}

test('the demo model as a graph: boxes and edges, then the channels a picked candidate keeps', async ({ page }) => {
  const errors = watchErrors(page);
  await recordLongTasks(page);
  await openDemoOnWasm(page);
  await openGraph(page);
  const graph = page.getByTestId('model-graph');
  const layers = Number((await graph.locator('summary').textContent())?.match(/(\d+) layers/)?.[1]);
  expect(layers).toBeGreaterThan(5);
  await expect(graph.getByTestId('graph-node')).toHaveCount(layers);
  expect(await graph.getByTestId('graph-edge').count()).toBeGreaterThanOrEqual(layers - 1);
  // Before a search: every box shows its whole output, nothing cut.
  await expect(graph.getByTestId('graph-caption')).toContainText('The whole model');
  expect((await graph.getByTestId('graph-channels').allTextContents()).every((text) => /^\d+$/.test(text))).toBe(true);
  // The input's channels cannot be pruned, and the box says why.
  const input = graph.getByTestId('graph-node').first();
  await expect(input.locator('title')).toContainText('Cannot be pruned: is the model input');
  await input.click();
  await expect(graph.getByTestId('graph-reasons')).toContainText('is the model input');

  await smallBudget(page, 3);
  await trainAndScore(page);
  await page.getByTestId('search-run').click();
  await expect(page.getByTestId('search-status')).toContainText('search finished', UNTIL_DONE);
  await page.getByRole('button', { name: /^Pick candidate \d+, ratio [1-9]/ }).first().click();
  await expect(graph.getByTestId('graph-caption')).toContainText(/Candidate #\d+/);

  // Each group's row of the removed-channels table and the box of the layer that makes the group agree.
  const rows = page.getByTestId('removed-channels').locator('tbody tr');
  const count = await rows.count();
  let cut = 0;
  for (let row = 0; row < count; row++) {
    const key = (await rows.nth(row).locator('th').textContent())!.split(' (')[0];
    const [kept, total] = (await rows.nth(row).locator('td').first().textContent())!.split('/');
    await expect(graph.locator(`[data-layer="${key}"]`).getByTestId('graph-channels')).toHaveText(kept === total ? total : `${kept}/${total}`);
    if (kept !== total) cut++;
  }
  expect(cut).toBeGreaterThan(0);
  // Choosing a cut layer says what the candidate keeps of it.
  const cutLayer = graph.locator('.graph-node-cut').first();
  await cutLayer.click();
  await expect(graph.getByTestId('graph-details')).toContainText(/keeps \d+ of \d+ channels/);
  await cutLayer.scrollIntoViewIfNeeded();
  await page.getByTestId('model-graph').screenshot({ path: `${ARTIFACTS}/graph-demo-candidate.png` });
  expect(errors).toEqual([]);
});

test('a 156-layer MobileNetV2 dropped as files: every layer a box, residual groups marked', async ({ page }) => {
  const errors = watchErrors(page);
  await openDemoOnWasm(page);
  await dropFiles(page, await layersModelFiles(mobilenetV2({ inputShape: [28, 28, 1], numClasses: 10 })));
  await expect(page.getByTestId('model-summary')).toContainText('model.json', UNTIL_DONE);
  await openGraph(page);
  const graph = page.getByTestId('model-graph');
  await expect(graph.getByTestId('graph-node')).toHaveCount(156);
  // A residual Add joins its two inputs' channels into one group: they are cut together.
  const add = graph.locator('[data-layer="block_2_add"]');
  await add.click();
  await expect(graph.getByTestId('graph-details')).toContainText(/coupled across .*block_1_project, block_2_project/);
  await page.setViewportSize({ width: 1400, height: 1100 });
  await add.scrollIntoViewIfNeeded();
  await graph.screenshot({ path: `${ARTIFACTS}/graph-mobilenetv2.png` });
  await page.getByRole('button', { name: 'Zoom out' }).click();
  await page.getByRole('button', { name: 'Zoom out' }).click();
  await graph.screenshot({ path: `${ARTIFACTS}/graph-mobilenetv2-zoomed-out.png` });
  expect(errors).toEqual([]);
});
