/**
 * Import of the real ResNet-56 as a PyTorch user's ONNX file, in the studio (issue 20's target: under 3 s on this
 * machine). `npm run bench -- onnx-import [--runs N]`:
 *
 * 1. The file: resnet56_onnx.py puts the weights of ../shared/real/resnet56-cifar10 back into the PyTorch module
 *    they came from, checks it on CIFAR-10 images and exports it with torch.onnx.export (opset 13, eval mode: every
 *    BN folded). Kept in ~/.cache/gfr-studio/onnx, never in the repository. Without PyTorch, GFR Studio's own ONNX
 *    writer makes the file instead (the run file says which).
 * 2. In Node: specFromOnnx's time, and the imported model against onnxruntime-web on real CIFAR-10 images.
 * 3. In the studio: the production build served by `vite preview`, headless Chromium on wasm; each run opens a fresh
 *    page (a new worker) with the demo loaded, drops the file, and times from the drop to the model card naming it.
 *
 * Skipped, with a line saying why and nothing written, where ../shared/real is missing.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { chromium, type Page } from 'playwright-core';
import { readModelFiles } from '../../cli/modelFiles';
import { useNodeBackend } from '../../src/engine/backend/node';
import { loadIdxFolder } from '../../src/engine/data/node/readFolder';
import { parseScaling } from '../../src/engine/data/scaling';
import { onnxFromSpec } from '../../src/engine/export/onnx/toOnnx';
import { specFromOnnx } from '../../src/engine/io/onnx/importOnnx';
import { modelFromSpec } from '../../src/engine/io/modelSpec';
import { runOnnx } from '../../src/engine/testing/onnxRuntime';
import { CHROMIUM_PATH, PYTHON_PATH, torchVersion } from '../common/environment';
import { CIFAR10_8K_DIR, REAL_DIR } from '../quality/data';
import { CHROMIUM_ARGS } from '../speed/browserSpeed';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODEL_DIR = join(REAL_DIR, 'resnet56-cifar10');
const FILE_NAME = 'resnet56-cifar10.onnx';
const CACHE = join(homedir(), '.cache', 'gfr-studio', 'onnx');
const SCRIPT = fileURLToPath(new URL('./resnet56_onnx.py', import.meta.url));
/** Real images the import is checked on against onnxruntime-web. */
const CHECK_IMAGES = 16;

export interface Spread {
  runs: number[];
  median: number;
  min: number;
  max: number;
  /** The middle half of the runs: first and third quartile. */
  quartiles: [number, number];
}

export interface OnnxImportResult {
  file: { name: string; bytes: number; producer: string; how: string; pytorchAccuracy?: { accuracy: number; images: number } };
  model: { layers: number; rebuiltBatchNorms: number; opset: number; inputName: string; inputLayout: string };
  /** specFromOnnx in Node, ms. */
  nodeImportMs: Spread;
  /** The imported model (tfjs, Node wasm) against onnxruntime-web on real CIFAR-10 images. */
  againstOnnxRuntime: { images: number; maxAbsDifference: number; outputSpread: number };
  /** From the drop to the model card naming the file, ms; every run a fresh page of the built studio on wasm. */
  studioImportMs: Spread;
  targetMs: number;
}

export function spreadOf(runs: number[]): Spread {
  const sorted = [...runs].sort((a, b) => a - b);
  const at = (q: number) => {
    const position = q * (sorted.length - 1);
    const low = Math.floor(position);
    return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (position - low);
  };
  const round = (value: number) => Math.round(value);
  return { runs: runs.map(round), median: round(at(0.5)), min: round(sorted[0]), max: round(sorted[sorted.length - 1]), quartiles: [round(at(0.25)), round(at(0.75))] };
}

/** Why the benchmark cannot run here, or null. */
export function onnxImportProblem(modelDir = MODEL_DIR): string | null {
  if (!existsSync(join(modelDir, 'model.json'))) return `onnx-import skipped: ${modelDir} is missing (the real network is read in place from ${REAL_DIR}, beside the repository, never committed)`;
  if (!existsSync(CHROMIUM_PATH)) return `onnx-import skipped: Chromium is not installed at ${CHROMIUM_PATH}`;
  return null;
}

export async function runOnnxImport({ runs, log }: { runs: number; log: (line: string) => void }): Promise<OnnxImportResult> {
  const file = await onnxFile(log);
  const bytes = new Uint8Array(readFileSync(file.path));
  await useNodeBackend('wasm');
  const nodeRuns: number[] = [];
  let imported = specFromOnnx(bytes, FILE_NAME);
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    imported = specFromOnnx(bytes, FILE_NAME);
    nodeRuns.push(performance.now() - start);
  }
  log(`node: specFromOnnx ${spreadOf(nodeRuns).median} ms (median of ${runs})`);
  const againstOnnxRuntime = await compareOnRealImages(bytes, imported.spec);
  log(`node: against onnxruntime-web on ${againstOnnxRuntime.images} CIFAR-10 images, largest difference ${againstOnnxRuntime.maxAbsDifference.toExponential(2)} (outputs span ${againstOnnxRuntime.outputSpread.toFixed(1)})`);
  const studioRuns = await timeStudioImports(file.path, runs, log);
  const { origin } = imported;
  return {
    file: { name: FILE_NAME, bytes: bytes.byteLength, producer: origin.producer, how: file.how, ...(file.pytorchAccuracy ? { pytorchAccuracy: file.pytorchAccuracy } : {}) },
    model: { layers: imported.spec.layers.length, rebuiltBatchNorms: imported.rebuiltBatchNorms.length, opset: origin.opset, inputName: origin.inputName, inputLayout: origin.inputLayout },
    nodeImportMs: spreadOf(nodeRuns),
    againstOnnxRuntime,
    studioImportMs: spreadOf(studioRuns),
    targetMs: 3000,
  };
}

interface OnnxFile {
  path: string;
  how: string;
  pytorchAccuracy?: { accuracy: number; images: number };
}

/** The cached file, or a new one: PyTorch's export where torch is installed, else GFR Studio's writer. */
async function onnxFile(log: (line: string) => void): Promise<OnnxFile> {
  const path = join(CACHE, FILE_NAME);
  const notes = join(CACHE, `${FILE_NAME}.json`);
  if (existsSync(path) && existsSync(notes)) return { path, ...(JSON.parse(readFileSync(notes, 'utf8')) as Omit<OnnxFile, 'path'>) };
  mkdirSync(CACHE, { recursive: true });
  let made: Omit<OnnxFile, 'path'>;
  if (torchVersion()) {
    log(`writing ${path} with torch.onnx.export (${SCRIPT})`);
    const { stdout } = await promisify(execFile)(PYTHON_PATH, [SCRIPT, MODEL_DIR, CIFAR10_8K_DIR, path], { timeout: 600_000 });
    const printed = JSON.parse(stdout.trim().split('\n').pop()!) as { torch: string; accuracy: number | null; images: number };
    made = {
      how: `torch.onnx.export (PyTorch ${printed.torch}, opset 13, eval mode) of the weights put back into the PyTorch module`,
      ...(printed.accuracy !== null ? { pytorchAccuracy: { accuracy: printed.accuracy, images: printed.images } } : {}),
    };
  } else {
    log(`PyTorch is not installed for ${PYTHON_PATH}: writing ${path} with GFR Studio's ONNX writer (NCHW input)`);
    const { spec } = await readModelFiles(MODEL_DIR);
    writeFileSync(path, onnxFromSpec(spec, { inputLayout: 'NCHW', inputName: 'input' }));
    made = { how: "GFR Studio's ONNX writer (NCHW input; PyTorch was not installed)" };
  }
  writeFileSync(notes, JSON.stringify(made));
  return { path, ...made };
}

async function compareOnRealImages(bytes: Uint8Array, spec: Parameters<typeof modelFromSpec>[0]): Promise<OnnxImportResult['againstOnnxRuntime']> {
  const data = loadIdxFolder(CIFAR10_8K_DIR, parseScaling('imagenet'));
  const { height: h, width: w, channels: c } = data;
  const nhwc = data.images.slice(0, CHECK_IMAGES * h * w * c);
  const nchw = new Float32Array(nhwc.length);
  for (let n = 0; n < CHECK_IMAGES; n++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) nchw[((n * c + k) * h + y) * w + x] = nhwc[((n * h + y) * w + x) * c + k];
  const expected = await runOnnx(bytes, nchw, [CHECK_IMAGES, c, h, w]);
  const model = await modelFromSpec(spec);
  const input = tf.tensor4d(nhwc, [CHECK_IMAGES, h, w, c]);
  const output = model.predict(input) as tf.Tensor;
  const actual = await output.data();
  tf.dispose([input, output]);
  model.dispose();
  let difference = 0;
  expected.forEach((value, i) => { difference = Math.max(difference, Math.abs(value - actual[i])); });
  const outputSpread = expected.reduce((max, v) => Math.max(max, v), -Infinity) - expected.reduce((min, v) => Math.min(min, v), Infinity);
  return { images: CHECK_IMAGES, maxAbsDifference: difference, outputSpread };
}

/** Builds the studio, serves it, and times `runs` drops of the file, each on a fresh page. */
async function timeStudioImports(path: string, runs: number, log: (line: string) => void): Promise<number[]> {
  const { build, preview } = await import('vite');
  const outDir = mkdtempSync(join(tmpdir(), 'gfr-onnx-import-'));
  const configFile = join(REPO_ROOT, 'vite.config.ts');
  log('building the studio (vite build)');
  await build({ root: REPO_ROOT, configFile, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  const server = await preview({ root: REPO_ROOT, configFile, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 4399, strictPort: false, open: false } });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const base = server.resolvedUrls?.local[0];
    if (!base) throw new Error('vite preview has no local address');
    const base64 = readFileSync(path).toString('base64');
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      const page = await browser.newPage({ viewport: { width: 1024, height: 900 } });
      try {
        times.push(await timeOneImport(page, base, base64));
        log(`studio: run ${run + 1}/${runs}: ${times[run].toFixed(0)} ms`);
      } finally {
        await page.close();
      }
    }
    return times;
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
    rmSync(outDir, { recursive: true, force: true });
  }
}

const SETTLED = { timeout: 600_000 };

async function timeOneImport(page: Page, base: string, base64: string): Promise<number> {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${base}?backend=wasm`);
  await page.getByTestId('backend').filter({ hasText: /^wasm$/ }).waitFor(SETTLED);
  await page.getByTestId('data-summary').filter({ hasText: '10,000' }).waitFor(SETTLED);
  // The file is in the page before the clock starts, as a File the user drops.
  await page.evaluate(({ name, data }) => {
    const binary = atob(data);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    (window as unknown as { benchFile: File }).benchFile = new File([bytes], name);
  }, { name: FILE_NAME, data: base64 });
  const start = await page.evaluate(() => {
    const transfer = new DataTransfer();
    transfer.items.add((window as unknown as { benchFile: File }).benchFile);
    const at = performance.now();
    for (const type of ['dragenter', 'dragover', 'drop']) document.querySelector('main')!.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
    return at;
  });
  const shown = await page.waitForFunction((name) => {
    const error = document.querySelector('[data-testid="model-error"]')?.textContent;
    if (error) return { error };
    return document.querySelector('[data-testid="model-summary"]')?.textContent?.includes(name) ? { at: performance.now() } : false;
  }, FILE_NAME, { polling: 'raf', ...SETTLED });
  const result = (await shown.jsonValue()) as { at: number } | { error: string };
  if ('error' in result) throw new Error(`the studio refused ${FILE_NAME}: ${result.error}`);
  if (problems.length) throw new Error(`the page failed: ${problems.join('; ')}`);
  return result.at - start;
}

