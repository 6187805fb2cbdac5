/** A hosted model by its address: tfjs's HTTP handler, same origin only, clear messages for what cannot load. */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../engine/backend/node';
import { loadModelFiles } from '../engine/io/modelFiles';
import { loadModelFromUrl, parseModelUrl } from './modelUrl';

const FIXTURE = 'src/engine/testing/fixtures/lenet-digits-logits';

/** A fake web server: path → body; records what was asked and how. */
function server(files: Record<string, Uint8Array | string>) {
  const requests: { url: string; credentials?: RequestCredentials }[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    requests.push({ url, credentials: init?.credentials });
    const body = files[url];
    return body === undefined ? new Response('not found', { status: 404 }) : new Response(typeof body === 'string' ? body : new Blob([body as Uint8Array<ArrayBuffer>]));
  }) as typeof fetch;
  return { fetchImpl, requests };
}

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('parseModelUrl', () => {
  it('takes https, and http only on this machine', () => {
    expect(parseModelUrl(' https://models.example/a/model.json ').origin).toBe('https://models.example');
    expect(parseModelUrl('http://127.0.0.1:4173/m/model.json').origin).toBe('http://127.0.0.1:4173');
    expect(() => parseModelUrl('http://models.example/model.json')).toThrow(/not an https:\/\/ address/);
    expect(() => parseModelUrl('model.json')).toThrow(/not a web address/);
    expect(() => parseModelUrl('https://user:pw@models.example/model.json')).toThrow(/without a user name/);
  });
});

describe('loadModelFromUrl', () => {
  it('loads a LayersModel and its weights from the origin typed, without cookies', async () => {
    const base = 'https://models.example/lenet/';
    const { fetchImpl, requests } = server({
      [`${base}model.json`]: new Uint8Array(await readFile(`${FIXTURE}/model.json`)),
      [`${base}weights.bin`]: new Uint8Array(await readFile(`${FIXTURE}/weights.bin`)),
    });
    const loaded = await loadModelFromUrl(`${base}model.json`, new AbortController().signal, fetchImpl);
    expect(loaded.url).toBe(`${base}model.json`);
    expect(loaded.spec.layers.some((layer) => layer.className === 'Conv2D')).toBe(true);
    expect(requests.map((r) => r.url)).toEqual([`${base}model.json`, `${base}weights.bin`]);
    expect(requests.every((r) => r.credentials === 'omit')).toBe(true);
  });

  it('names the converter option for a GraphModel, and says what failed for a missing file', async () => {
    const graph = JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] });
    const { fetchImpl } = server({ 'https://models.example/g/model.json': graph });
    await expect(loadModelFromUrl('https://models.example/g/model.json', new AbortController().signal, fetchImpl))
      .rejects.toThrow(/GraphModel.*tensorflowjs_converter --output_format tfjs_layers_model/);
    await expect(loadModelFromUrl('https://models.example/none/model.json', new AbortController().signal, fetchImpl))
      .rejects.toThrow(/Could not load a model from https:\/\/models.example\/none\/model.json: .*404/);
    // Dropped as a file, the same message.
    await expect(loadModelFiles([{ name: 'model.json', bytes: new TextEncoder().encode(graph) }]))
      .rejects.toThrow(/model.json is a TensorFlow.js GraphModel.*tensorflowjs_converter --output_format tfjs_layers_model/);
  });
});

describe('loadModelFromUrl: an .onnx file', () => {
  const ONNX = 'src/engine/testing/fixtures/onnx/residual_opset13.onnx';

  it('fetches the one file from the origin typed, without cookies, and reads it as a dropped .onnx file', async () => {
    const address = 'https://models.example/nets/residual.onnx?download=true';
    const { fetchImpl, requests } = server({ [address]: new Uint8Array(await readFile(ONNX)) });
    const loaded = await loadModelFromUrl(address, new AbortController().signal, fetchImpl);
    expect(loaded.url).toBe(address);
    expect(loaded.format).toBe('onnx');
    expect(loaded.onnx).toMatchObject({ inputName: 'image', inputLayout: 'NCHW', opset: 13 });
    expect(loaded.rebuiltBatchNorms!.length).toBeGreaterThan(0);
    expect(loaded.spec.name).toBe('residual');
    const dropped = await loadModelFiles([{ name: 'residual.onnx', bytes: new Uint8Array(await readFile(ONNX)) }]);
    expect(loaded.spec).toEqual(dropped.spec);
    expect(requests).toEqual([{ url: address, credentials: 'omit' }]);
  });

  it('says what failed: a missing file, a web page instead of the file, a file that is not ONNX', async () => {
    const bytes = new Uint8Array(await readFile(ONNX));
    const { fetchImpl } = server({
      'https://models.example/page/model.onnx': '<!DOCTYPE html><html><body>model.onnx · 14 kB</body></html>',
      'https://models.example/cut/model.onnx': bytes.slice(0, bytes.length / 2),
    });
    const load = (address: string) => loadModelFromUrl(address, new AbortController().signal, fetchImpl);
    await expect(load('https://models.example/none/model.onnx')).rejects.toThrow(/Could not load a model from https:\/\/models.example\/none\/model.onnx: the server answered 404.*CORS/);
    await expect(load('https://models.example/page/model.onnx')).rejects.toThrow(/answered with a web page, not the \.onnx file: give the file's own \(raw or download\) address/);
    await expect(load('https://models.example/cut/model.onnx')).rejects.toThrow(/model\.onnx could not be read as an ONNX model/);
  });
});
