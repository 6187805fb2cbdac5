/**
 * The studio's model: read from the user's files or address, or built in (and built again for data of another
 * shape), with what the page shows of it and what its files remember.
 */
import type { ImageDataset, ModelSpec } from '../../engine/core/types';
import type { InputScaling } from '../../contract/preprocessing';
import { loadModelFiles, type LoadedModel as LoadedModelFiles } from '../../engine/io/modelFiles';
import { measureRebuiltOn } from '../../engine/io/onnx/batchNorm';
import { specFromModel } from '../../engine/io/modelSpec';
import { buildBuiltinModel } from '../../engine/zoo';
import { summarizeModel } from '../modelSummary';
import { loadModelFromUrl } from '../modelUrl';
import type { SavedModel } from '../savedWork';
import type { ModelSource, ModelSummary } from '../studioTypes';

export type Shape3 = [number, number, number];

/** What a built-in model is built for before any data is loaded: the built-in digits. */
export const DEFAULT_INPUT: { shape: Shape3; classes: number } = { shape: [28, 28, 1], classes: 10 };

export interface LoadedModel {
  spec: ModelSpec;
  summary: ModelSummary;
  /** The built-in model's name, so it can be rebuilt for data of another shape. */
  builtin: string | null;
  /** The input scaling the model's files remember. */
  remembered?: InputScaling;
  /** An .onnx model's BatchNormalizations rebuilt where its export folded them, until measured on the data. */
  unmeasuredBatchNorms?: string[];
}

export function shapeOf(summary: ModelSummary): Shape3 | null {
  return summary.inputShape.length === 3 ? (summary.inputShape as Shape3) : null;
}

export const sameShape = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((v, i) => v === b[i]);

export const datasetShape = (dataset: ImageDataset): Shape3 => [dataset.height, dataset.width, dataset.channels];

/** The size dropped images are decoded at: a dropped model's input; none for a built-in model (it is built for the images). */
export const imageShapeFor = (model: LoadedModel | null): Shape3 | undefined => (model && !model.builtin ? shapeOf(model.summary) ?? undefined : undefined);

/** A built-in model built for `data` (its image shape and classes), or for the built-in digits before any data. */
export async function builtinModel(name: string, data: ImageDataset | undefined): Promise<LoadedModel> {
  const shape = data ? datasetShape(data) : DEFAULT_INPUT.shape;
  const model = buildBuiltinModel(name, { inputShape: shape, numClasses: data?.numClasses ?? DEFAULT_INPUT.classes });
  try {
    const spec = await specFromModel(model);
    return { spec, summary: summarizeModel(spec, `built-in ${name}`), builtin: name };
  } finally {
    model.dispose();
  }
}

/** model.json with its shards, a zip of them, a .keras, an .h5 or an .onnx file. */
export async function droppedModel(files: Extract<ModelSource, { kind: 'files' }>['files']): Promise<LoadedModel> {
  const loaded = await loadModelFiles(files.map((file) => ({ name: file.path || file.name, bytes: new Uint8Array(file.bytes) })));
  const source = files.length === 1 ? files[0].name : `${files.find((file) => file.name.endsWith('.json'))?.name ?? 'model.json'} (${files.length} files)`;
  return usersModel(loaded, source);
}

/** A hosted model.json or .onnx file, by the address the user typed. */
export async function hostedModel(address: string, signal: AbortSignal): Promise<LoadedModel> {
  const loaded = await loadModelFromUrl(address, signal);
  return usersModel(loaded, loaded.url);
}

function usersModel({ spec, inputScaling, onnx, rebuiltBatchNorms }: LoadedModelFiles, source: string): LoadedModel {
  const summary: ModelSummary = {
    ...summarizeModel(spec, source),
    ...(inputScaling ? { remembered: inputScaling } : {}),
    ...(onnx ? { onnx: { opset: onnx.opset, producer: onnx.producer, inputName: onnx.inputName, inputLayout: onnx.inputLayout, rebuiltBatchNorms: rebuiltBatchNorms?.length ?? 0 } } : {}),
  };
  return { spec, summary, builtin: null, ...(inputScaling ? { remembered: inputScaling } : {}), ...(rebuiltBatchNorms?.length ? { unmeasuredBatchNorms: rebuiltBatchNorms } : {}) };
}

/**
 * An .onnx model's rebuilt BNs measured on the first images of data that fits it (docs/METHOD.md §11.3): γ becomes
 * each channel's spread, what pruning reads; the model computes the same. Once measured, the model stays as it is.
 */
export async function measuredOn(model: LoadedModel, dataset: ImageDataset | undefined): Promise<LoadedModel> {
  const rebuilt = model.unmeasuredBatchNorms;
  const shape = shapeOf(model.summary);
  if (!rebuilt?.length || !dataset || !shape || !sameShape(shape, datasetShape(dataset))) return model;
  return { ...model, spec: await measureRebuiltOn(model.spec, rebuilt, dataset), unmeasuredBatchNorms: [] };
}

/** A dropped (or hosted) model as it is kept for the next visit: as it now is (rebuilt BNs measured, where they were). */
export function savedModelOf(model: LoadedModel): SavedModel {
  return { kind: 'files', spec: model.spec, source: model.summary.source, ...(model.summary.onnx ? { onnx: model.summary.onnx } : {}) };
}

/** A dropped model as the last visit kept it. */
export function restoredModel(saved: Extract<SavedModel, { kind: 'files' }>): LoadedModel {
  return { spec: saved.spec, summary: { ...summarizeModel(saved.spec, saved.source), ...(saved.onnx ? { onnx: saved.onnx } : {}) }, builtin: null };
}
