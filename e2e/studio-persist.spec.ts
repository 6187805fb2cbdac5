/**
 * Work survives what a browser does to it: a reload in the middle of
 * training (resumed from its checkpoint, and finished), storage that is
 * full (the page says what was not saved, and a reload brings back the last
 * complete state; forgetting it opens the demo), and an engine worker that dies (a new one starts on the
 * next backend and offers to resume). Each waits on progress — a checkpoint
 * saved, a step arriving — never on a fixed time. On wasm, with 100 digits.
 */
import { expect, test, type Page } from '@playwright/test';

import { digitIdxFiles, dropFiles } from './helpers/droppedFiles';
import { fill, openDemoOnWasm, UNTIL_DONE, waitForBackend, watchErrors } from './helpers/studioPage';

/** 100 digits: 81 to train on, 6 steps an epoch at batch 16; many epochs, so that the run is still going when it is interrupted. */
async function longRunOnFewDigits(page: Page, epochs = 60): Promise<void> {
  await openDemoOnWasm(page);
  await dropFiles(page, await digitIdxFiles(10));
  await expect(page.getByTestId('data-count')).toHaveText('100', UNTIL_DONE);
  await fill(page, 2, 'Pretraining epochs', 0);
  await fill(page, 2, /^(Sparse epochs|Epochs)$/, epochs);
  await fill(page, 2, 'Batch size', 16);
  await fill(page, 2, 'Max steps per phase', 0);
}

/** Starts training and waits until a checkpoint is saved; returns its step. */
async function trainUntilCheckpoint(page: Page): Promise<number> {
  await page.getByTestId('train-start').click();
  const saved = page.getByTestId('train-saved');
  await expect(saved).toBeVisible(UNTIL_DONE);
  return Number((await saved.textContent())!.match(/\d+/)![0]);
}

test('a reload in the middle of training: the page offers to resume from the saved step, and the resumed run finishes', async ({ page }) => {
  const errors = watchErrors(page);
  await longRunOnFewDigits(page);
  const savedStep = await trainUntilCheckpoint(page);
  expect(savedStep).toBeGreaterThan(0);

  await page.reload();
  expect(await waitForBackend(page)).toBe('wasm');
  const resume = page.getByTestId('train-resume');
  await expect(resume).toBeVisible(UNTIL_DONE);
  const step = Number((await resume.textContent())!.match(/\d+/)![0]);
  // The latest checkpoint that landed before the reload: the one seen, or a later one.
  expect(step).toBeGreaterThanOrEqual(savedStep);
  await expect(page.getByTestId('train-interrupted')).toContainText(`interrupted at step ${step} of 300`);
  await expect(page.getByTestId('restored-note')).toContainText(`a training interrupted at step ${step} of 300, which can be resumed`);
  await expect(page.getByTestId('data-count')).toHaveText('100');

  await resume.click();
  // The run goes on from the next step (the curve before it came back with the note).
  await expect(page.getByTestId('train-step')).toHaveText(/^\d+$/);
  await page.waitForFunction((after) => Number(document.querySelector('[data-testid="train-step"]')?.textContent) > after, step, { polling: 100, ...UNTIL_DONE });
  await expect(page.getByTestId('train-done')).toContainText('Trained 300 steps', UNTIL_DONE);
  await expect(page.getByTestId('train-resume')).toHaveCount(0);
  await expect(page.getByTestId('scores-view')).toBeVisible(UNTIL_DONE);
  expect(errors).toEqual([]);
});

test('storage that is full: the page says what was not saved, and a reload brings back the last complete state', async ({ page }) => {
  const errors = watchErrors(page);
  await openDemoOnWasm(page);
  await fill(page, 2, 'Pretraining epochs', 0);
  await fill(page, 2, 'Max steps per phase', 3);
  await page.getByTestId('stage-2').getByLabel('Criterion').selectOption('gamma');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-done')).toContainText('Trained 3 steps', UNTIL_DONE);
  // The trained model is saved in the background: wait until the store holds it.
  await page.waitForFunction(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('gfr-studio', 1);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    try {
      return await new Promise<boolean>((resolve) => {
        const request = db.transaction('state', 'readonly').objectStore('state').get('training');
        request.onsuccess = () => resolve(request.result !== undefined);
        request.onerror = () => resolve(false);
      });
    } finally {
      db.close();
    }
  }, null, { polling: 200, ...UNTIL_DONE });

  // From now on the disk is full: every transaction of the worker's IndexedDB aborts with QuotaExceededError,
  // as Chromium's does when the site's quota is used up (its own quota override does not reach a worker's writes).
  const engine = page.workers().find((worker) => worker.url().includes('worker'));
  await engine!.evaluate(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      const request = put.call(this, value, key);
      Object.defineProperty(this.transaction, 'error', { value: new DOMException('The quota has been exceeded.', 'QuotaExceededError') });
      this.transaction.abort();
      return request;
    };
  });
  await page.getByTestId('stage-2').getByLabel('Criterion').selectOption('l1');
  await page.getByTestId('train-start').click();
  const notice = page.getByTestId('save-failed');
  await expect(notice).toContainText('Not saved: the trained model', UNTIL_DONE);
  await expect(notice).toContainText("the browser's storage for this page is full");

  await page.reload();
  expect(await waitForBackend(page)).toBe('wasm');
  // The last complete state: the first training (gamma), not the one that could not be saved.
  await expect(page.getByTestId('restored-note')).toContainText('trained 3 steps (gamma)', UNTIL_DONE);
  await expect(page.getByTestId('train-done')).toContainText('Trained 3 steps');

  // Forgetting the saved work opens the demo, and the next visit finds nothing to bring back.
  await page.getByTestId('forget-saved-work').click();
  await expect(page.getByTestId('restored-note')).toHaveCount(0);
  await expect(page.getByTestId('train-done')).toHaveCount(0);
  await expect(page.getByTestId('data-summary')).toContainText('10,000', UNTIL_DONE);
  await page.reload();
  await expect(page.getByTestId('data-summary')).toContainText('10,000', UNTIL_DONE);
  await expect(page.getByTestId('model-summary')).toContainText('built-in lenet');
  await expect(page.getByTestId('restored-note')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('the engine worker dies in the middle of training: a new one starts on the next backend and offers to resume', async ({ page }) => {
  const errors = watchErrors(page);
  await longRunOnFewDigits(page);
  const savedStep = await trainUntilCheckpoint(page);

  // An uncaught error in the worker, as a crash or a lost GPU device ends it.
  const engine = page.workers().find((worker) => worker.url().includes('worker'));
  expect(engine, 'the engine worker is running').toBeDefined();
  await engine!.evaluate(() => {
    setTimeout(() => {
      throw new Error('simulated crash');
    });
  });

  const recovery = page.getByTestId('engine-recovery');
  await expect(recovery).toContainText('The engine worker failed', UNTIL_DONE);
  await expect(recovery).toHaveAttribute('data-state', 'done', UNTIL_DONE);
  // wasm was running: the next backend in the chain is cpu.
  await expect(page.getByTestId('backend')).toHaveText('cpu');
  const resume = page.getByTestId('train-resume');
  await expect(resume).toBeVisible();
  const step = Number((await resume.textContent())!.match(/\d+/)![0]);
  expect(step).toBeGreaterThanOrEqual(savedStep);
  await expect(recovery).toContainText(`It was started again on cpu; your saved work is back, and the training can be resumed from step ${step}.`);

  // Resuming goes on from the next step on the new worker; the test stops it there (cpu is slow).
  await resume.click();
  await page.waitForFunction((after) => Number(document.querySelector('[data-testid="train-step"]')?.textContent) > after, step, { polling: 100, ...UNTIL_DONE });
  await page.getByRole('button', { name: 'Cancel training' }).click();
  await expect(page.getByTestId('train-start')).toBeEnabled(UNTIL_DONE);
  expect(errors.filter((error) => !error.includes('simulated crash'))).toEqual([]);
});
