/**
 * The corpus of broken and hostile inputs (issue 5), generated at test time:
 * every case is a set of files, how to hand them to the engine and the CLI,
 * and the message the user must get. Tests run it through the engine entry
 * points (hostileCorpus.test.ts) and through the command line (cli/corpus.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { strToU8, zipSync } from 'fflate';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { encodeIdx } from '../data/idx';
import { savedArtifacts } from './artifacts';
import { gzipBomb } from './deflateBomb';
import { plainHdf5 } from './kerasFiles';

export interface CorpusFile {
  /** Path inside the case's folder, '/'-separated; a path ending in '/' is an empty folder. */
  path: string;
  bytes: Uint8Array;
}

export interface CorpusCase {
  name: string;
  /** `model`: read as a model (CLI: analyze); `images`/`idx`: read as data (CLI: eval lenet --data). */
  kind: 'model' | 'images' | 'idx';
  files: CorpusFile[];
  /** What to pass: a file or folder of the case, relative to its folder ('' = the folder). */
  entry: string;
  /** The message; `ok`: the input is accepted and the output names what it must (unknown layers). */
  expect: { error: RegExp } | { ok: RegExp };
}

type Json = Record<string, unknown>;
const text = (value: string): Uint8Array => strToU8(value);
const json = (value: unknown): Uint8Array => text(JSON.stringify(value));

async function baseModel(): Promise<{ modelJson: Json; weights: Uint8Array }> {
  const input = tf.input({ shape: [4, 4, 1], name: 'image' });
  let x = tf.layers.conv2d({ name: 'conv', filters: 2, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten({ name: 'flat' }).apply(x) as tf.SymbolicTensor;
  const output = tf.layers.dense({ name: 'fc', units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output, name: 'tiny' });
  const artifacts = await savedArtifacts(model);
  model.dispose();
  return {
    modelJson: { format: 'layers-model', modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] },
    weights: new Uint8Array(artifacts.weightData as ArrayBuffer),
  };
}

const clone = <T>(value: T): T => structuredClone(value);
const topologyLayers = (modelJson: Json): Json[] => ((modelJson.modelTopology as Json).config as Json).layers as Json[];
const manifestOf = (modelJson: Json): Json[] => ((modelJson.weightsManifest as Json[])[0].weights as Json[]);

/** A zip whose central directory claims `size` bytes for its one entry: a bomb, as far as sizes go. */
export function zipClaiming(size: number): Uint8Array {
  const zip = zipSync({ 'model.json': text('{}') }, { level: 0 });
  const view = new DataView(zip.buffer);
  for (let offset = 0; offset + 4 <= zip.length; offset++) {
    const signature = view.getUint32(offset, true);
    if (signature === 0x04034b50) view.setUint32(offset + 22, size, true);
    if (signature === 0x02014b50) view.setUint32(offset + 24, size, true);
  }
  return zip;
}

export function png(width: number, height: number, gray = false): Uint8Array {
  const image = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) image.data.set(gray ? [i % 255, i % 255, i % 255, 255] : [i % 255, 40, 200, 255], i * 4);
  return new Uint8Array(PNG.sync.write(image));
}

function jpg(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4).map((_, i) => (i * 7) % 256);
  return new Uint8Array(jpeg.encode({ data, width, height }, 90).data);
}

/** A functional chain of `length` ReLU layers after a 4×4×1 input: no weights, only graph. */
function chainModel(length: number, sequential = false): Json {
  const input = { class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 4, 4, 1], dtype: 'float32' }, name: 'in', inbound_nodes: [] };
  const layers: Json[] = [input];
  for (let i = 0; i < length; i++) {
    const name = `relu${i}`;
    layers.push({ class_name: 'Activation', config: { name, activation: 'relu' }, name, inbound_nodes: [[[i ? `relu${i - 1}` : 'in', 0, 0, {}]]] });
  }
  const config = sequential
    ? { class_name: 'Sequential', config: { name: 'chain', layers } }
    : { class_name: 'Model', config: { name: 'chain', layers, input_layers: [['in', 0, 0]], output_layers: [[`relu${length - 1}`, 0, 0]] } };
  return { format: 'layers-model', modelTopology: config, weightsManifest: [] };
}

/** `[[[…1…]]]` nested `depth` deep, as text (JSON.stringify of it would recurse as deep). */
const nestedArrays = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

/** A JPEG whose frame header (SOF0) claims width × height; the data after it is a tiny image's. */
function jpgClaiming(width: number, height: number): Uint8Array {
  const bytes = jpg(8, 8);
  for (let at = 2; at < bytes.length;) {
    if (bytes[at + 1] === 0xc0) {
      new DataView(bytes.buffer).setUint16(at + 5, height);
      new DataView(bytes.buffer).setUint16(at + 7, width);
      return bytes;
    }
    at += 2 + ((bytes[at + 2] << 8) | bytes[at + 3]);
  }
  throw new Error('jpgClaiming: no SOF0');
}

/** A GIF header claiming width × height (the rest is never read: the header refuses it). */
function gifClaiming(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(32);
  bytes.set(text('GIF89a'));
  new DataView(bytes.buffer).setUint16(6, width, true);
  new DataView(bytes.buffer).setUint16(8, height, true);
  return bytes;
}

/** The header of a uint8 IDX file with these dims (the values left out). */
function idxHeader(dims: number[]): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length);
  bytes.set([0, 0, 0x08, dims.length]);
  dims.forEach((dim, i) => new DataView(bytes.buffer).setUint32(4 + 4 * i, dim));
  return bytes;
}

const idxImages = (count: number, dims = [4, 4]): Uint8Array => encodeIdx([count, ...dims], new Uint8Array(count * dims.reduce((a, b) => a * b, 1)));
const idxLabels = (labels: number[], dtype: 'uint8' | 'int8' | 'int32' = 'uint8'): Uint8Array => encodeIdx([labels.length], labels, dtype);

export async function hostileCorpus(): Promise<CorpusCase[]> {
  const { modelJson, weights } = await baseModel();
  const cases: CorpusCase[] = [];
  const model = (name: string, expect: RegExp | { ok: RegExp }, files: CorpusFile[], entry = 'model.json'): void => {
    cases.push({ name, kind: 'model', files, entry, expect: expect instanceof RegExp ? { error: expect } : expect });
  };
  /** model.json changed by `edit`, with the good weights. */
  const edited = (name: string, expect: RegExp | { ok: RegExp }, edit: (m: Json) => void, weightBytes = weights): void => {
    const changed = clone(modelJson);
    edit(changed);
    model(name, expect, [{ path: 'model.json', bytes: json(changed) }, { path: 'weights.bin', bytes: weightBytes }]);
  };
  const withLayers = (edit: (layers: Json[]) => void) => (m: Json) => edit(topologyLayers(m));
  const withManifest = (edit: (entries: Json[]) => void) => (m: Json) => edit(manifestOf(m));
  const goodJson = json(modelJson);

  // JSON itself.
  model('truncated model.json', /model\.json is not valid JSON/, [{ path: 'model.json', bytes: goodJson.slice(0, goodJson.length / 2) }, { path: 'weights.bin', bytes: weights }]);
  model('empty model.json', /model\.json is not valid JSON/, [{ path: 'model.json', bytes: new Uint8Array() }]);
  model('model.json of binary garbage', /model\.json is not valid JSON/, [{ path: 'model.json', bytes: Uint8Array.from({ length: 64 }, (_, i) => (i * 37) % 256) }]);
  model('JSON without modelTopology', /has no modelTopology/, [{ path: 'model.json', bytes: json({ format: 'graph-model' }) }]);
  edited('topology without class_name', /has no class_name/, (m) => { m.modelTopology = { config: {} }; });
  edited('subclassed model class', /class is 'MyResNet'; only Sequential and functional/, (m) => { (m.modelTopology as Json).class_name = 'MyResNet'; });
  edited('Sequential without layers', /Sequential model has no layers/, (m) => { m.modelTopology = { class_name: 'Sequential', config: { name: 's', layers: [] } }; });
  edited('layer without class_name', /Layer #1 of the topology has no class_name or config/, withLayers((layers) => { delete layers[1].class_name; }));
  // Graph.
  edited('inbound layer missing', /takes its input from 'ghost', which is not in the model/, withLayers((layers) => { layers[2].inbound_nodes = [[['ghost', 0, 0, {}]]]; }));
  edited('layers form a cycle', /form a cycle/, withLayers((layers) => { layers[1].inbound_nodes = [[['bn', 0, 0, {}]]]; }));
  edited('two layers with one name', /Two layers of the model are named 'conv'/, withLayers((layers) => { (layers[2].config as Json).name = 'conv'; layers[2].name = 'conv'; }));
  edited('output names a missing layer', /names 'nope' as an input or output/, (m) => { ((m.modelTopology as Json).config as Json).output_layers = [['nope', 0, 0]]; });
  edited('shared layer called twice', /called more than once \(shared layer\)/, withLayers((layers) => { layers[2].inbound_nodes = [[['conv', 0, 0, {}]], [['conv', 0, 0, {}]]]; }));
  edited('reads a second output of a layer', /reads output 1 of 'conv'; only single-output layers/, withLayers((layers) => { layers[2].inbound_nodes = [[['conv', 0, 1, {}]]]; }));
  edited('unreadable inbound node', /has an inbound node that cannot be read/, withLayers((layers) => { layers[2].inbound_nodes = [[42]]; }));
  edited('models nested too deep', /nests models more than 8 levels/, (m) => {
    let inner: Json = { class_name: 'Sequential', config: { name: 'n0', layers: [{ class_name: 'Dense', config: { name: 'd', units: 1, batch_input_shape: [null, 1] } }] } };
    for (let depth = 1; depth < 12; depth++) inner = { class_name: 'Sequential', config: { name: `n${depth}`, layers: [{ ...inner, config: { ...(inner.config as Json), name: `n${depth - 1}` } }] } };
    m.modelTopology = inner;
  });
  // Weights against the manifest and the topology.
  edited('kernel shape disagrees with the config', /'kernel' weight of shape \[3, 3, 2, 1\].*need \[3, 3, 1, 2\]: the weights do not match the topology/, withManifest((entries) => { entries[0].shape = [3, 3, 2, 1]; }));
  edited('dense kernel transposed', /'fc' \(Dense\) has a 'kernel' weight of shape \[2, 32\]/, withManifest((entries) => { const fc = entries.find((e) => e.name === 'fc/kernel')!; fc.shape = [2, 32]; }));
  edited('a weight missing from the manifest', /'conv' \(Conv2D\) has no 'bias' weight/, withManifest((entries) => { entries.splice(entries.findIndex((e) => e.name === 'conv/bias'), 1); }));
  edited('a weight of no layer', /'ghost\/kernel', which belongs to no layer/, withManifest((entries) => { entries[0].name = 'ghost/kernel'; }));
  edited('claims billions of values', /claims more than 268435456 values.*refused before reading/, withManifest((entries) => { entries[0].shape = [100000, 100000, 3, 3]; }));
  edited('negative shape', /shape \[-3,3,1,2\] in the manifest; a shape is a list of whole numbers/, withManifest((entries) => { entries[0].shape = [-3, 3, 1, 2]; }));
  edited('unsupported dtype', /dtype 'complex64'/, withManifest((entries) => { entries[0].dtype = 'complex64'; }));
  edited('unsupported quantization', /quantized as 'int4'/, withManifest((entries) => { entries[0].quantization = { dtype: 'int4', scale: 1, min: 0 }; }));
  edited('quantization without scale', /quantized as uint8 without a finite scale and min/, withManifest((entries) => { entries[0].quantization = { dtype: 'uint8' }; }));
  edited('manifest is not a list of groups', /weightsManifest of model\.json is not a list/, (m) => { m.weightsManifest = { paths: 'weights.bin' }; });
  model('weight shard missing', /Weight file 'weights\.bin' named in model\.json is missing/, [{ path: 'model.json', bytes: goodJson }]);
  model('weight shard short', /hold \d+ bytes but model\.json describes \d+: a weight shard is missing or truncated/, [{ path: 'model.json', bytes: goodJson }, { path: 'weights.bin', bytes: weights.slice(0, weights.length - 9) }]);
  const withValue = (value: number): Uint8Array => { const copy = weights.slice(); new DataView(copy.buffer).setFloat32(8, value, true); return copy; };
  edited('NaN weight', /Weight 'conv\/kernel' holds NaN at index 2/, () => undefined, withValue(NaN));
  edited('infinite weight', /Weight 'conv\/kernel' holds Infinity at index 2/, () => undefined, withValue(Infinity));
  edited('unknown layer class', { ok: /FancyNorm/ }, withLayers((layers) => { layers[2].class_name = 'FancyNorm'; }));
  // Limits (issue 12): each refused before what it would allocate.
  const limitsModel = (name: string, expect: RegExp | { ok: RegExp }, modelJsonText: string): void =>
    model(name, expect, [{ path: 'model.json', bytes: text(modelJsonText) }]);
  limitsModel('a 20,000-layer chain', /layer count \(nested models included\) is 20,001; the limit is 5,000/, JSON.stringify(chainModel(20_000)));
  limitsModel('a 5,000-layer Sequential chain, one past the limit', /layer count \(nested models included\) is 5,001; the limit is 5,000/, JSON.stringify(chainModel(5_000, true)));
  limitsModel('a 4,000-layer chain (within the limits)', { ok: /\[\]/ }, JSON.stringify(chainModel(4_000)));
  limitsModel('JSON nested 100,000 deep', /model\.json nests arrays and objects more than 100 levels deep/, `{"modelTopology": {"class_name": "Model", "config": {"layers": [], "extra": ${nestedArrays(100_000)}}}}`);
  limitsModel('objects nested 100,000 deep in a layer config', /nests arrays and objects more than 100 levels deep/,
    `{"modelTopology": {"class_name": "Model", "config": {"layers": [{"class_name": "Dense", "config": {"name": "d", "units": 1, "kwargs": ${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}}]}}}`);
  edited('an input of 100000×100000×3', /Input 'image' is 100000×100000×3; the limit is 4096 pixels a side and 16,777,216 values an image/, withLayers((layers) => { (layers[0].config as Json).batch_input_shape = [null, 100000, 100000, 3]; }));
  edited('an input of 4096×4096×3 (values past the limit)', /Input 'image' is 4096×4096×3; the limit is 4096 pixels a side and 16,777,216 values/, withLayers((layers) => { (layers[0].config as Json).batch_input_shape = [null, 4096, 4096, 3]; }));
  edited('a Lambda layer', /Layer 'bn' is a Lambda layer: it holds Python code/, withLayers((layers) => { layers[2].class_name = 'Lambda'; (layers[2].config as Json).function = ['4wEAAAAAAAAA', null, null]; }));
  edited('a GFR layer with reduction 1e-9', /GFR layer 'bn' has reduction 1e-9; it must be a number from 1 to 1024/, withLayers((layers) => { layers[2].class_name = 'GFR'; layers[2].config = { name: 'bn', reduction: 1e-9, temperature: 1 }; }));
  edited('a GFR layer with temperature 0', /GFR layer 'bn' has temperature 0; it must be a number from 0\.001 to 1000/, withLayers((layers) => { layers[2].class_name = 'GFR'; layers[2].config = { name: 'bn', reduction: 4, temperature: 0 }; }));
  edited('a GFR layer with reduction given as text', /GFR layer 'bn' has reduction "4"/, withLayers((layers) => { layers[2].class_name = 'GFR'; layers[2].config = { name: 'bn', reduction: '4' }; }));
  model('.keras whose config.json nests 100,000 deep', /nests arrays and objects more than 100 levels deep/,
    [{ path: 'm.keras', bytes: zipSync({ 'config.json': text(`{"class_name": "Functional", "config": {"layers": ${nestedArrays(100_000)}}}`), 'model.weights.h5': text('never read') }) }], 'm.keras');
  // Archives.
  model('zip with ../ paths', /holds an entry '\.\.\/\.\.\/evil\.json' that points outside the archive/, [{ path: 'model.zip', bytes: zipSync({ '../../evil.json': goodJson }) }], 'model.zip');
  model('zip with an absolute path', /holds an entry '\/etc\/model\.json' that points outside/, [{ path: 'model.zip', bytes: zipSync({ '/etc/model.json': goodJson }) }], 'model.zip');
  model('zip bomb', /expands to more than 1073741824 bytes.*refused/, [{ path: 'bomb.zip', bytes: zipClaiming(0xfff00000) }], 'bomb.zip');
  model('zip that is not a zip', /bad\.zip is not a readable zip/, [{ path: 'bad.zip', bytes: text('PK this is not really a zip') }], 'bad.zip');
  model('zip without model.json', /No model\.json among the files/, [{ path: 'model.zip', bytes: zipSync({ 'readme.txt': text('hello') }) }], 'model.zip');
  // Keras files.
  model('HDF5 that is not Keras', /data\.h5 is an HDF5 file but not a Keras model: it has no model_config/, [{ path: 'data.h5', bytes: await plainHdf5() }], 'data.h5');
  model('.h5 that is not HDF5', /notes\.h5 is not an HDF5 file/, [{ path: 'notes.h5', bytes: text('just some text, no HDF5 here') }], 'notes.h5');
  const h5 = await plainHdf5();
  model('truncated HDF5', /cut\.h5 could not be read as HDF5 \(.+\); the file may be truncated/, [{ path: 'cut.h5', bytes: h5.slice(0, 700) }], 'cut.h5');
  model('.keras without config.json', /has no config\.json: it is not a Keras 3 \.keras file/, [{ path: 'm.keras', bytes: zipSync({ 'model.weights.h5': h5 }) }], 'm.keras');
  model('.keras with broken config.json', /config\.json in m\.keras is not valid JSON/, [{ path: 'm.keras', bytes: zipSync({ 'config.json': text('{"class_name": "Functional",') }) }], 'm.keras');
  model('.keras without weights', /m\.keras has no model\.weights\.h5/, [{ path: 'm.keras', bytes: zipSync({ 'config.json': json(modelJson.modelTopology) }) }], 'm.keras');
  model('.keras with npz weights', /stores its weights as \.npz/, [{ path: 'm.keras', bytes: zipSync({ 'config.json': json(modelJson.modelTopology), 'model.weights.npz': text('npz') }) }], 'm.keras');
  model('.keras whose weights are not HDF5', /model\.weights\.h5 in m\.keras is not an HDF5 file/, [{ path: 'm.keras', bytes: zipSync({ 'config.json': json(modelJson.modelTopology), 'model.weights.h5': text('nope') }) }], 'm.keras');

  // Images.
  const images = (name: string, expect: RegExp, files: CorpusFile[], entry = 'data'): void => { cases.push({ name, kind: 'images', files, entry, expect: { error: expect } }); };
  const good = [{ path: 'data/cat/1.png', bytes: png(5, 5) }, { path: 'data/dog/1.jpg', bytes: jpg(6, 4) }];
  images('empty image folder', /holds no images: give one folder per class/, [{ path: 'data/empty/', bytes: new Uint8Array() }, { path: 'data/other/', bytes: new Uint8Array() }]);
  images('one class only', /has only one class folder \('cat'\)/, [good[0]]);
  images('a class with no images', /Class folder 'bird' in .* holds no images/, [...good, { path: 'data/bird/', bytes: new Uint8Array() }]);
  images('a non-image file in a class', /cat\/notes\.txt in .* is not a PNG or JPEG image/, [...good, { path: 'data/cat/notes.txt', bytes: text('not an image') }]);
  images('truncated PNG', /dog\/2\.png could not be decoded as PNG/, [...good, { path: 'data/dog/2.png', bytes: png(8, 8).slice(0, 60) }]);
  images('truncated JPEG', /cat\/2\.jpg could not be decoded as JPEG/, [...good, { path: 'data/cat/2.jpg', bytes: jpg(16, 16).slice(0, 200) }]);
  const huge = png(2, 2);
  new DataView(huge.buffer).setUint32(16, 100000);
  new DataView(huge.buffer).setUint32(20, 100000);
  images('PNG claiming 10 gigapixels', /is 100000×100000 pixels; images of at most 40000000 pixels/, [...good, { path: 'data/cat/huge.png', bytes: huge }]);
  images('JPEG claiming 60000×60000 (refused from its header, before decoding)', /cat\/huge\.jpg is 60000×60000 pixels; images of at most 40000000 pixels/, [...good, { path: 'data/cat/huge.jpg', bytes: jpgClaiming(60000, 60000) }]);
  images('GIF claiming 65535×65535', /dog\/huge\.gif is 65535×65535 pixels; images of at most 40000000 pixels/, [...good, { path: 'data/dog/huge.gif', bytes: gifClaiming(65535, 65535) }]);
  images('zip of images with ../ paths', /points outside the archive/, [{ path: 'data.zip', bytes: zipSync({ 'cat/1.png': png(4, 4), '../dog/1.png': png(4, 4) }) }], 'data.zip');
  images('zip of images, one class empty', /Class folder 'dog' in .* holds no images/, [{ path: 'data.zip', bytes: zipSync({ 'cat/1.png': png(4, 4), 'bird/1.png': png(4, 4), 'dog/': new Uint8Array() }) }], 'data.zip');

  // IDX.
  const idx = (name: string, expect: RegExp, imagesFile: Uint8Array, labelsFile: Uint8Array): void => {
    cases.push({ name, kind: 'idx', files: [{ path: 'data/train-images-idx3-ubyte', bytes: imagesFile }, { path: 'data/train-labels-idx1-ubyte', bytes: labelsFile }], entry: 'data', expect: { error: expect } });
  };
  idx('label out of range', /has label 70000 at position 1; labels must be whole numbers from 0 to 65535/, idxImages(3), idxLabels([0, 70000, 1], 'int32'));
  idx('negative label', /has label -1 at position 2/, idxImages(3), idxLabels([0, 1, -1], 'int8'));
  idx('labels and images disagree in count', /holds 3 images but .* holds 2 labels/, idxImages(3), idxLabels([0, 1]));
  idx('truncated IDX images', /is truncated: its header declares dims \[3, 4, 4\]/, idxImages(3).slice(0, 30), idxLabels([0, 1, 1]));
  idx('empty IDX dataset', /holds no images \(N = 0\)/, idxImages(0), idxLabels([]));
  idx('not an IDX file', /is not an IDX file/, text('hello world, not idx'), idxLabels([0]));
  const gz = (name: string, expect: RegExp, imagesFile: Uint8Array): void => {
    cases.push({ name, kind: 'idx', files: [{ path: 'data/train-images-idx3-ubyte.gz', bytes: imagesFile }, { path: 'data/train-labels-idx1-ubyte', bytes: idxLabels([0, 1]) }], entry: 'data', expect: { error: expect } });
  };
  // 1,369,600 images of 28×28 zeros: 1,073,766,400 bytes in a ~1 MB gzip.
  gz('deflate bomb: 1 GiB of zeros in an IDX gzip', /train-images-idx3-ubyte\.gz inflates to 1073766416 bytes, its gzip trailer says; the limit is 1073741824 bytes/, gzipBomb(idxHeader([1_369_600, 28, 28]), 1_369_600 * 784));
  const liar = gzipBomb(idxHeader([2, 28, 28]), 300_000_000);
  new DataView(liar.buffer).setUint32(liar.length - 4, 2 * 784 + 16, true);
  gz('deflate bomb whose gzip trailer lies', /inflates past the 1584 bytes its gzip trailer declares; it was refused before inflating further/, liar);
  gz('IDX gzip whose header claims 1,200,000 images of 28×28', /decoded as 1,200,000 images of 784 float32 values, is 3\.50 GiB; the limit is 1 GiB/, gzipBomb(idxHeader([1_200_000, 28, 28]), 900_000_000));
  const floats = new Float32Array(3 * 16).fill(0.5);
  floats[20] = NaN;
  idx('float IDX images with one NaN pixel', /holds a value that is not a number \(NaN\) in item 1 of 3/, encodeIdx([3, 4, 4], floats, 'float32'), idxLabels([0, 1, 1]));
  idx('IDX header claiming a petabyte', /decoded as 100,000 images of 10,000,000,000 float32 values/, idxHeader([100_000, 100_000, 100_000]), idxLabels([0, 1]));
  cases.push({ name: 'folder without an IDX pair', kind: 'idx', files: [{ path: 'data/readme.txt', bytes: text('hi') }], entry: 'data', expect: { error: /No IDX images\/labels pair found/ } });
  return cases;
}
