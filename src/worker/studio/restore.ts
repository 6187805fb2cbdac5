/**
 * The calls that bring back the last visit's work (docs/METHOD.md §8) — model, data, validation images, preprocessing,
 * the finished training, the search with its candidates, an interrupted training's checkpoint — and forget it.
 */
import { CancelledError } from '../../engine/core/abort';
import type { ModelSpec } from '../../engine/core/types';
import { DEFAULT_SCALING, type InputScaling } from '../../contract/preprocessing';
import type { CallContext } from '../callContext';
import { candidateKey, type SavedCheckpoint, type SavedData, type SavedModel, type SavedSearch, type SavedTraining, type SavedValidation } from '../savedWork';
import type { NoParams, RestoredWork } from '../studioTypes';
import { dataSummary, fits, scaled, withValidation, type LoadedData } from './loadedData';
import { builtinModel, imageShapeFor, restoredModel } from './loadedModel';
import { plannedRatiosOf } from './search';
import type { Studio } from './studio';

/**
 * Brings back the last visit's work from IndexedDB; null when nothing was saved (or there is nowhere to save). What
 * cannot be read again is said in its notes. Every load, training and search step is saved as it completes.
 */
export async function restore(studio: Studio, _params: NoParams, ctx: CallContext): Promise<RestoredWork | null> {
  return studio.lock.exclusive('restoring the last visit', ctx.signal, async () => {
    const { saved } = studio;
    const notes = await saved.open();
    const savedModel = await saved.read<SavedModel>('model');
    if (!savedModel) return null;
    ctx.progress({ done: 0, total: 1, label: 'restoring the last visit' });
    const dropped = savedModel.kind === 'files' ? restoredModel(savedModel) : null;
    let data: LoadedData | null = null;
    const savedData = await saved.read<SavedData>('data');
    try {
      if (savedData?.kind === 'builtin') data = await studio.read.builtin();
      if (savedData?.kind === 'files') data = await studio.read.files(savedData.files, imageShapeFor(dropped), ctx.signal);
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      notes.push(`The data of the last visit could not be read again: ${(error as Error).message}`);
    }
    // Absent in work saved before validation images could be given: the data's own split, as then.
    const savedValidation = data ? await saved.read<SavedValidation>('validation') : undefined;
    if (data && savedValidation) {
      try {
        data = withValidation(data, await studio.read.validation(savedValidation.files, data.unit, ctx.signal));
      } catch (error) {
        if (error instanceof CancelledError) throw error;
        notes.push(`Your validation images of the last visit could not be read again (${(error as Error).message}); the result is judged on images held out from your data until you give them again.`);
      }
    }
    const model = savedModel.kind === 'builtin' ? await builtinModel(savedModel.name, data?.dataset) : dropped!;
    const scaling = (await saved.read<InputScaling>('preprocessing')) ?? DEFAULT_SCALING;
    if (data && fits(scaling, data.dataset.channels)) data = scaled(data, scaling);
    studio.scaling = scaling;
    const session = studio.replaceWork(model, data);
    const restored: RestoredWork = {
      model: model.summary,
      modelChoice: savedModel.kind === 'builtin' ? savedModel.name : 'files',
      data: data ? dataSummary(data, ctx) : null,
      dataChoice: data ? savedData!.kind : null,
      pairing: studio.pairing(),
      training: null,
      search: null,
      resumable: null,
      notes,
    };
    if (!session) return restored;

    const training = await saved.read<SavedTraining>('training');
    if (training) {
      const { record, original, trainedStart, trained, pretrained } = training;
      session.restoreTraining({ original, trainedStart, trained, pretrained: pretrained && { key: pretrained.key, spec: pretrained.spec, summary: pretrained.summary } });
      studio.pretrainCurve = pretrained?.curve ?? [];
      studio.training = record;
      restored.training = training.record;
    }
    const checkpoint = await saved.read<SavedCheckpoint>('checkpoint');
    if (checkpoint) {
      studio.resumable = checkpoint;
      const { params, phase, checkpoint: { step, totalSteps }, curve } = checkpoint;
      restored.resumable = { params, phase, step, totalSteps, curve };
    }
    const search = await saved.read<SavedSearch>('search');
    if (search && search.candidates.length > 0) {
      const specs = new Map<number, ModelSpec>();
      for (const index of search.saved) {
        const spec = await saved.read<ModelSpec>(candidateKey(index));
        if (spec) specs.set(index, spec);
      }
      session.restoreCandidates(search.candidates, specs, search.reference);
      studio.search = {
        iterator: null,
        controller: new AbortController(),
        settings: search.settings,
        planned: search.planned,
        elapsedMs: search.elapsedMs,
        done: search.done,
        stopped: search.done ? null : 'This search was interrupted by a reload.',
        tolerance: search.settings.tolerance,
      };
      saved.adopt(search);
      restored.search = {
        settings: search.settings,
        prunableChannels: session.analysis.prunableChannels,
        plannedRatios: plannedRatiosOf(search.settings),
        candidates: search.candidates,
        elapsedMs: search.elapsedMs,
        done: search.done,
        gridStop: search.gridStop ?? null,
        exportable: [...specs.keys()],
        reference: search.reference,
      };
    }
    return restored;
  });
}

/** Removes all saved work; what is in memory stays, and later steps are saved afresh. */
export async function forgetSavedWork(studio: Studio, _params: NoParams, ctx: CallContext): Promise<null> {
  return studio.lock.exclusive('forgetting the saved work', ctx.signal, async () => {
    await studio.saved.forgetAll();
    studio.resumable = null;
    return null;
  });
}
