/** Stage 1, the model: a built-in network or the user's LayersModel files. */
import type { DroppedFile, ModelSummary } from '../../worker/studioTypes';
import { buffersOf } from '../lib/files';
import type { Slice } from './common';
import { TRAINED_START_LEARNING_RATE } from '../../contract/settings';
import { BUILTIN_PRETRAIN_EPOCHS, DEFAULT_TRAIN_FORM, type TrainForm } from './defaults';
import { inputLoader, type InputState } from './inputLoader';
import type { StudioState } from './store';

export interface ModelSlice {
  model: InputState<ModelSummary>;
  loadBuiltinModel: (name: string) => Promise<void>;
  loadModelFiles: (files: DroppedFile[]) => Promise<void>;
}

/**
 * The user's model is already trained: no pretraining, and the smaller
 * learning rate of a trained start. A built-in one starts untrained: the
 * defaults come back where they were switched (a number the user chose stays).
 */
function pretrainingFor(choice: string, form: TrainForm): Partial<StudioState> {
  const dropped = choice === 'files';
  const pretrainEpochs = dropped ? 0 : form.pretrainEpochs === 0 ? BUILTIN_PRETRAIN_EPOCHS : form.pretrainEpochs;
  const learningRate = dropped
    ? (form.learningRate === DEFAULT_TRAIN_FORM.learningRate ? TRAINED_START_LEARNING_RATE : form.learningRate)
    : (form.learningRate === TRAINED_START_LEARNING_RATE ? DEFAULT_TRAIN_FORM.learningRate : form.learningRate);
  return pretrainEpochs === form.pretrainEpochs && learningRate === form.learningRate ? {} : { trainForm: { ...form, pretrainEpochs, learningRate } };
}

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
  };
};
