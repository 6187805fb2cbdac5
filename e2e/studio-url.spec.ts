/**
 * A hosted model by its address (issue 13, part 4): the page shows the origin before anything is fetched,
 * the worker fetches model.json and its weights with tfjs's tf.io.http only on the button, and a GraphModel
 * gets the converter option that makes a LayersModel; an .onnx file by its address is one request, read as a
 * dropped one (issue 20). The files are served from the preview's own origin.
 */
import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';

import { CSP_HEADER, CSP_WORKER_HEADER, isWorkerScript } from '../config/contentSecurityPolicy';
import { trainedLogitsModel } from './helpers/droppedFiles';
import { UNTIL_DONE, openDemoOnWasm, watchErrors } from './helpers/studioPage';

test('a model.json by its address: origin shown first, fetched on the button, measured on the digits', async ({ page, baseURL }) => {
  const errors = watchErrors(page);
  const served: string[] = [];
  const [modelJson, weights] = await trainedLogitsModel();
  await page.context().route('**/hosted/**', async (route) => {
    const path = new URL(route.request().url()).pathname;
    served.push(path);
    if (path === '/hosted/lenet/model.json') return route.fulfill({ body: Buffer.from(modelJson.bytes), contentType: 'application/json' });
    if (path === '/hosted/lenet/weights.bin') return route.fulfill({ body: Buffer.from(weights.bytes), contentType: 'application/octet-stream' });
    if (path === '/hosted/graph/model.json') {
      return route.fulfill({ json: { format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] } });
    }
    return route.fulfill({ status: 404, body: 'not here' });
  });
  await openDemoOnWasm(page);

  const address = `${baseURL}/hosted/lenet/model.json`;
  await page.getByTestId('model-url').fill(address);
  const origin = new URL(baseURL!).origin;
  await expect(page.getByTestId('model-url-note')).toContainText(`fetched from ${origin}, only when you press the button`);
  await expect(page.getByTestId('model-url-load')).toHaveText(`Fetch from ${origin}`);
  expect(served).toEqual([]);

  await page.getByTestId('model-url-load').click();
  await expect(page.getByTestId('model-summary')).toContainText(address, UNTIL_DONE);
  expect(served).toEqual(['/hosted/lenet/model.json', '/hosted/lenet/weights.bin']);
  await expect(page.getByRole('radio', { name: /LeNet/ })).not.toBeChecked();
  // The user's own model, measured on the built-in digits at once.
  await expect(page.getByTestId('preprocessing-accuracy')).toBeVisible(UNTIL_DONE);
  expect(Number((await page.getByTestId('preprocessing-accuracy').textContent())!.replace('%', ''))).toBeGreaterThan(90);

  await page.getByTestId('model-url').fill(`${baseURL}/hosted/graph/model.json`);
  await page.getByTestId('model-url-load').click();
  await expect(page.getByTestId('model-error')).toContainText('tensorflowjs_converter --output_format tfjs_layers_model', UNTIL_DONE);
  await expect(page.getByTestId('model-summary')).toContainText(address);

  await page.getByTestId('model-url').fill('http://models.example/model.json');
  await expect(page.getByTestId('model-url-note')).toContainText('not an https:// address');
  await expect(page.getByTestId('model-url-load')).toBeDisabled();
  expect(errors).toEqual([]);
});

test("under the built app's policy the page reaches only its origin, and the worker loads a hosted model from another", async ({ page }) => {
  const errors = watchErrors(page);
  const [modelJson, weights] = await trainedLogitsModel();
  const cors = { 'Access-Control-Allow-Origin': '*' };
  await page.context().route('https://models.example/**', (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/lenet/model.json') return route.fulfill({ body: Buffer.from(modelJson.bytes), contentType: 'application/json', headers: cors });
    if (path === '/lenet/weights.bin') return route.fulfill({ body: Buffer.from(weights.bytes), contentType: 'application/octet-stream', headers: cors });
    return route.fulfill({ status: 404, headers: cors, body: 'not here' });
  });
  const pageHeader = page.waitForResponse((response) => new URL(response.url()).pathname === '/').then((response) => response.headers()['content-security-policy']);
  const workerHeader = page.waitForResponse((response) => isWorkerScript(new URL(response.url()).pathname))
    .then((response) => response.headers()['content-security-policy']);
  await openDemoOnWasm(page);
  // The page keeps connect-src 'self'; the engine worker's script has its own policy, with https for hosted models.
  expect(await pageHeader).toBe(CSP_HEADER);
  expect(await workerHeader).toBe(CSP_WORKER_HEADER);
  const blocked = await page.evaluate(() => fetch('https://models.example/lenet/model.json').then(() => 'fetched', () => 'blocked'));
  expect(blocked).toBe('blocked');
  errors.length = 0;

  await page.getByTestId('model-url').fill('https://models.example/lenet/model.json');
  await expect(page.getByTestId('model-url-load')).toHaveText('Fetch from https://models.example');
  await page.getByTestId('model-url-load').click();
  await expect(page.getByTestId('model-summary')).toContainText('https://models.example/lenet/model.json', UNTIL_DONE);
  await expect(page.getByTestId('preprocessing-accuracy')).toBeVisible(UNTIL_DONE);
  expect(errors).toEqual([]);
});

test('an .onnx file by its address: one request, read as a dropped one, its ONNX origin on the card', async ({ page, baseURL }) => {
  const errors = watchErrors(page);
  const served: string[] = [];
  const onnx = await readFile('src/engine/testing/fixtures/onnx/residual_opset13.onnx');
  await page.context().route('**/hosted/**', async (route) => {
    const path = new URL(route.request().url()).pathname;
    served.push(path);
    if (path === '/hosted/nets/residual.onnx') return route.fulfill({ body: onnx, contentType: 'application/octet-stream' });
    return route.fulfill({ status: 404, body: 'not here' });
  });
  await openDemoOnWasm(page);

  const address = `${baseURL}/hosted/nets/residual.onnx`;
  await page.getByTestId('model-url').fill(address);
  await expect(page.getByTestId('model-url-note')).toContainText(`The .onnx file is fetched from ${new URL(baseURL!).origin}, only when you press the button`);
  expect(served).toEqual([]);
  await page.getByTestId('model-url-load').click();
  await expect(page.getByTestId('model-summary')).toContainText(address, UNTIL_DONE);
  await expect(page.getByTestId('model-onnx-origin')).toContainText('ONNX, opset 13');
  await expect(page.getByTestId('model-onnx-origin')).toContainText('NCHW');
  expect(served).toEqual(['/hosted/nets/residual.onnx']);
  expect(errors).toEqual([]);

  await page.getByTestId('model-url').fill(`${baseURL}/hosted/nets/missing.onnx`);
  await page.getByTestId('model-url-load').click();
  await expect(page.getByTestId('model-error')).toContainText('the server answered 404', UNTIL_DONE);
  // The 404 itself is the only error the page saw.
  expect(errors.filter((error) => !error.includes('/hosted/nets/missing.onnx'))).toEqual([]);
});
