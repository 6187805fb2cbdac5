/** Stage 2: sparse training with live charts, then every channel's importance and the global ranking. */
import { RANGES } from '../../contract/ranges';
import { useDeferredValue, useEffect, useId, useMemo } from 'react';

import { CRITERIA, RANKINGS, type CriterionName, type RankingMode } from '../../contract/criteria';
import { DEFAULT_REDUCTION, defaultLearningRate, type Augmentation, type GatePenalty, type OptimizerName, type TargetKind, type TargetMode } from '../../contract/settings';
import { sparsityShortfall } from '../../contract/sparsityText';
import { augmentationText } from '../../contract/events';
import { COLORS } from '../charts/ChartFrame';
import { usePacedPoints, usePacedValue } from '../charts/chartPacing';
import { GroupImportanceChart, HistogramChart } from '../charts/ImportanceCharts';
import { AccuracyChart, GroupSparsityChart, LossChart, SparsityChart } from '../charts/TrainingCharts';
import { NumberField, SelectField } from '../components/fields';
import { Busy, Empty, ProgressBar, StageError } from '../components/status';
import { duration, fixed, percent } from '../lib/format';
import { previewRatio } from '../lib/preview';
import { holdingText, runRemainingMs } from '../store/trainingSlice';
import { selectInputsReady, useStudio } from '../store/store';

export function TrainScorePanel() {
  return (
    <>
      <TrainSettingsForm />
      <TrainControls />
      <TrainingView />
      <ImportanceView />
    </>
  );
}

const criterionOptions = CRITERIA.map((c) => ({ value: c.name, label: c.title }));
const TARGET_KINDS: { value: TargetKind; label: string }[] = [
  { value: 'channels', label: 'Share of channels' },
  { value: 'flops', label: 'Share of FLOPs' },
];
const TARGET_MODES: { value: TargetMode; label: string }[] = [
  { value: 'auto', label: 'Automatic (as much as accuracy allows)' },
  { value: 'fixed', label: 'A fixed share' },
];
const GATE_PENALTY_OPTIONS: { value: GatePenalty; label: string }[] = [
  { value: 'sum', label: 'Sum of the gates (L1)' },
  { value: 'polarization', label: 'Polarization (split the gates)' },
];

const OPTIMIZER_OPTIONS: { value: OptimizerName; label: string }[] = [
  { value: 'adam', label: 'Adam' },
  { value: 'sgd', label: 'SGD, momentum, cosine rate' },
];

const AUGMENTATION_OPTIONS: { value: Augmentation; label: string }[] = [
  { value: 'auto', label: 'Automatic (flips where they keep labels)' },
  { value: 'none', label: 'None' },
  { value: 'flip', label: 'Horizontal flips' },
  { value: 'flip-shift', label: 'Flips and shifts (≤ 4 px)' },
];

function TrainSettingsForm() {
  const form = useStudio((s) => s.trainForm);
  const set = useStudio((s) => s.setTrainForm);
  const running = useStudio((s) => s.training.state === 'running');
  const ownModel = useStudio((s) => s.model.choice === 'files');
  const criterion = CRITERIA.find((c) => c.name === form.criterion);
  const sparse = form.criterion === 'gfr' || form.criterion === 'gamma';
  // The automatic target and distillation need a trained model to start from: the user's own, or a pretrained built-in one.
  const trainedStart = ownModel || form.pretrainEpochs > 0;
  const automatic = form.targetMode === 'auto' && trainedStart;
  return (
    <fieldset className="block" disabled={running}>
      <legend>Training settings</legend>
      <SelectField label="Criterion" value={form.criterion} options={criterionOptions} onChange={(criterion: CriterionName) => set({ criterion })} hint={criterion?.text} />
      <div className="field-grid">
        <NumberField
          label="Pretraining epochs"
          value={form.pretrainEpochs}
          min={0}
          max={100}
          step={1}
          onChange={(pretrainEpochs) => set({ pretrainEpochs })}
          hint={ownModel ? 'Plain training first. Your model is already trained: 0 keeps it as it is.' : 'Plain training first; built-in models start untrained.'}
        />
        <NumberField label={sparse ? 'Sparse epochs' : 'Epochs'} value={form.epochs} min={0} max={100} step={1} onChange={(epochs) => set({ epochs })} />
        <NumberField label="Batch size" value={form.batchSize} min={1} max={1024} step={1} onChange={(batchSize) => set({ batchSize })} />
        <SelectField
          label="Optimizer"
          value={form.optimizer}
          options={OPTIMIZER_OPTIONS}
          // The rate follows the optimizer while it is at the other's default (SGD 0.01, Adam 3e-4 from a trained start).
          onChange={(optimizer: OptimizerName) => set({
            optimizer,
            learningRate: form.learningRate === defaultLearningRate(form.optimizer, trainedStart) ? defaultLearningRate(optimizer, trainedStart) : form.learningRate,
          })}
          hint="SGD: momentum 0.9, the rate falls to ~0 along a cosine, weight decay 1e-4 on kernels."
        />
        <NumberField label="Learning rate" value={form.learningRate} min={0} max={1} step="any" onChange={(learningRate) => set({ learningRate })} hint={form.optimizer === 'sgd' ? "SGD's starting rate." : undefined} />
        <SelectField
          label="Augmentation"
          value={form.augmentation}
          options={AUGMENTATION_OPTIONS}
          onChange={(augmentation: Augmentation) => set({ augmentation })}
          hint="Of the training images only. Automatic: flips where your model keeps its accuracy on mirrored calibration images (photos, not digits or text); it needs a trained start."
        />
        <SelectField
          label="Target"
          value={form.targetMode}
          options={TARGET_MODES}
          onChange={(targetMode: TargetMode) => set({ targetMode })}
          disabled={!sparse}
          hint={trainedStart
            ? 'Automatic: sparsity rises while accuracy on held-out calibration images stays within half the tolerance of the original.'
            : 'Automatic needs a trained start (your own model, or pretraining epochs ≥ 1); without one the fixed share is used.'}
        />
        <NumberField label="Target share to free" value={form.target} min={RANGES.targetShare.min} max={RANGES.targetShare.max} step={0.05} onChange={(target) => set({ target })} hint={automatic ? 'Unused with the automatic target.' : 'Driven to exactly zero during training (0 = plain L1).'} disabled={!sparse || automatic} />
        <SelectField label="Target counts" value={form.targetKind} options={TARGET_KINDS} onChange={(targetKind: TargetKind) => set({ targetKind })} disabled={!sparse} hint="A share of the channels, or of the model's FLOPs that the zero channels free." />
        <NumberField
          label="Distillation from the original (weight)"
          value={form.distillation}
          min={0}
          max={1}
          step={0.05}
          onChange={(distillation) => set({ distillation })}
          disabled={!sparse || !trainedStart}
          hint="Share of the loss that follows the original model's outputs (0 = labels only); from a trained start."
        />
        <NumberField label="Max steps per phase" value={form.maxSteps} min={0} step={1} onChange={(maxSteps) => set({ maxSteps: Math.round(maxSteps) })} hint="0 = no limit. A small budget for slow machines." testId="max-steps" />
        <NumberField label="Sparsity strength on γ (λγ)" value={form.lambdaGamma} min={0} step="any" onChange={(lambdaGamma) => set({ lambdaGamma })} disabled={!sparse} hint="Used when the target share is 0." />
        <NumberField label="Gate penalty strength (λs)" value={form.lambdaS} min={0} step="any" onChange={(lambdaS) => set({ lambdaS })} disabled={form.criterion !== 'gfr'} />
        <SelectField label="Gate penalty" value={form.gatePenalty} options={GATE_PENALTY_OPTIONS} onChange={(gatePenalty: GatePenalty) => set({ gatePenalty })} disabled={form.criterion !== 'gfr'} hint="How the gate penalty (λs) acts on the GFR gates." />
        <NumberField label="Gate temperature (τ)" value={form.gateTemperature} min={0.05} max={10} step="any" onChange={(gateTemperature) => set({ gateTemperature })} disabled={form.criterion !== 'gfr'} hint="s = sigmoid(u / τ); below 1 the gates saturate sooner." />
      </div>
      <p className="hint">
        GFR gate reduction r = {DEFAULT_REDUCTION} (hidden width max(4, ⌈C/r⌉)); fixed in this version.
      </p>
    </fieldset>
  );
}

function TrainControls() {
  const state = useStudio((s) => s.training.state);
  const paused = useStudio((s) => s.training.paused);
  const inputsReady = useStudio(selectInputsReady);
  const ready = useStudio((s) => s.engine.state === 'done') && inputsReady;
  const searching = useStudio((s) => s.search.state === 'running' || s.search.state === 'starting');
  const start = useStudio((s) => s.startTraining);
  const resumable = useStudio((s) => s.training.resumable);
  const resume = useStudio((s) => s.resumeTraining);
  const setPaused = useStudio((s) => s.setTrainingPaused);
  const cancel = useStudio((s) => s.cancelTraining);
  const running = state === 'running';
  return (
    <>
      <div className="controls" role="group" aria-label="Training">
        {resumable && (
          <button type="button" onClick={() => void resume()} disabled={!ready || running || searching} data-testid="train-resume">
            Resume from step {resumable.step}
          </button>
        )}
        <button type="button" className={resumable ? 'secondary' : undefined} onClick={() => void start()} disabled={!ready || running || searching} data-testid="train-start">
          {state === 'idle' || state === 'running' ? 'Train' : 'Train again'}
        </button>
        <button type="button" className="secondary" onClick={() => void setPaused(!paused)} disabled={!running} aria-pressed={paused}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" className="secondary" onClick={cancel} disabled={!running}>
          Cancel training
        </button>
      </div>
      {ready && !running && <TrainEstimate />}
    </>
  );
}

/** The run's time before it starts: measured on a few steps whenever the settings change, while the engine is idle. */
function TrainEstimate() {
  const form = useStudio((s) => s.trainForm);
  const rule = useStudio((s) => s.rule);
  const estimate = useStudio((s) => s.trainEstimate);
  const busy = useStudio((s) => s.search.state === 'running' || s.search.state === 'starting');
  const measure = useStudio((s) => s.estimateTraining);
  // Measured again whenever the model and data that train change (a model given first waits for its data).
  const model = useStudio((s) => s.model.summary);
  const data = useStudio((s) => s.data.summary);
  useEffect(() => {
    if (busy) return;
    // Settles first: typing a number changes the form on every key.
    const timer = setTimeout(() => void measure(), 400);
    return () => clearTimeout(timer);
  }, [form, rule, busy, measure, model, data]);
  if (!estimate) return <p className="hint" data-testid="train-estimate">Estimating the training time…</p>;
  const steps = estimate.pretrainSteps + estimate.sparseSteps;
  return (
    <p className="hint" data-testid="train-estimate">
      Estimated training time: about <strong>{duration(estimate.totalMs)}</strong> ({steps.toLocaleString('en')} steps at{' '}
      {duration(estimate.msPerStep)} a step, measured here; sparse steps cost a little more).
    </p>
  );
}

function TrainingView() {
  const training = useStudio((s) => s.training);
  const checkpointStep = useStudio((s) => s.saving.checkpointStep);
  const estimate = useStudio((s) => s.trainEstimate);
  // Each chart redraws at its own pace, in its own turn (chartPacing.ts), so a burst of steps never blocks the page.
  const lossSteps = usePacedPoints(training.steps);
  const accuracySteps = usePacedPoints(training.steps);
  const sparsitySteps = usePacedPoints(training.steps);
  const last = training.steps[training.steps.length - 1];
  const target = last?.targetKind === 'flops' ? null : (last?.targetShare ?? 0) * 100;
  const sparseNow = useMemo(() => training.steps.some((p) => p.zeroShare !== undefined), [training.steps]);
  // The per-layer chart paces its own data, so it mounts in a turn of its own, not with the sparsity chart.
  const layersNow = useMemo(() => ({ show: sparseNow, byGroup: training.zeroShareByGroup, target }), [sparseNow, training.zeroShareByGroup, target]);
  const layers = usePacedValue(layersNow);
  const holding = holdingText(last);
  const hasSparsity = sparsitySteps.some((p) => p.zeroShare !== undefined);
  const { summary } = training;
  // The automatic target rises toward a share it need not reach: no shortfall to report, the guard's last reading instead.
  const guard = training.automatic ? summary?.guard : undefined;
  const shortfall = summary?.sparsity && !guard ? sparsityShortfall(summary.sparsity) : null;
  const warn = shortfall !== null || (guard !== undefined && guard.accuracy < guard.floor);
  return (
    <div className="block" aria-label="Training progress" role="region">
      <StageError message={training.error} testId="train-error" />
      {training.state === 'cancelled' && <p className="notice">Training was cancelled; the model keeps its weights from before this run.</p>}
      {training.resumable && (
        <p className="notice" data-testid="train-interrupted">
          {training.resumable.phase === 'pretrain' ? 'Pretraining' : 'Sparse training'} was interrupted at step {training.resumable.step} of{' '}
          {training.resumable.totalSteps}; its checkpoint was saved. Resume goes on from there with the same settings.
        </p>
      )}
      {training.progress && training.state === 'running' && (
        <ProgressBar progress={training.progress} label="Training" paused={training.paused} remainingMs={runRemainingMs(last, estimate)} testId="train-progress" />
      )}
      {last && (
        <p className="live-figures" data-testid="train-live">
          <span>
            {last.phase === 'pretrain' ? 'Pretraining' : 'Sparse training'} step <strong data-testid="train-step">{last.step}</strong> of {last.totalSteps}
          </span>
          <span>loss {fixed(last.loss, 3)}</span>
          <span>batch accuracy {percent(last.accuracy)}</span>
          <span>{Math.round(last.imagesPerSec)} images/s</span>
          {last.guardAccuracy !== undefined && (
            <span>
              guard images {percent(last.guardAccuracy)} (floor {percent(last.guardFloor)})
            </span>
          )}
          {holding && <strong data-testid="train-held">{holding}</strong>}
          {training.state === 'running' && checkpointStep !== null && <span data-testid="train-saved">saved at step {checkpointStep}</span>}
        </p>
      )}
      {lossSteps.length === 0 ? (
        training.state === 'idle' && <Empty>Press Train: the charts of loss, accuracy and sparsity fill in step by step.</Empty>
      ) : (
        <div className="charts">
          <LossChart steps={lossSteps} />
          {accuracySteps.length > 0 && <AccuracyChart steps={accuracySteps} />}
          {hasSparsity && <SparsityChart steps={sparsitySteps} />}
          {layers.show && Object.keys(layers.byGroup).length > 0 && <GroupSparsityChart byGroup={layers.byGroup} target={layers.target} />}
        </div>
      )}
      {summary && (
        <p className={warn ? 'notice' : 'notice notice-ok'} data-testid="train-done">
          Trained {summary.steps} steps on {summary.images.toLocaleString('en')} images in {duration(summary.elapsedMs)}
          {summary.sparsity
            ? `; ${percent(summary.sparsity.zeroShare)} of prunable channels are now exactly zero`
              + (summary.sparsity.freedFlopsShare === undefined ? '' : `, freeing ${percent(summary.sparsity.freedFlopsShare)} of the FLOPs`)
              + (shortfall ? ` — ${shortfall}` : '')
              + (guard ? ` — automatic target: accuracy on the guard's held-out images ${percent(guard.accuracy)}, against a floor of ${percent(guard.floor)}` : '')
              + (summary.sparsity.setbacks ? `; the accuracy guard set training back ${summary.sparsity.setbacks} time(s)` : '')
            : ''}.
          {summary.augmentation && (summary.augmentation.mode !== 'none' || summary.augmentation.flippedAccuracy !== undefined)
            ? ` ${capitalized(augmentationText(summary.augmentation))}.` : ''}
        </p>
      )}
    </div>
  );
}

const capitalized = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

const rankingOptions = RANKINGS.map((r) => ({ value: r.name, label: r.title }));

function ImportanceView() {
  const scores = useStudio((s) => s.scores);
  const trained = useStudio((s) => s.training.state === 'done');
  const minKeepFraction = useStudio((s) => s.searchForm.minKeepFraction);
  const roundTo = useStudio((s) => s.searchForm.roundTo);
  const compute = useStudio((s) => s.computeScores);
  const setRatio = useStudio((s) => s.setPreviewRatio);
  const setGroup = useStudio((s) => s.setScoresGroup);
  const sliderId = useId();
  const result = useDeferredValue(scores.result);
  const previewAt = useDeferredValue(scores.previewRatio);

  const flat = useMemo(() => {
    const groups = result?.groups.filter((g) => g.group.prunable) ?? [];
    return {
      importance: groups.flatMap((g) => g.importance),
      gamma: groups.flatMap((g) => g.gamma ?? []),
      sr: groups.flatMap((g) => g.sr ?? []),
    };
  }, [result]);
  // The histograms and the group's chart mount and redraw in turns (chartPacing.ts); the preview ratio then moves the
  // threshold at once.
  const importanceValues = usePacedValue(flat.importance);
  const gammaValues = usePacedValue(flat.gamma);
  const srValues = usePacedValue(flat.sr);
  const preview = useMemo(() => (result ? previewRatio(result, previewAt, { minKeepFraction, roundTo }) : null), [result, previewAt, minKeepFraction, roundTo]);
  const group = result?.groups.find((g) => g.group.key === scores.groupKey);
  const groupChartMounted = usePacedValue(group !== undefined && preview !== null);
  const globalScale = scores.ranking === 'global';

  return (
    <section className="block" aria-labelledby="importance-title">
      <h3 id="importance-title">Channel importance</h3>
      <p className="hint">
        Each channel's score under the chosen criterion; the global ranking removes the lowest first. Switch the criterion to
        compare rankings.
      </p>
      <div className="field-grid">
        <SelectField label="Score by" value={scores.criterion} options={criterionOptions} disabled={!trained || scores.state === 'running'} onChange={(c: CriterionName) => void compute(c)} />
        <SelectField label="Ranking" value={scores.ranking} options={rankingOptions} disabled={!trained || scores.state === 'running'} onChange={(r: RankingMode) => void compute(undefined, r)} />
      </div>
      {scores.state === 'running' && <Busy>Scoring every channel…</Busy>}
      <StageError message={scores.error} testId="scores-error" />
      {!result ? (
        scores.state !== 'running' && <Empty>Train first: the scores read γ and sr from the trained model.</Empty>
      ) : (
        <div data-testid="scores-view">
          <div className="charts">
            {importanceValues.length > 0 && <HistogramChart title="Importance" values={importanceValues} color={COLORS.importance} xLabel={`${scores.criterion} score`} testId="hist-importance" threshold={globalScale ? preview?.threshold : null} />}
            {gammaValues.length > 0 && <HistogramChart title="|γ| of BatchNormalization" values={gammaValues} color={COLORS.gamma} xLabel="|γ|" testId="hist-gamma" />}
            {srValues.length > 0 && <HistogramChart title="sr, the gates' moving average" values={srValues} color={COLORS.sr} xLabel="sr" testId="hist-sr" />}
          </div>
          <div className="field">
            <label htmlFor={sliderId}>
              Preview ratio: <strong data-testid="preview-ratio">{Math.round(scores.previewRatio * 100)}%</strong> of prunable channels removed
              {preview && ` (${preview.count} channels)`}
            </label>
            <input
              id={sliderId}
              type="range"
              min={RANGES.pruningRatio.min}
              max={RANGES.pruningRatio.max}
              step={0.05}
              value={scores.previewRatio}
              onChange={(e) => setRatio(Number(e.target.value))}
              aria-valuetext={`${Math.round(scores.previewRatio * 100)} percent`}
            />
          </div>
          <SelectField
            label="Layer group"
            value={scores.groupKey ?? ''}
            options={result.groups.filter((g) => g.group.prunable).map((g) => ({ value: g.group.key, label: `${g.group.key} (${g.group.size} channels: ${g.group.members.map((m) => m.layer).join(', ')})` }))}
            onChange={setGroup}
          />
          {groupChartMounted && group && preview && (
            <GroupImportanceChart
              groupKey={group.group.key}
              importance={group.importance}
              removed={preview.removed.get(group.group.key) ?? new Set()}
              threshold={globalScale ? preview.threshold : null}
              ratio={previewAt}
            />
          )}
          <p className="hint" data-testid="ranking-head">
            First to go: {result.ranking.slice(0, 6).map(([key, channel]) => `${key}[${channel}]`).join(', ')}
            {result.ranking.length > 6 ? ', …' : ''}
          </p>
        </div>
      )}
    </section>
  );
}
