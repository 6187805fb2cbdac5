/** Stage 1, the model: a built-in network or the user's LayersModel files. */
import type { DroppedFile, ModelSummary } from '../../worker/studioTypes';
import { buffersOf } from '../lib/files';
import type { Slice } from './common';
import { TRAINED_START_SETTINGS } from '../../contract/settings';
import { BUILTIN_PRETRAIN_EPOCHS, DEFAULT_TRAIN_FORM, type TrainForm } from './defaults';
import { inputLoader, type InputState } from './inputLoader';
import type { StudioState } from './store';

export interface ModelSlice {
  model: InputState<ModelSummary>;
  loadBuiltinModel: (name: string) => Promise<void>;
  loadModelFiles: (files: DroppedFile[]) => Promise<void>;
  /** A hosted model.json: fetched by the worker, only when the user asks. */
  loadModelUrl: (url: string) => Promise<void>;
}

/**
 * The user's model is already trained: no pretraining, and the recipe of a
 * trained start (TRAINED_START_SETTINGS: SGD at its rate, a larger
 * distillation weight). A built-in one starts untrained: the defaults come back
 * where they were switched (a value the user chose stays).
 */
function pretrainingFor(choice: string, form: TrainForm): Partial<StudioState> {
  const dropped = choice === 'files';
  const pretrainEpochs = dropped ? 0 : form.pretrainEpochs === 0 ? BUILTIN_PRETRAIN_EPOCHS : form.pretrainEpochs;
  const switched = { ...form, pretrainEpochs };
  for (const key of TRAINED_START_FIELDS) {
    const [from, to] = dropped ? [DEFAULT_TRAIN_FORM[key], TRAINED_START_SETTINGS[key]] : [TRAINED_START_SETTINGS[key], DEFAULT_TRAIN_FORM[key]];
    if (form[key] === from) Object.assign(switched, { [key]: to });
  }
  const changed = (Object.keys(switched) as (keyof TrainForm)[]).some((key) => switched[key] !== form[key]);
  return changed ? { trainForm: switched } : {};
}

/** The form's fields a trained start changes. */
const TRAINED_START_FIELDS = ['optimizer', 'learningRate', 'distillation'] as const;

export const createModelSlice: Slice<ModelSlice> = (deps) => (set, get) => {
  const load = inputLoader('model', set, get, (summary, s, choice) => ({
    // A dropped image folder was decoded again at this model's input size.
    ...(summary.data ? { data: { ...s.data, summary: summary.data } } : {}),
    ...pretrainingFor(choice, s.trainForm),
  }));
  return {
    model: { state: 'idle', choice: 'lenet', summary: null, error: null },
    loadBuiltinModel: (name) => load(name, () => deps.engine.call('loadModel', { kind: 'builtin', name })),
    loadModelFiles: (files) =>
      load('files', () => deps.engine.call('loadModel', { kind: 'files', files }, { transfer: buffersOf(files) })),
    loadModelUrl: (url) => load('files', () => deps.engine.call('loadModel', { kind: 'url', url })),
  };
};
