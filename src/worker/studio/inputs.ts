/**
 * The calls that set the studio's inputs: the model, the data, the user's own validation images and the
 * preprocessing. Each replaces the work derived from the inputs before (training, search) and answers with how model
 * and data now go together (the pairing); `checkReference` measures the user's model on the images as they are.
 */
import { UserError } from '../../engine/core/errors';
import { DEFAULT_SCALING, type InputScaling } from '../../contract/preprocessing';
import { formatScaling, validateScaling } from '../../engine/data/scaling';
import type { Reference } from '../../engine/session';
import type { CallContext } from '../callContext';
import type { DataSource, DataSummary, InputPairing, ModelSource, ModelSummary, NoParams, ValidationSource } from '../studioTypes';
import { dataSummary, fits, scaled, withValidation } from './loadedData';
import { builtinModel, datasetShape, droppedModel, hostedModel, imageShapeFor, measuredOn, sameShape, savedModelOf, shapeOf } from './loadedModel';
import type { Studio } from './studio';

export async function loadModel(studio: Studio, source: ModelSource, ctx: CallContext): Promise<ModelSummary> {
  return studio.lock.exclusive('loading the model', ctx.signal, async () => {
    ctx.progress({ done: 0, total: 1, label: 'reading the model' });
    const model = source.kind === 'builtin'
      ? await builtinModel(source.name, studio.data?.dataset)
      : source.kind === 'url' ? await hostedModel(source.url, ctx.signal) : await droppedModel(source.files);
    // A model exported with its preprocessing brings it along.
    const scaling = model.remembered ?? studio.scaling;
    const previousData = studio.data;
    let data = previousData;
    const shape = shapeOf(model.summary);
    let validationDropped = false;
    if (data?.images && shape && !sameShape(shape, datasetShape(data.dataset))) {
      data = await studio.read.carryValidation(await studio.read.images(data.images, shape, ctx.signal), data.validation, ctx.signal);
      validationDropped = previousData?.validation !== null && data.validation === null;
    }
    // Images the scaling does not fit (the model then waits for other data anyway) stay in [0, 1].
    const scaledData = data ? scaled(data, fits(scaling, data.dataset.channels) ? scaling : DEFAULT_SCALING) : null;
    studio.replaceWork(await measuredOn(model, scaledData?.dataset), scaledData);
    setScaling(studio, scaling);
    // A hosted model is kept as it was read: a reload does not fetch it again.
    studio.saved.model(source.kind === 'builtin' ? { kind: 'builtin', name: source.name } : savedModelOf(studio.model!));
    if (validationDropped) studio.saved.validation(null);
    const summary: ModelSummary = { ...model.summary, pairing: studio.pairing() };
    if (scaledData && data !== previousData) summary.data = dataSummary(scaledData, ctx);
    return summary;
  });
}

export async function loadData(studio: Studio, source: DataSource, ctx: CallContext): Promise<DataSummary> {
  return studio.lock.exclusive('loading the data', ctx.signal, async () => {
    ctx.progress({ done: 0, total: 1, label: 'reading the data' });
    const notes: string[] = [];
    const previousValidation = studio.data?.validation ?? null;
    const read = await studio.read.carryValidation(
      await (source.kind === 'builtin' ? studio.read.builtin() : studio.read.files(source.files, imageShapeFor(studio.model), ctx.signal)), previousValidation, ctx.signal);
    // A preprocessing for other images (a 3-channel mean for gray images) gives way to none.
    const scaling = fits(studio.scaling, read.dataset.channels) ? studio.scaling : DEFAULT_SCALING;
    if (scaling !== studio.scaling) notes.push(`The preprocessing (${formatScaling(studio.scaling)}) does not fit ${read.dataset.channels}-channel images: it is back to pixels in [0, 1].`);
    const data = scaled({ ...read, notes: [...read.notes, ...notes] }, scaling);
    let model = studio.model;
    const { dataset } = data;
    const rebuild = model?.builtin && (!sameShape(model.summary.inputShape, datasetShape(dataset)) || model.summary.numClasses !== dataset.numClasses);
    if (model?.builtin && rebuild) model = await builtinModel(model.builtin, dataset);
    const measured = model && (await measuredOn(model, data.dataset));
    if (measured && measured !== model) studio.saved.model(savedModelOf(measured));
    model = measured;
    studio.replaceWork(model, data);
    setScaling(studio, scaling);
    studio.saved.data(source.kind === 'builtin' ? { kind: 'builtin' } : { kind: 'files', files: source.files });
    if (previousValidation && !data.validation) studio.saved.validation(null);
    const summary = { ...dataSummary(data, ctx), pairing: studio.pairing() };
    if (rebuild && model) summary.model = model.summary;
    return summary;
  });
}

/**
 * The user's own validation images (`files`), or none (`kind: 'none'`: back to holding out part of the data).
 * They are read at the data's size and must have its channels and classes; images that do not fit are refused
 * with what differs, and the data, the validation images before and the work stay as they were.
 */
export async function loadValidationData(studio: Studio, source: ValidationSource, ctx: CallContext): Promise<DataSummary> {
  return studio.lock.exclusive('loading the validation images', ctx.signal, async () => {
    const data = studio.data;
    if (!data) throw new UserError('Load your data first: validation images are checked against it (same size, channels and classes).');
    ctx.progress({ done: 0, total: 1, label: 'reading the validation images' });
    const validation = source.kind === 'none' ? null : await studio.read.validation(source.files, data.unit, ctx.signal);
    const next = withValidation(data, validation);
    studio.replaceWork(studio.model, next);
    studio.saved.validation(source.kind === 'none' ? null : source.files);
    return { ...dataSummary(next, ctx), pairing: studio.pairing() };
  });
}

/** Sets how pixels become model inputs: applied to the loaded images; training and search start over. */
export async function setPreprocessing(studio: Studio, scaling: InputScaling, ctx: CallContext): Promise<InputPairing> {
  return studio.lock.exclusive('changing the preprocessing', ctx.signal, async () => {
    const data = studio.data;
    validateScaling(scaling, data?.dataset.channels ?? Math.max(scaling.mean.length, scaling.std.length, scaling.channelOrder === 'bgr' ? 3 : 1));
    studio.replaceWork(studio.model, data ? scaled(data, scaling) : null);
    // Saved even when equal: the saved training and search were made with the images as they were.
    studio.scaling = scaling;
    studio.saved.preprocessing(scaling);
    return studio.pairing();
  });
}

/**
 * The user's own model measured on the data as it is (session.reference()): the check that the preprocessing is
 * right. null for a built-in model (untrained until pretraining), without both inputs, or when they changed meanwhile.
 * Not exclusive: it shares the session's one measurement with training and the search.
 */
export async function checkReference(studio: Studio, _params: NoParams): Promise<Reference | null> {
  const { session, model } = studio;
  if (!session || !model || model.builtin) return null;
  const reference = await session.reference();
  return session === studio.session ? reference : null;
}

function setScaling(studio: Studio, scaling: InputScaling): void {
  if (scaling === studio.scaling) return;
  studio.scaling = scaling;
  studio.saved.preprocessing(scaling);
}
