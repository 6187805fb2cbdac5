/**
 * What sparse training from a trained start decides before its first step
 * (docs/METHOD.md §3.3), on the original and the held-out calibration images:
 *  - the augmentation, where the settings leave it to `auto` (flips only
 *    where the original keeps its accuracy on flipped calibration images);
 *  - the start: the original with its BN statistics measured again on the fit
 *    images, where that measures better on the calibration images (a model
 *    trained on other data, or whose moving statistics lag its last steps),
 *    else the original as it is. The original as loaded stays the reference
 *    of every comparison and the teacher.
 */
import type { AugmentationDecision, RecalibratedStart } from '../../contract/events';
import type { TrainSettings } from '../../contract/settings';
import type { ImageDataset, ModelSpec } from '../core/types';
import type { OutputKind } from '../../contract/outputKind';
import { modelFromSpec, specFromModel } from '../io/modelSpec';
import { DEFAULT_RECALIBRATION, recalibrateIfBetter } from '../search/recalibrate';
import { decideAugmentation } from './augmentation';

export interface TrainedStart {
  spec: ModelSpec;
  recalibratedStart: RecalibratedStart;
  augmentation: AugmentationDecision;
}

export async function prepareTrainedStart(
  original: ModelSpec,
  data: { fit: ImageDataset; calibration: ImageDataset; outputKind: OutputKind },
  settings: Pick<TrainSettings, 'augmentation'>,
  signal?: AbortSignal,
): Promise<TrainedStart> {
  const model = await modelFromSpec(original);
  try {
    // Decided on the original as loaded, before its statistics change.
    const augmentation = await decideAugmentation(settings.augmentation ?? 'none', model, data.calibration, data.outputKind, signal);
    const choice = await recalibrateIfBetter(model, data, { ...DEFAULT_RECALIBRATION, signal });
    const recalibratedStart = { kept: choice.kept, before: choice.accuracyBefore, after: choice.accuracyAfter ?? choice.accuracyBefore };
    return { spec: choice.kept ? await specFromModel(model) : original, recalibratedStart, augmentation };
  } finally {
    model.dispose();
  }
}
