/**
 * The hostile corpus through the built studio: every case dropped on the page as a user drops files, read by the
 * worker (the browser's own image decoder included), each answered by its message, and the page still usable.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import { zipSync } from 'fflate';

import { hostileCorpus, type CorpusCase } from '../src/engine/testing/hostileCorpus';
import { dropFiles, type TestFile } from './helpers/droppedFiles';
import { openDemoOnWasm, watchErrors } from './helpers/studioPage';

test.setTimeout(300_000);

const baseName = (path: string): string => path.split('/').pop() ?? path;

/** What a user drops for the case: the model's files, the IDX pair, or the image folder as one zip. */
function dropped(corpusCase: CorpusCase): TestFile[] {
  if (corpusCase.kind === 'images') {
    const entries = Object.fromEntries(corpusCase.files.map((file) => [file.path.replace(/^data\//, ''), file.bytes]));
    return [{ name: 'data.zip', bytes: zipSync(entries) }];
  }
  const files = corpusCase.kind === 'model' && corpusCase.entry !== 'model.json'
    ? corpusCase.files.filter((file) => file.path === corpusCase.entry)
    : corpusCase.files.filter((file) => !file.path.endsWith('/'));
  return files.map((file) => ({ name: baseName(file.path), bytes: file.bytes }));
}

/** The studio skips unreadable images with a note where the CLI refuses them: the note is the answer there. */
const STUDIO_NOTES: Record<string, RegExp> = {
  'JPEG claiming 60000×60000 (refused from its header, before decoding)': /Skipped 1 image\(s\) of more than 40000000 pixels \(read from their headers, not decoded\): huge\.jpg/,
  'GIF claiming 65535×65535': /Skipped 1 image\(s\) of more than 40000000 pixels \(read from their headers, not decoded\): huge\.gif/,
};

/** Waits for `expected` in `target`, first making sure the text there now is not already an answer that matches. */
async function expectAnswer(page: Page, target: Locator, expected: RegExp, files: TestFile[], reset: TestFile[], resetText: RegExp): Promise<void> {
  if (expected.test((await target.count()) ? ((await target.textContent()) ?? '') : '')) {
    await dropFiles(page, reset);
    await expect(target).toHaveText(resetText, { timeout: 30_000 });
  }
  await dropFiles(page, files);
  await expect(target).toHaveText(expected, { timeout: 30_000 });
}

test('every hostile case dropped on the studio gets its message, and the studio stays usable', async ({ page }) => {
  const errors = watchErrors(page);
  await tf.setBackend('cpu');
  const corpus = await hostileCorpus();
  const cases = corpus.filter((c) => 'error' in c.expect && (c.kind !== 'images' || c.name in STUDIO_NOTES));
  await openDemoOnWasm(page);
  const model = page.getByTestId('model-error');
  const data = page.getByTestId('data-error');
  const modelReset = [{ name: 'model.json', bytes: new Uint8Array() }];
  const dataReset = [{ name: 'train-images-idx3-ubyte', bytes: new TextEncoder().encode('reset') }, { name: 'train-labels-idx1-ubyte', bytes: new Uint8Array([0]) }];

  for (const corpusCase of cases) {
    const files = dropped(corpusCase);
    const expected = (corpusCase.expect as { error: RegExp }).error;
    await test.step(corpusCase.name, async () => {
      if (corpusCase.kind === 'model') await expectAnswer(page, model, expected, files, modelReset, /not valid JSON/);
      else if (corpusCase.kind === 'idx') await expectAnswer(page, data, expected, files, dataReset, /is not an IDX file/);
      else {
        await dropFiles(page, files);
        await expect(page.getByTestId('data-summary')).toContainText(STUDIO_NOTES[corpusCase.name], { timeout: 30_000 });
      }
    });
  }
  expect(cases.length).toBeGreaterThanOrEqual(60);

  // Still usable: the built-in model trains its few steps on the last data that loaded.
  await expect(page.getByTestId('model-summary')).toContainText('built-in lenet');
  const stage2 = page.getByTestId('stage-2');
  await stage2.getByLabel('Pretraining epochs').fill('0');
  await stage2.getByLabel('Batch size').fill('2');
  await stage2.getByLabel('Max steps per phase').fill('2');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-done')).toContainText('Trained 2 steps', { timeout: 60_000 });
  expect(errors).toEqual([]);
});
