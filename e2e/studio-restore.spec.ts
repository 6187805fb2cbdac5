/**
 * Nothing the user did is lost on a reload (docs/METHOD.md §8): train the demo a few
 * steps, run a short search, reload, and find the model, the training
 * summary and charts, the candidates and the selection back, with a note
 * that says so; a restored candidate still downloads and loads in Node.
 * On wasm, to stay fast.
 */
import { expect, test, type Page } from '@playwright/test';

import {
  ARTIFACTS, bytesOf, candidateCount, checkLoadsAndPredicts, linePoints, recordLongTasks, smallBudget, trainAndScore, openDemoOnWasm, UNTIL_DONE,
  waitForBackend, watchErrors,
} from './helpers/studioPage';

/** The worker saves in the background: wait until IndexedDB holds the finished search with `count` candidates. */
async function searchSaved(page: Page, count: number): Promise<void> {
  await page.waitForFunction(async (expected) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('gfr-studio', 1);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    try {
      const search = await new Promise<{ done: boolean; candidates: unknown[] } | undefined>((resolve, reject) => {
        const request = db.transaction('state', 'readonly').objectStore('state').get('search');
        request.onsuccess = () => resolve(request.result as { done: boolean; candidates: unknown[] } | undefined);
        request.onerror = () => reject(request.error);
      });
      return search?.done === true && search.candidates.length === expected;
    } finally {
      db.close();
    }
  }, count, { polling: 200, ...UNTIL_DONE });
}

test('a reload brings back the model, the training, the candidates, and a restored candidate downloads', async ({ page }) => {
  const errors = watchErrors(page);
  await recordLongTasks(page);
  // The demo first, so that a drop replaces it.
  await openDemoOnWasm(page);
  // A first visit opens the demo, with nothing to bring back.
  await expect(page.getByTestId('restored-note')).toHaveCount(0);

  await smallBudget(page, 3);
  // A fixed FLOPs target this time: the settings are part of what comes back.
  await page.getByTestId('stage-2').getByLabel('Target', { exact: true }).selectOption('fixed');
  await page.getByTestId('stage-2').getByLabel('Target counts').selectOption('flops');
  await trainAndScore(page);
  await expect(page.getByTestId('chart-sparsity')).toContainText('of the FLOPs are freed; the schedule asks for');
  // Three steps free nothing yet: the page says the target was not reached, and what would help.
  await expect(page.getByTestId('train-done')).toContainText('freeing 0.0% of the FLOPs — short of the 50.0% target of the FLOPs');
  await page.getByTestId('search-run').click();
  await expect(page.getByTestId('search-status')).toContainText('search finished', UNTIL_DONE);
  const count = await candidateCount(page);
  expect(count).toBeGreaterThanOrEqual(3);
  await expect(page.getByTestId('selected-candidate')).toBeVisible();

  const before = {
    model: await page.getByTestId('model-summary').locator('h3').textContent(),
    prunable: await page.getByTestId('model-prunable').textContent(),
    trained: await page.getByTestId('train-done').textContent(),
    selected: await page.getByTestId('selected-candidate').locator('h3').textContent(),
    table: await page.getByTestId('candidate-table').locator('tbody').textContent(),
    lossPoints: await linePoints(page, 'chart-loss'),
  };
  await searchSaved(page, count);

  const reloadedAt = Date.now();
  await page.reload();
  expect(await waitForBackend(page)).toBe('wasm');
  const note = page.getByTestId('restored-note');
  await expect(note).toContainText('Your previous work was restored', UNTIL_DONE);
  await expect(note).toContainText(`trained 6 steps (gfr), ${count} search candidates`);
  console.log(`restored ${((Date.now() - reloadedAt) / 1000).toFixed(1)} s after the reload`);

  // The model and data, the training summary and its charts, the scores.
  await expect(page.getByTestId('model-summary').locator('h3')).toHaveText(before.model ?? '');
  await expect(page.getByTestId('model-prunable')).toHaveText(before.prunable ?? '');
  await expect(page.getByTestId('data-summary')).toContainText('10,000');
  await expect(page.getByTestId('train-done')).toHaveText(before.trained ?? '');
  await expect(page.getByTestId('stage-2').getByLabel('Target', { exact: true })).toHaveValue('fixed');
  await expect(page.getByTestId('stage-2').getByLabel('Target counts')).toHaveValue('flops');
  await expect(page.getByTestId('chart-sparsity')).toContainText('of the FLOPs are freed');
  expect(await linePoints(page, 'chart-loss')).toBe(before.lossPoints);
  await expect(page.getByTestId('scores-view')).toBeVisible();
  // The search: every candidate, finished, and the rule's selection.
  await expect(page.getByTestId('search-status')).toContainText('search finished');
  expect(await candidateCount(page)).toBe(count);
  await expect(page.getByTestId('candidate-table').locator('tbody')).toHaveText(before.table ?? '');
  await expect(page.getByTestId('selected-candidate').locator('h3')).toHaveText(before.selected ?? '');
  await page.screenshot({ path: `${ARTIFACTS}/studio-restored.png`, fullPage: true });
  await note.screenshot({ path: `${ARTIFACTS}/studio-restored-note.png` });
  await page.getByTestId('stage-2').screenshot({ path: `${ARTIFACTS}/studio-restored-stage2.png` });

  // A restored candidate still downloads, and stock tfjs loads it.
  await page.getByTestId('stage-3').getByRole('radio', { name: 'model.json + weights.bin' }).check();
  await page.getByTestId('export').click();
  const links = page.getByTestId('downloads');
  await expect(links).toBeVisible(UNTIL_DONE);
  const save = async (name: string): Promise<Buffer> => {
    const [download] = await Promise.all([page.waitForEvent('download'), links.getByRole('link', { name: new RegExp(`${name.replace('.', '\\.')}$`) }).click()]);
    return bytesOf(download);
  };
  const modelJson = await save('model.json');
  const weights = await save('weights.bin');
  expect(await checkLoadsAndPredicts(modelJson, weights, [28, 28, 1])).toEqual([2, 10]);

  // The note goes away when dismissed.
  await page.getByTestId('restored-dismiss').click();
  await expect(note).toHaveCount(0);
  await page.getByTestId('stage-3').screenshot({ path: `${ARTIFACTS}/studio-restored-stage3.png` });
  expect(errors).toEqual([]);
});
