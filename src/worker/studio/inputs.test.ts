/**
 * The studio's inputs, loaded as the page loads them on the wasm backend under Node: built-in and dropped models and
 * data (IDX files, image folders), a model that waits for data that fits, the preprocessing, and the user's own
 * validation images.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCALING } from '../../contract/preprocessing';
import { parseScaling } from '../../engine/data/scaling';
import { modelExpecting } from '../../engine/testing/scaledModels';
import { loadBuiltinDigits } from '../../engine/data/builtinDigits';
import { evaluate } from '../../engine/eval/evaluate';
import { modelFilesFromArtifacts, specFromFiles, withInputScaling } from '../../engine/io/modelFiles';
import { artifactsFromSpec, modelFromSpec, specFromModel } from '../../engine/io/modelSpec';
import { datasetFromIdxFiles } from '../../engine/data/idxFiles';
import { splitDataset } from '../../engine/data/split';
import { heldOutSplit } from '../../engine/session';
import { lenet } from '../../engine/zoo';
import { validationCount } from '../dataSummary';
import { MemoryStore } from '../stateStore';
import type { DroppedFile } from '../studioTypes';
import { createStudio } from './calls';
import { SPLIT_SEED } from './loadedData';
import { context, DIGITS, digits, digitsStudio, expectNoTensorsLeft, fakeDecoder, fakeImage, file, idxFile, rgbIdxFiles, SEARCH, setUpDigits, TRAIN, trainEvents } from './testing';

beforeAll(() => setUpDigits());

describe('Studio: the whole flow on the built-in lenet and digits', () => {
  expectNoTensorsLeft();

  it('loads the built-in model for the default input, then the data', async () => {
    const studio = digitsStudio();
    const model = await studio.loadModel({ kind: 'builtin', name: 'lenet' }, context());
    expect(model).toMatchObject({ name: 'lenet', source: 'built-in lenet', inputShape: [28, 28, 1], numClasses: 10 });
    expect(model.analysis.prunableChannels).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(model.analysis))).toEqual(model.analysis);

    const ctx = context();
    const data = await studio.loadData({ kind: 'builtin' }, ctx);
    expect(data).toMatchObject({ count: DIGITS, validationCount: 150, trainCount: DIGITS - 150, height: 28, width: 28, channels: 1 });
    expect(data.model).toBeUndefined();
    expect(data.classCounts.reduce((a, b) => a + b, 0)).toBe(DIGITS);
    expect(data.samples).toHaveLength(12);
    expect(new Set(data.samples.map((s) => s.label)).size).toBe(10);
    expect(data.samples[0].rgba).toHaveLength(28 * 28 * 4);
    expect(ctx.transfer).toHaveLength(12);
  });
});

describe('Studio: errors the user can act on', () => {
  it('keeps a dropped model whose input disagrees with the data pending, naming both, until data that fits arrives', async () => {
    const studio = digitsStudio();
    await studio.loadData({ kind: 'builtin' }, context());
    const built = lenet({ inputShape: [32, 32, 3], numClasses: 10 });
    const files = modelFilesFromArtifacts(artifactsFromSpec(await specFromModel(built)));
    built.dispose();
    const dropped = files.map((f) => file(`m/${f.name}`, f.bytes.slice().buffer));
    const pending = await studio.loadModel({ kind: 'files', files: dropped }, context());
    expect(pending).toMatchObject({ inputShape: [32, 32, 3], pairing: { pending: expect.stringMatching(/expects 32×32×3 inputs but the data has 28×28×1/) } });
    await expect(studio.train(TRAIN, context())).rejects.toThrow(/expects 32×32×3 inputs but the data has 28×28×1/);
    expect(await studio.checkReference({})).toBeNull();
    const fitting = await studio.loadData({ kind: 'files', files: rgbIdxFiles(30, 32) }, context());
    expect(fitting).toMatchObject({ height: 32, channels: 3, pairing: { pending: null } });
    expect(fitting.model).toBeUndefined();
    expect((await studio.checkReference({}))?.accuracy).toBeGreaterThanOrEqual(0);
    // Data of another size again: pending again, the model stays.
    expect((await studio.loadData({ kind: 'builtin' }, context())).pairing?.pending).toMatch(/expects 32×32×3/);
    await expect(studio.loadModel({ kind: 'files', files: dropped.slice(1) }, context())).rejects.toThrow(/No model.json/);
    await expect(studio.loadModel({ kind: 'files', files: dropped.slice(0, 1) }, context())).rejects.toThrow(/weights.bin.*missing/);
  });

  it('reads dropped IDX files and rebuilds the built-in model for their shape', async () => {
    const studio = digitsStudio();
    await studio.loadModel({ kind: 'builtin', name: 'lenet' }, context());
    const count = 40;
    const pixels = Uint8Array.from({ length: count * 20 * 20 }, (_, i) => i % 251);
    const labels = Uint8Array.from({ length: count }, (_, i) => i % 4);
    const data = await studio.loadData({
      kind: 'files',
      files: [file('train-images-idx3-ubyte', idxFile([count, 20, 20], pixels)), file('train-labels-idx1-ubyte', idxFile([count], labels))],
    }, context());
    expect(data).toMatchObject({ count, height: 20, width: 20, channels: 1, validationCount: 4, classCounts: [10, 10, 10, 10] });
    expect(data.model).toMatchObject({ name: 'lenet', inputShape: [20, 20, 1], numClasses: 4 });
    await expect(studio.loadData({ kind: 'files', files: [file('notes.txt', new ArrayBuffer(3))] }, context())).rejects.toThrow(/No IDX files or images/);
  });

  it('reads a folder of class folders of images, and says what it skipped', async () => {
    const studio = digitsStudio();
    const images = (cls: string, rgb: [number, number, number], n: number) =>
      Array.from({ length: n }, (_, i) => file(`pets/${cls}/${i}.png`, fakeImage(24, 20, rgb)));
    const files = [...images('cat', [10, 10, 10], 5), ...images('dog', [200, 200, 200], 6), file('pets/dog/readme.txt', new ArrayBuffer(4)), file('pets/dog/broken.png', new ArrayBuffer(2))];
    const data = await studio.loadData({ kind: 'files', files }, context());
    expect(data).toMatchObject({ count: 11, height: 20, width: 24, channels: 1, classNames: ['cat', 'dog'], classCounts: [5, 6] });
    expect(data.notes?.join(' ')).toMatch(/Skipped 1 file\(s\) that are not images: readme.txt.*Skipped 1 image\(s\) that could not be decoded: broken.png/);

    // A dropped model sets the size and channels: the images are decoded again.
    const built = lenet({ inputShape: [16, 16, 3], numClasses: 2 });
    const model = modelFilesFromArtifacts(artifactsFromSpec(await specFromModel(built)));
    built.dispose();
    const summary = await studio.loadModel({ kind: 'files', files: model.map((f) => file(f.name, f.bytes.slice().buffer)) }, context());
    expect(summary.data).toMatchObject({ height: 16, width: 16, channels: 3, count: 11 });

    const colour = await createStudio({ decodeImage: fakeDecoder }).loadData({ kind: 'files', files: [...images('a', [255, 0, 0], 2), ...images('b', [0, 0, 255], 2)] }, context());
    expect(colour.channels).toBe(3);
    await expect(studio.loadData({ kind: 'files', files: [...images('cat', [1, 1, 1], 2), file('pets/bird/notes.txt', new ArrayBuffer(1))] }, context()))
      .rejects.toThrow(/Class folder 'bird' in pets holds no images/);
    await expect(studio.loadData({ kind: 'files', files: images('cat', [1, 1, 1], 3) }, context())).rejects.toThrow(/one class folder \('cat'\)/);
  });
});

describe("Studio: the user's own model is the reference", () => {
  it('reads what a dropped model outputs, starts from it trained, and measures it as it is', async () => {
    const built = lenet({ inputShape: [28, 28, 1], numClasses: 10 });
    const spec = await specFromModel(built);
    built.dispose();
    // Ends in logits, as models exported from PyTorch do.
    const output = spec.layers.find((layer) => layer.name === spec.outputs[0])!;
    output.config = { ...output.config, activation: 'linear' };
    const files = modelFilesFromArtifacts(artifactsFromSpec(spec)).map((f) => file(f.name, f.bytes.slice().buffer));
    const studio = digitsStudio();
    expect((await studio.loadModel({ kind: 'builtin', name: 'lenet' }, context())).outputKind).toBe('softmax');
    expect((await studio.loadModel({ kind: 'files', files }, context())).outputKind).toBe('logits');
    await studio.loadData({ kind: 'builtin' }, context());

    const ctx = context();
    await studio.train({ ...TRAIN, pretrainEpochs: 0, settings: { ...TRAIN.settings, maxSteps: 4 } }, ctx);
    expect(trainEvents(ctx.log, 'pretrain')).toEqual([]);
    // A trained start: the accuracy guard reads its own held-out training images against a floor half the
    // tolerance (1 point) below the original's accuracy on them.
    const guard = trainEvents(ctx.log, 'sparse').at(-1)?.guard;
    const { reference } = studio.scores({ criterion: 'gfr', ranking: 'global' });
    expect(reference).toMatchObject({ outputKind: 'logits' });
    const { train } = splitDataset(digits(), { valCount: validationCount(DIGITS), seed: SPLIT_SEED });
    const original = await modelFromSpec(spec);
    const onGuardImages = (await evaluate(original, heldOutSplit(train).guard, { outputKind: 'logits' })).accuracy;
    original.dispose();
    // The two held-out sets must read differently for this to tell them apart.
    expect(onGuardImages).not.toBeCloseTo(reference!.calibrationAccuracy, 6);
    expect(guard?.floor).toBeCloseTo(onGuardImages - 0.005, 6);
  });
});

describe('Studio: input preprocessing', () => {
  const caffe = parseScaling('caffe');
  /** The LeNet fixture, trained on digits in [0, 1]. */
  const trainedFixture = () => {
    const dir = 'src/engine/testing/fixtures/lenet-digits-logits';
    return Promise.all(['model.json', 'weights.bin'].map(async (name) => ({ name, bytes: new Uint8Array(await readFile(`${dir}/${name}`)) })));
  };
  /** The same made to take Caffe-style inputs (BGR, ImageNet mean subtracted on 0–255) of 3 channels. */
  const caffeModel = async (remember: boolean): Promise<DroppedFile[]> => {
    const artifacts = artifactsFromSpec(modelExpecting(specFromFiles(await trainedFixture()), caffe, 3));
    return modelFilesFromArtifacts(remember ? withInputScaling(artifacts, caffe) : artifacts).map((f) => file(f.name, f.bytes.slice().buffer));
  };

  it('measures a model trained on normalized inputs right only with its preprocessing', async () => {
    const store = new MemoryStore();
    const studio = createStudio({ store });
    await studio.loadData({ kind: 'files', files: rgbIdxFiles(600) }, context());
    const loaded = await studio.loadModel({ kind: 'files', files: await caffeModel(false) }, context());
    expect(loaded.pairing).toEqual({ pending: null, scaling: DEFAULT_SCALING });
    // Pixels in [0, 1] into a model that wants BGR on 0–255: chance level.
    const wrong = await studio.checkReference({});
    expect(wrong!.accuracy).toBeLessThan(0.25);
    expect(await studio.setPreprocessing(caffe, context())).toEqual({ pending: null, scaling: caffe });
    const right = await studio.checkReference({});
    expect(right!.accuracy).toBeGreaterThan(0.9);
    // The same images as the fixture sees them in gray, [0, 1]: the same accuracy.
    const gray = createStudio({ store: null });
    await gray.loadData({ kind: 'files', files: [file('train-images-idx3-ubyte', idxFile([600, 28, 28], Uint8Array.from(digits().images.subarray(0, 600 * 784), (v) => Math.round(v * 255)))), rgbIdxFiles(600)[1]] }, context());
    await gray.loadModel({ kind: 'files', files: (await trainedFixture()).map((f) => file(f.name, f.bytes.slice().buffer)) }, context());
    expect((await gray.checkReference({}))!.accuracy).toBeCloseTo(right!.accuracy, 2);
    await expect(studio.setPreprocessing({ mean: [0, 0], std: [1] }, context())).rejects.toThrow(/mean has 2 values but the images have 3/);

    // Kept with the saved work.
    await studio.savedWork();
    const restored = await createStudio({ store }).restore({}, context());
    expect(restored?.pairing).toEqual({ pending: null, scaling: caffe });
  });

  it('a model that remembers its preprocessing brings it along; gray data it does not fit goes back to none', async () => {
    const studio = createStudio({ store: null });
    await studio.loadData({ kind: 'files', files: rgbIdxFiles(300) }, context());
    const loaded = await studio.loadModel({ kind: 'files', files: await caffeModel(true) }, context());
    expect(loaded).toMatchObject({ remembered: caffe, pairing: { pending: null, scaling: caffe } });
    expect((await studio.checkReference({}))!.accuracy).toBeGreaterThan(0.9);
    const builtin = await studio.loadData({ kind: 'builtin' }, context());
    expect(builtin.pairing).toEqual({ pending: expect.stringMatching(/expects 28×28×3 inputs but the data has 28×28×1/), scaling: DEFAULT_SCALING });
    expect(builtin.notes?.join(' ')).toMatch(/does not fit 1-channel images: it is back to pixels in \[0, 1\]/);
  });
});

describe("Studio: the user's own validation images", () => {
  /** `count` digits of the whole built-in set from `from` on (not among the 1,500 loaded as the data), as IDX files. */
  async function ownValidationFiles(from: number, count: number): Promise<DroppedFile[]> {
    const all = await loadBuiltinDigits();
    return [
      file('t10k-images-idx3-ubyte', idxFile([count, 28, 28], Uint8Array.from(all.images.subarray(from * 784, (from + count) * 784), (v) => Math.round(v * 255)))),
      file('t10k-labels-idx1-ubyte', idxFile([count], Uint8Array.from(all.labels.subarray(from, from + count)))),
    ];
  }
  const LOGITS_DIR = 'src/engine/testing/fixtures/lenet-digits-logits';
  const logitsModel = async (): Promise<DroppedFile[]> =>
    Promise.all(['model.json', 'weights.bin'].map(async (name) => file(name, new Uint8Array(await readFile(`${LOGITS_DIR}/${name}`)).slice().buffer)));

  it('judge the result on them while all of the data trains; refused when they do not fit, nothing lost; kept over a reload; removed, back to the split', async () => {
    const store = new MemoryStore();
    const studio = createStudio({ loadBuiltinData: async () => digits(), store });
    await studio.loadModel({ kind: 'files', files: await logitsModel() }, context());
    const held = await studio.loadData({ kind: 'builtin' }, context());
    expect(held).toMatchObject({ trainCount: DIGITS - 150, validationCount: 150, validation: { separate: false, count: 150 } });
    const heldOut = await studio.checkReference({});

    const files = await ownValidationFiles(9000, 200);
    const own = await studio.loadValidationData({ kind: 'files', files }, context());
    expect(own).toMatchObject({ count: DIGITS, trainCount: DIGITS, validationCount: 200, validation: { separate: true, source: 't10k-images-idx3-ubyte', count: 200 } });
    // The original is measured on those 200 images: what stock evaluation of the model on them gives.
    const reference = await studio.checkReference({});
    const model = await modelFromSpec(specFromFiles((await logitsModel()).map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) }))));
    const theirs = await evaluate(model, datasetFromIdxFiles(files.map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) }))));
    model.dispose();
    expect(reference!.accuracy).toBe(theirs.accuracy);
    expect(reference!.accuracy).not.toBe(heldOut!.accuracy);

    // The report of a download says which images judged it, and that all of the data trained and calibrated.
    await studio.searchStart({ ...SEARCH, criterion: 'l1', ratios: [0], refineSteps: 0 }, context());
    await studio.searchNext({ count: 1 }, context());
    const exported = studio.exportCandidate({ candidate: 0, format: 'files' }, context());
    const report = JSON.parse(new TextDecoder().decode(exported.files.find((f) => f.name === 'report.json')!.bytes));
    expect(report.data.train + report.data.calibration + report.data.guard).toBe(DIGITS);
    expect(report.data.validation).toEqual({ source: 't10k-images-idx3-ubyte', count: 200, separate: true });

    // Images of another channel count: a message that says what differs; the images before and the search stay.
    await expect(studio.loadValidationData({ kind: 'files', files: rgbIdxFiles(30) }, context()))
      .rejects.toThrow(/validation images \(train-images-idx3-ubyte\) do not fit: they have 3 channels where your data has 1 channel\. .*your data and your work are as they were/);
    expect(await studio.checkReference({})).toEqual(reference);
    expect(studio.select({ kind: 'tolerance', tolerance: 1 }).candidate).toBe(0);
    await studio.savedWork();

    // A reload brings them back.
    const restored = await createStudio({ loadBuiltinData: async () => digits(), store }).restore({}, context());
    expect(restored!.data).toMatchObject({ trainCount: DIGITS, validationCount: 200, validation: { separate: true, source: 't10k-images-idx3-ubyte' } });
    expect(restored!.notes).toEqual([]);

    // Removed: back to the images held out from the data, also after a reload.
    const back = await studio.loadValidationData({ kind: 'none' }, context());
    expect(back).toMatchObject({ trainCount: DIGITS - 150, validationCount: 150, validation: { separate: false } });
    expect(await studio.checkReference({})).toEqual(heldOut);
    await studio.savedWork();
    const again = await createStudio({ loadBuiltinData: async () => digits(), store }).restore({}, context());
    expect(again!.data).toMatchObject({ trainCount: DIGITS - 150, validation: { separate: false } });
  });
});
