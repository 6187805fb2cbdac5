/**
 * The hostile corpus through the built studio: every case dropped on the page as a user drops files, read by the
 * worker (the browser's own image decoder included), each answered by its message, and the page still usable.
 */
import { expect, test, type Page } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import { zipSync } from 'fflate';

import { hostileCorpus, png, type CorpusCase } from '../src/engine/testing/hostileCorpus';
import { dropFiles, type TestFile } from './helpers/droppedFiles';
import { UNTIL_DONE, openDemoOnWasm, watchErrors } from './helpers/studioPage';

const baseName = (path: string): string => path.split('/').pop() ?? path;

/**
 * What a user drops for the case: the model's files, the IDX pair, or the image folder as one zip — with its good
 * images at 20×20, since the built-in model is rebuilt for the data's size and needs at least 16×16.
 */
function dropped(corpusCase: CorpusCase): TestFile[] {
  if (corpusCase.kind === 'images') {
    const hostile = corpusCase.files.filter((file) => file.path.includes('huge'));
    const entries = Object.fromEntries([
      ['cat/1.png', png(20, 20)], ['dog/1.png', png(20, 20)], ['dog/2.png', png(20, 20)],
      ...hostile.map((file) => [file.path.replace(/^data\//, ''), file.bytes]),
    ]);
    return [{ name: 'data.zip', bytes: zipSync(entries) }];
  }
  const files = corpusCase.kind === 'model' && corpusCase.entry !== 'model.json'
    ? corpusCase.files.filter((file) => file.path === corpusCase.entry)
    : corpusCase.files.filter((file) => !file.path.endsWith('/'));
  return files.map((file) => ({ name: baseName(file.path), bytes: file.bytes }));
}

/** A drop that holds neither model files nor a zip with a .json goes to the data, which says so. */
const STUDIO_ERRORS: Record<string, RegExp> = {
  'zip without model.json': /No IDX files or images among model\.zip/,
  'folder without an IDX pair': /No IDX files or images among readme\.txt/,
};

/** The studio skips unreadable images with a note where the CLI refuses them: the note is the answer there. */
const STUDIO_NOTES: Record<string, RegExp> = {
  'JPEG claiming 60000×60000 (refused from its header, before decoding)': /Skipped 1 image\(s\) of more than 40000000 pixels \(read from their headers, not decoded\): huge\.jpg/,
  'GIF claiming 65535×65535': /Skipped 1 image\(s\) of more than 40000000 pixels \(read from their headers, not decoded\): huge\.gif/,
};

const MODEL_RESET: TestFile[] = [{ name: 'model.json', bytes: new Uint8Array() }];
const DATA_RESET: TestFile[] = [{ name: 'train-images-idx3-ubyte', bytes: new TextEncoder().encode('reset') }, { name: 'train-labels-idx1-ubyte', bytes: new Uint8Array([0]) }];

/**
 * Drops the files and waits for `expected` in the model's or the data's error (a zip holding no .json goes to
 * the data, as the studio sorts drops), first making sure neither already shows a text that matches.
 */
async function expectAnswer(page: Page, expected: RegExp, files: TestFile[]): Promise<void> {
  const texts = await page.locator('[data-testid=model-error], [data-testid=data-error]').allTextContents();
  if (texts.some((text) => expected.test(text))) {
    await dropFiles(page, MODEL_RESET);
    await expect(page.getByTestId('model-error')).toHaveText(/not valid JSON/, UNTIL_DONE);
    await dropFiles(page, DATA_RESET);
    await expect(page.getByTestId('data-error')).toHaveText(/is not an IDX file/, UNTIL_DONE);
  }
  await dropFiles(page, files);
  await expect(page.locator('[data-testid=model-error], [data-testid=data-error]').filter({ hasText: expected })).toHaveCount(1, UNTIL_DONE);
}

test('every hostile case dropped on the studio gets its message, and the studio stays usable', async ({ page }) => {
  const errors = watchErrors(page);
  await tf.setBackend('cpu');
  const corpus = await hostileCorpus();
  const cases = corpus.filter((c) => 'error' in c.expect && (c.kind !== 'images' || c.name in STUDIO_NOTES));
  await openDemoOnWasm(page);

  for (const corpusCase of cases) {
    const files = dropped(corpusCase);
    const expected = STUDIO_ERRORS[corpusCase.name] ?? (corpusCase.expect as { error: RegExp }).error;
    await test.step(corpusCase.name, async () => {
      if (corpusCase.kind !== 'images') await expectAnswer(page, expected, files);
      else {
        await dropFiles(page, files);
        await expect(page.getByTestId('data-summary')).toContainText(STUDIO_NOTES[corpusCase.name], UNTIL_DONE);
      }
    });
  }
  expect(cases.length).toBeGreaterThanOrEqual(60);

  // Still usable: the built-in model, untouched by every refusal, trains on the last data that loaded (3 images).
  await expect(page.getByTestId('model-summary')).toContainText('built-in lenet');
  const stage2 = page.getByTestId('stage-2');
  await stage2.getByLabel('Pretraining epochs').fill('0');
  await stage2.getByLabel('Batch size').fill('2');
  await stage2.getByLabel('Max steps per phase').fill('2');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-done')).toContainText(/Trained [12] steps/, UNTIL_DONE);
  expect(errors).toEqual([]);
});
