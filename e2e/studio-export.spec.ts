/**
 * The download's formats in a real browser (issue 13): a candidate as ONNX, run
 * in Node by onnxruntime-web; the original model as ONNX; and a candidate with
 * uint8 kernels, measured before the download and loaded back with stock tfjs.
 * On wasm with `l1` (no sparse training), on 600 dropped digits: the flow up to
 * the download is the other specs' business.
 */
import { expect, test, type Page } from '@playwright/test';
import * as ort from 'onnxruntime-web';

import { digitIdxFiles, dropFiles } from './helpers/droppedFiles';
import { ARTIFACTS, UNTIL_DONE, bytesOf, checkLoadsAndPredicts, openDemoOnWasm, recordLongTasks, smallBudget, trainAndScore, watchErrors } from './helpers/studioPage';

ort.env.wasm.numThreads = 1;

async function save(page: Page, name: RegExp): Promise<{ name: string; bytes: Buffer }> {
  const links = page.getByTestId('downloads');
  const [download] = await Promise.all([page.waitForEvent('download'), links.getByRole('link', { name }).click()]);
  return { name: download.suggestedFilename(), bytes: await bytesOf(download) };
}

/** Runs an .onnx file on two random images and returns its output's shape and row sums. */
async function runOnnxFile(bytes: Buffer): Promise<{ dims: readonly number[]; sums: number[] }> {
  const session = await ort.InferenceSession.create(new Uint8Array(bytes), { executionProviders: ['wasm'] });
  const images = Float32Array.from({ length: 2 * 28 * 28 }, (_, i) => (i % 29) / 29);
  const results = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', images, [2, 28, 28, 1]) });
  const output = results[session.outputNames[0]];
  const values = output.data as Float32Array;
  await session.release();
  return { dims: output.dims, sums: [0, 1].map((n) => values.subarray(n * 10, n * 10 + 10).reduce((a, b) => a + b, 0)) };
}

test('downloads a candidate and the original as ONNX, and a candidate with uint8 kernels', async ({ page }) => {
  const errors = watchErrors(page);
  // trainAndScore reads the long tasks it records.
  await recordLongTasks(page);
  await openDemoOnWasm(page);
  await dropFiles(page, await digitIdxFiles(60));
  await expect(page.getByTestId('data-count')).toHaveText('600', UNTIL_DONE);
  await page.getByTestId('stage-2').getByLabel('Criterion').selectOption('l1');
  await smallBudget(page, 3);
  await trainAndScore(page);
  await page.getByTestId('search-run').click();
  await expect(page.getByTestId('search-status')).toContainText('search finished', UNTIL_DONE);

  await page.getByTestId('format-onnx').check();
  await page.getByTestId('export').click();
  const onnx = await save(page, /\.onnx$/);
  expect(onnx.name).toMatch(/^lenet-pruned-\d+\.onnx$/);
  const report = await save(page, /report\.md$/);
  expect(report.bytes.toString('utf8')).toMatch(/## Using the exported model \(ONNX\)/);
  const candidate = await runOnnxFile(onnx.bytes);
  expect(candidate.dims).toEqual([2, 10]);
  for (const sum of candidate.sums) expect(sum).toBeCloseTo(1, 4);

  await page.getByTestId('export-original-onnx').click();
  const original = await save(page, /original\.onnx$/);
  expect(original.name).toBe('lenet-original.onnx');
  expect((await runOnnxFile(original.bytes)).dims).toEqual([2, 10]);

  await page.getByLabel('Model format').getByLabel('model.json + weights.bin').check();
  await page.getByTestId('stage-3').getByLabel('Weight precision').selectOption('uint8');
  await page.getByTestId('export').click();
  const figures = page.getByTestId('quantized-figures');
  await expect(figures).toContainText(/Pruned \+ uint8: accuracy \d+\.\d+% \(float32 \d+\.\d+%\)/, UNTIL_DONE);
  await page.locator('section.export').screenshot({ path: `${ARTIFACTS}/studio-export.png` });
  const modelJson = await save(page, /model\.json$/);
  const weights = await save(page, /weights\.bin$/);
  const manifest = JSON.parse(modelJson.bytes.toString('utf8')).weightsManifest[0].weights as { shape: number[]; quantization?: { dtype: string } }[];
  expect(manifest.filter((entry) => entry.shape.length >= 2).every((entry) => entry.quantization?.dtype === 'uint8')).toBe(true);
  expect(await checkLoadsAndPredicts(modelJson.bytes, weights.bytes, [28, 28, 1])).toEqual([2, 10]);
  expect(errors).toEqual([]);
});
