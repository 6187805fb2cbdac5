/**
 * Stage 1, beside the data: how pixels become the model's inputs (a preset or
 * range, mean, std and channel order), checked at once by the user's model's
 * accuracy on the images — a wrong setting reads as chance level.
 */
import { useEffect, useId, useState } from 'react';

import {
  numberList, PREPROCESSING_PRESETS, preprocessingFromScaling, sameScaling, scalingFromPreprocessing, type ChannelOrder, type InputScaling,
  type PixelRange, type PresetName,
} from '../../contract/preprocessing';
import { SelectField } from '../components/fields';
import { Busy, StageError } from '../components/status';
import { chanceLevel, nearChance } from '../lib/chance';
import { percent } from '../lib/format';
import { selectBusy, useStudio } from '../store/store';

const PRESET_TEXT: Record<PresetName | 'custom', string> = {
  none: 'None: pixels in [0, 1]',
  imagenet: 'ImageNet mean/std (torchvision, Keras "torch")',
  tf: 'Keras "tf" mode: pixels in [−1, 1]',
  caffe: 'Keras "caffe" mode: BGR, ImageNet mean subtracted on 0–255',
  custom: 'Custom',
};

const RANGE_TEXT: Record<PixelRange, string> = { '0-1': '[0, 1]', '-1-1': '[−1, 1]', '0-255': '[0, 255]' };

interface Form {
  preset: PresetName | 'custom';
  range: PixelRange;
  mean: string;
  std: string;
  channelOrder: ChannelOrder;
}

function formOf(scaling: InputScaling): Form {
  const { preset, preprocessing } = preprocessingFromScaling(scaling);
  return { preset: preset ?? 'custom', range: preprocessing.range, mean: preprocessing.mean.join(', '), std: preprocessing.std.join(', '), channelOrder: preprocessing.channelOrder };
}

export function PreprocessingPanel() {
  const inputs = useStudio((s) => s.inputs);
  const remembered = useStudio((s) => (s.model.choice === 'files' ? s.model.summary?.remembered : undefined));
  const engineReady = useStudio((s) => s.engine.state === 'done');
  const busy = useStudio(selectBusy);
  const setPreprocessing = useStudio((s) => s.setPreprocessing);
  const [form, setForm] = useState<Form>(() => formOf(inputs.scaling));
  const [formError, setFormError] = useState<string | null>(null);
  useEffect(() => setForm(formOf(inputs.scaling)), [inputs.scaling]);
  const disabled = !engineReady || busy || inputs.state === 'running';
  const meanId = useId();
  const stdId = useId();

  const choosePreset = (preset: Form['preset']): void => {
    setFormError(null);
    if (preset === 'custom') setForm((f) => ({ ...f, preset }));
    else void setPreprocessing(scalingFromPreprocessing(PREPROCESSING_PRESETS[preset]));
  };
  const apply = (): void => {
    const mean = numberList(form.mean, 'mean');
    const std = numberList(form.std, 'std');
    if ('problem' in mean || 'problem' in std) {
      setFormError('problem' in mean ? mean.problem : (std as { problem: string }).problem);
      return;
    }
    setFormError(null);
    void setPreprocessing(scalingFromPreprocessing({ range: form.range, mean: mean.values, std: std.values, channelOrder: form.channelOrder }));
  };

  return (
    <fieldset className="block" disabled={disabled} data-testid="preprocessing">
      <legend>Preprocessing</legend>
      <p className="hint">
        How pixels become the model&apos;s inputs. Your own model needs the preprocessing it was trained with; the accuracy below shows at
        once whether it is right.
        {remembered && sameScaling(remembered, inputs.scaling) ? ' Your model’s files remember this preprocessing.' : ''}
      </p>
      <SelectField<Form['preset']>
        label="Convention"
        value={form.preset}
        options={(Object.keys(PRESET_TEXT) as Form['preset'][]).map((value) => ({ value, label: PRESET_TEXT[value] }))}
        onChange={choosePreset}
      />
      {form.preset === 'custom' && (
        <div className="field-grid" data-testid="preprocessing-custom">
          <SelectField<PixelRange>
            label="Pixel range"
            value={form.range}
            options={(Object.keys(RANGE_TEXT) as PixelRange[]).map((value) => ({ value, label: RANGE_TEXT[value] }))}
            onChange={(range) => setForm((f) => ({ ...f, range }))}
            hint="Mean and std are in the units of this range."
          />
          <div className="field">
            <label htmlFor={meanId}>Mean per channel</label>
            <input id={meanId} type="text" value={form.mean} onChange={(e) => setForm((f) => ({ ...f, mean: e.target.value }))} />
          </div>
          <div className="field">
            <label htmlFor={stdId}>Standard deviation per channel</label>
            <input id={stdId} type="text" value={form.std} onChange={(e) => setForm((f) => ({ ...f, std: e.target.value }))} />
          </div>
          <SelectField<ChannelOrder>
            label="Channel order"
            value={form.channelOrder}
            options={[{ value: 'rgb', label: 'RGB' }, { value: 'bgr', label: 'BGR (Caffe)' }]}
            onChange={(channelOrder) => setForm((f) => ({ ...f, channelOrder }))}
          />
          <button type="button" onClick={apply} data-testid="preprocessing-apply">
            Apply
          </button>
        </div>
      )}
      <StageError message={formError ?? inputs.error} testId="preprocessing-error" />
      <ModelCheck />
    </fieldset>
  );
}

/** The user's model on the images as preprocessed: the session's reference accuracy. */
function ModelCheck() {
  const check = useStudio((s) => s.inputs.check);
  const classCounts = useStudio((s) => s.data.summary?.classCounts ?? null);
  const running = useStudio((s) => s.inputs.state === 'running');
  if (running || check.state === 'running') return <Busy>Measuring your model on these images…</Busy>;
  if (check.error) return <StageError message={check.error} testId="preprocessing-check-error" />;
  if (!check.reference || !classCounts) return null;
  const { accuracy } = check.reference;
  const chance = nearChance(accuracy, classCounts);
  return (
    <div data-testid="preprocessing-check">
      <p>
        Your model gets <strong data-testid="preprocessing-accuracy">{percent(accuracy, 1)}</strong> of the validation images right with
        this preprocessing.
      </p>
      {chance && (
        <p className="stage-error" role="alert" data-testid="preprocessing-hint">
          That is near chance level ({percent(chanceLevel(classCounts), 0)}): a wrong preprocessing setting shows as chance-level accuracy.
          Pick the convention your model was trained with (ImageNet mean/std for most PyTorch models; Keras &quot;tf&quot; or
          &quot;caffe&quot; for keras.applications models).
        </p>
      )}
    </div>
  );
}
