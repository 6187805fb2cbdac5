import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../core/errors';
import { BUILTIN_MODELS, buildBuiltinModel, type BuiltinModelName } from './index';

const NAMES = Object.keys(BUILTIN_MODELS) as BuiltinModelName[];
const SHAPES: [number, number, number][] = [[28, 28, 1], [32, 32, 3]];

interface SavedLayer {
  name: string;
  class_name: string;
  inbound_nodes: [string, number, number, unknown][][];
}

/** Layer class and consumers by layer name, read from the model.json topology. */
function topology(model: tf.LayersModel): { classOf: Map<string, string>; consumers: Map<string, string[]> } {
  const json = model.toJSON(null, false) as unknown as { config: { layers: SavedLayer[] } };
  const classOf = new Map<string, string>();
  const consumers = new Map<string, string[]>();
  for (const layer of json.config.layers) {
    classOf.set(layer.name, layer.class_name);
    for (const [source] of layer.inbound_nodes.flat()) {
      consumers.set(source, [...(consumers.get(source) ?? []), layer.name]);
    }
  }
  return { classOf, consumers };
}

function randomImages(n: number, shape: number[]): tf.Tensor {
  return tf.randomUniform([n, ...shape], 0, 1, 'float32', 3);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(NAMES)('built-in model %s', (name) => {
  it.each(SHAPES)('builds for [%i, %i, %i] and outputs probabilities', (h, w, c) => {
    const model = buildBuiltinModel(name, { inputShape: [h, w, c], numClasses: 10, seed: 1 });
    const probs = tf.tidy(() => model.predict(randomImages(2, [h, w, c])) as tf.Tensor);
    expect(probs.shape).toEqual([2, 10]);
    const sums = tf.tidy(() => tf.sum(probs, 1).arraySync() as number[]);
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    probs.dispose();
    expect(model.countParams()).toBeLessThan(150_000);
    model.dispose();
  });

  it('builds the same weights from the same seed, other weights from another', () => {
    const options = { inputShape: [28, 28, 1] as [number, number, number], numClasses: 10 };
    const weightsOf = (seed: number) => {
      const model = buildBuiltinModel(name, { ...options, seed });
      const weights = model.weights.map((w) => ({ name: w.originalName, values: w.read().dataSync() as Float32Array }));
      model.dispose();
      return weights;
    };
    // Names of the weights that differ; comparing per weight keeps a failure's message short.
    const differing = (a: ReturnType<typeof weightsOf>, b: ReturnType<typeof weightsOf>) =>
      a.filter((w, i) => w.values.some((v, j) => v !== b[i].values[j])).map((w) => w.name);
    const a = weightsOf(5);
    expect(differing(a, weightsOf(5))).toEqual([]);
    const randomlyInitialised = a.filter((w) => /kernel/.test(w.name)).map((w) => w.name);
    expect(randomlyInitialised.length).toBeGreaterThan(1);
    expect(differing(a, weightsOf(6))).toEqual(randomlyInitialised);
  });

  it('round-trips through model.json with stock tf.loadLayersModel', async () => {
    const model = buildBuiltinModel(name, { inputShape: [28, 28, 1], numClasses: 10 });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const [a, b] = tf.tidy(() => {
      const x = randomImages(2, [28, 28, 1]);
      return [(model.predict(x) as tf.Tensor).arraySync(), (loaded.predict(x) as tf.Tensor).arraySync()];
    });
    expect(b).toEqual(a);
    model.dispose();
    loaded.dispose();
  });

  it('gives every layer a readable, unique name', () => {
    const model = buildBuiltinModel(name, { inputShape: [28, 28, 1], numClasses: 10 });
    const names = model.layers.map((l) => l.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(model.name).toBe(name);
    model.dispose();
  });

  it('follows every conv and hidden dense with BatchNormalization, then an activation', () => {
    const model = buildBuiltinModel(name, { inputShape: [28, 28, 1], numClasses: 10 });
    const { classOf, consumers } = topology(model);
    const prunable = [...classOf].filter(([n, cls]) => ['Conv2D', 'DepthwiseConv2D', 'Dense'].includes(cls) && n !== 'predictions');
    expect(prunable.length).toBeGreaterThan(1);
    for (const [layer] of prunable) {
      const [bn, ...others] = consumers.get(layer) ?? [];
      expect(others, layer).toEqual([]);
      expect(classOf.get(bn), layer).toBe('BatchNormalization');
      for (const next of consumers.get(bn) ?? []) {
        const cls = classOf.get(next);
        // In a residual block the BN output joins the shortcut first; the Add is followed by the ReLU.
        const act = cls === 'Add' ? classOf.get(consumers.get(next)?.[0] ?? '') : cls;
        expect(act, `${layer} → ${bn} → ${next}`).toBe('ReLU');
      }
    }
    expect(classOf.get('predictions')).toBe('Dense');
    model.dispose();
  });
});

describe('model specifics', () => {
  const shape: [number, number, number] = [28, 28, 1];

  it('resnet joins channels with Add layers, including a projection shortcut', () => {
    const model = buildBuiltinModel('resnet', { inputShape: shape, numClasses: 10 });
    const classes = model.layers.map((l) => l.getClassName());
    expect(classes.filter((c) => c === 'Add').length).toBe(4);
    expect(model.layers.some((l) => l.name.endsWith('_proj_conv'))).toBe(true);
    model.dispose();
  });

  it('mobilenet has depthwise convolutions with ReLU6', () => {
    const model = buildBuiltinModel('mobilenet', { inputShape: shape, numClasses: 10 });
    expect(model.layers.filter((l) => l.getClassName() === 'DepthwiseConv2D').length).toBe(6);
    const relu = model.getLayer('dw1_relu').getConfig();
    expect(relu.maxValue).toBe(6);
    model.dispose();
  });

  it('vgg and lenet end their features with Flatten → Dense', () => {
    for (const name of ['vgg', 'lenet'] as const) {
      const model = buildBuiltinModel(name, { inputShape: shape, numClasses: 10 });
      const { consumers, classOf } = topology(model);
      expect(classOf.get(consumers.get('flatten')?.[0] ?? '')).toBe('Dense');
      model.dispose();
    }
  });

  it('honours numClasses', () => {
    const model = buildBuiltinModel('lenet', { inputShape: shape, numClasses: 3 });
    expect(model.outputs[0].shape).toEqual([null, 3]);
    model.dispose();
  });
});

describe('buildBuiltinModel errors', () => {
  it('lists the valid names for an unknown name', () => {
    const build = () => buildBuiltinModel('alexnet', { inputShape: [28, 28, 1], numClasses: 10 });
    expect(build).toThrow(UserError);
    expect(build).toThrow(/lenet, vgg, resnet, mobilenet/);
  });

  it('rejects inputs that are too small or malformed', () => {
    expect(() => buildBuiltinModel('lenet', { inputShape: [12, 12, 1], numClasses: 10 })).toThrow(/at least 16x16/);
    expect(() => buildBuiltinModel('vgg', { inputShape: [28, 28] as never, numClasses: 10 })).toThrow(UserError);
    expect(() => buildBuiltinModel('resnet', { inputShape: [28, 28, 1], numClasses: 1 })).toThrow(UserError);
  });
});
