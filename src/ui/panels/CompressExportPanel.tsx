/** Stage 3: the grid search over pruning ratios, choosing a candidate, and downloading it. */
import { useId, useMemo, useState } from 'react';

import type { Candidate } from '../../contract/candidate';
import type { ChannelGroup } from '../../contract/analysis';
import { COST_AXES, SearchChart, type CostAxis } from '../charts/SearchCharts';
import { CHART_INTERVAL_MS, usePacedValue } from '../charts/chartPacing';
import { NumberField, SelectField } from '../components/fields';
import { ModelGraphCard } from '../graph/ModelGraphCard';
import { Busy, Empty, ProgressBar, StageError } from '../components/status';
import { bytes, change, compact, duration, fixed, indexRanges, percent } from '../lib/format';
import { CRITERIA, RANKINGS } from '../../contract/criteria';
import { defaultGrid, ROUND_TO_CHOICES } from '../../contract/settings';
import { BUDGET_METRICS, GRID_STEP_CHOICES, type RuleForm } from '../store/defaults';
import { DEFAULT_TOLERANCE, dropAgainst, pointsText } from '../../contract/select';
import { RANGES } from '../../contract/ranges';
import { candidateCountText, exportMatches, selectedIndex, verdictOf, type ExportFormat } from '../store/searchSlice';
import { useStudio } from '../store/store';
import { baselineOf } from '../../contract/candidate';

export function CompressExportPanel() {
  return (
    <>
      <SearchSettingsForm />
      <SearchControls />
      <SearchView />
      <SelectionForm />
      <SearchVerdict />
      <CandidateTable />
      <SelectedCandidate />
      <ModelGraphCard />
      <ExportBlock />
    </>
  );
}

const GRID_STEPS = GRID_STEP_CHOICES.map((s) => ({ value: String(s), label: `every ${Math.round(s * 100)}%` }));
const ROUNDINGS = ROUND_TO_CHOICES.map((n) => ({ value: String(n), label: n === 1 ? 'any count' : `multiples of ${n}` }));

function SearchSettingsForm() {
  const form = useStudio((s) => s.searchForm);
  const set = useStudio((s) => s.setSearchForm);
  const locked = useStudio((s) => s.search.state !== 'idle' && s.search.state !== 'done' && s.search.state !== 'cancelled' && s.search.state !== 'error');
  const criterion = useStudio((s) => s.scores.criterion);
  const ranking = useStudio((s) => s.scores.ranking);
  const ratios = defaultGrid(form.gridStep, form.gridMax);
  return (
    <fieldset className="block" disabled={locked}>
      <legend>Search settings</legend>
      <p className="hint">
        Ranks channels by <strong>{CRITERIA.find((c) => c.name === criterion)?.title}</strong>,{' '}
        {RANKINGS.find((r) => r.name === ranking)?.title.toLowerCase()} (set under Channel importance). Grid: {ratios.length} ratios from 0
        to {Math.round(form.gridMax * 100)}%, then up to {form.refineSteps} finer ones where accuracy starts to fall.
      </p>
      <div className="field-grid">
        <SelectField label="Grid step" value={String(form.gridStep)} options={GRID_STEPS} onChange={(v) => set({ gridStep: Number(v) })} />
        <NumberField label="Largest ratio" value={form.gridMax} min={RANGES.gridMax.min} max={RANGES.gridMax.max} step={0.05} onChange={(gridMax) => set({ gridMax })} />
        <SelectField label="Channels kept per layer" value={String(form.roundTo)} options={ROUNDINGS} onChange={(v) => set({ roundTo: Number(v) })} hint="Multiples of 4, 8 or 16 suit SIMD and GPU kernels; a layer that cannot keep one keeps all its channels." />
        <NumberField label="Refining steps" value={form.refineSteps} min={0} max={10} step={1} onChange={(refineSteps) => set({ refineSteps: Math.round(refineSteps) })} />
        <NumberField label="BN recalibration batches" value={form.recalibrationBatches} min={0} max={200} step={1} onChange={(recalibrationBatches) => set({ recalibrationBatches: Math.round(recalibrationBatches) })} hint="Forward passes that re-estimate BN statistics after pruning." />
        <NumberField label="Latency pairs (at least)" value={form.latencyRuns} min={2} max={100} step={1} onChange={(latencyRuns) => set({ latencyRuns: Math.round(latencyRuns) })} hint="Each candidate is timed in turn with the unpruned model until the speed-up's 95% interval is within ±10%, or 2 s have gone." />
        <div className="field field-check">
          <label>
            <input type="checkbox" checked={form.compensate} onChange={(e) => set({ compensate: e.target.checked })} /> Compensate removed channels
          </label>
          <p className="field-hint">Adds a removed channel's constant output to the next layer's bias.</p>
        </div>
        <div className="field field-check">
          <label>
            <input type="checkbox" checked={form.fullGrid} onChange={(e) => set({ fullGrid: e.target.checked })} data-testid="full-grid" /> Measure the whole grid
          </label>
          <p className="field-hint">Otherwise the grid stops after two ratios in a row whose accuracy collapsed (far below the tolerance); the rest can still be measured.</p>
        </div>
      </div>
    </fieldset>
  );
}

function SearchControls() {
  const state = useStudio((s) => s.search.state);
  const stopping = useStudio((s) => s.search.stopping);
  const scored = useStudio((s) => s.training.state === 'done');
  const trainingRunning = useStudio((s) => s.training.state === 'running');
  const run = useStudio((s) => s.runSearch);
  const step = useStudio((s) => s.stepSearch);
  const pause = useStudio((s) => s.pauseSearch);
  const cancel = useStudio((s) => s.cancelSearch);
  const reset = useStudio((s) => s.resetSearch);
  const busy = state === 'running' || state === 'starting';
  const canPull = scored && !trainingRunning && !busy;
  const resumable = state === 'paused';
  return (
    <div className="controls" role="group" aria-label="Grid search">
      <button type="button" onClick={() => void run()} disabled={!canPull} data-testid="search-run">
        {resumable ? 'Resume search' : state === 'idle' ? 'Run search' : 'Run a new search'}
      </button>
      <button type="button" className="secondary" onClick={() => void step()} disabled={!canPull || state === 'done'} data-testid="search-step">
        Step one candidate
      </button>
      <button type="button" className="secondary" onClick={pause} disabled={state !== 'running' || stopping}>
        {stopping ? 'Pausing…' : 'Pause'}
      </button>
      <button type="button" className="secondary" onClick={cancel} disabled={!busy}>
        Cancel search
      </button>
      <button type="button" className="ghost" onClick={reset} disabled={state === 'idle' || busy}>
        Clear
      </button>
    </div>
  );
}

/** How the charts name the line every candidate is compared with. */
const referenceLabelOf = (reference: { basis?: 'original' | 'trained' } | null): string => (reference?.basis === 'trained' ? 'trained, unpruned' : 'original');

function SearchView() {
  const search = useStudio((s) => s.search);
  const rule = useStudio((s) => s.rule);
  const pick = useStudio((s) => s.pickCandidate);
  const [axis, setAxis] = useState<CostAxis>('flops');
  const trained = useStudio((s) => s.training.state === 'done');
  const selected = selectedIndex(search);
  // Each chart redraws at its own pace, in its own turn (chartPacing.ts); the rule's choice moves with the points.
  const drawn = useMemo(() => ({ candidates: search.candidates, selected }), [search.candidates, selected]);
  // Once the search stops, a click on a point shows at once (still one chart per turn).
  const interval = search.state === 'running' ? CHART_INTERVAL_MS : 0;
  const ratioChart = usePacedValue(drawn, interval);
  const costChart = usePacedValue(drawn, interval);
  const original = search.reference ? search.reference.accuracy * 100 : null;
  const referenceLabel = referenceLabelOf(search.reference);
  const passLine = rule.kind === 'tolerance' && original !== null ? original - rule.tolerance : null;
  const expected = search.planned.length;
  const measured = search.candidates.length;
  const perCandidate = measured ? search.elapsedMs / measured : 0;
  const remaining = Math.max(0, expected - measured);
  return (
    <div className="block" role="region" aria-label="Search progress">
      <StageError message={search.error} testId="search-error" />
      {search.state === 'starting' && <Busy>Scoring, folding the GFR gates into BN and planning the grid…</Busy>}
      {search.state === 'cancelled' && <p className="notice">Search cancelled. The candidates measured so far stay; Run a new search to start over.</p>}
      {expected > 0 && (
        <p className="live-figures" data-testid="search-status">
          <span>
            <strong data-testid="candidate-count">{measured}</strong> <span data-testid="candidate-count-text">{candidateCountText(search)}</span>
          </span>
          <span>{search.state === 'done' ? 'search finished' : search.state === 'running' ? (search.stopping ? 'pausing after this one' : 'measuring') : 'paused'}</span>
          <span>{duration(search.elapsedMs)} spent</span>
          {search.state === 'running' && measured > 0 && <span>about {duration(perCandidate * Math.max(1, remaining))} left for the grid</span>}
        </p>
      )}
      {search.gridStop && <GridStopNote />}
      {search.state === 'running' && search.progress && <ProgressBar progress={search.progress} label="Measuring a candidate" />}
      {search.state === 'running' && !search.progress && <Busy>Pruning, recalibrating and measuring the next candidate…</Busy>}
      {measured === 0 ? (
        search.state === 'idle' && <Empty>{trained ? 'Run the search, or step through it one candidate at a time.' : 'Train first: the search prunes the trained model.'}</Empty>
      ) : (
        <div className="charts">
          {ratioChart.candidates.length > 0 && <SearchChart candidates={ratioChart.candidates} selected={ratioChart.selected} original={original} referenceLabel={referenceLabel} passLine={passLine} onPick={pick} axis="ratio" />}
          <SelectField label="Cost axis" value={axis} options={COST_AXES.map((c) => ({ value: c.value, label: `${c.label} (${c.unit})` }))} onChange={setAxis} />
          {costChart.candidates.length > 0 && <SearchChart candidates={costChart.candidates} selected={costChart.selected} original={original} referenceLabel={referenceLabel} passLine={passLine} onPick={pick} axis={axis} />}
        </div>
      )}
    </div>
  );
}

/** Where the grid stopped because accuracy had collapsed, and the button that measures the rest. */
function GridStopNote() {
  const stop = useStudio((s) => s.search.gridStop);
  const state = useStudio((s) => s.search.state);
  const restAvailable = useStudio((s) => s.search.restAvailable);
  const measureRest = useStudio((s) => s.measureRest);
  if (!stop) return null;
  const left = stop.remaining.length;
  return (
    <p className="notice" role="status" data-testid="grid-stop">
      Stopped the grid at ratio {stop.ratio}: {stop.reason}. {left} ratio{left === 1 ? '' : 's'} left unmeasured ({stop.remaining[0]}–{stop.remaining.at(-1)}): the
      tolerance rule cannot take them.{' '}
      {restAvailable ? (
        <button type="button" className="secondary" onClick={() => void measureRest()} disabled={state !== 'done'} data-testid="measure-rest">
          Measure the rest
        </button>
      ) : (
        'To measure them, run a new search with “Measure the whole grid”.'
      )}
    </p>
  );
}

function SelectionForm() {
  const rule = useStudio((s) => s.rule);
  const setRule = useStudio((s) => s.setRule);
  const autoSelected = useStudio((s) => s.search.autoSelected);
  const picked = useStudio((s) => s.search.picked);
  const measured = useStudio((s) => s.search.candidates.length);
  const pick = useStudio((s) => s.pickCandidate);
  const name = useId();
  const budget = BUDGET_METRICS.find((m) => rule.kind === 'budget' && m.metric === rule.metric) ?? BUDGET_METRICS[1];
  const update = (next: RuleForm): void => void setRule(next);
  return (
    <fieldset className="block">
      <legend>Selection</legend>
      <div className="rule">
        <label>
          <input type="radio" name={name} checked={rule.kind === 'tolerance'} onChange={() => update({ kind: 'tolerance', tolerance: DEFAULT_TOLERANCE, by: 'ratio' })} /> Within a tolerance of the
          original model's accuracy
        </label>
        {rule.kind === 'tolerance' && (
          <div className="field-grid">
            <NumberField
              label="Tolerance"
              unit="points"
              value={rule.tolerance}
              min={RANGES.tolerance.min}
              max={RANGES.tolerance.max}
              step={0.1}
              onChange={(tolerance) => update({ ...rule, tolerance })}
              testId="tolerance"
              hint="Judged on calibration images held out from training (one standard error allowed); the verdict below says within only when the whole 95% interval on the validation images is."
            />
            <SelectField
              label="Prefer"
              value={rule.by}
              options={[
                { value: 'ratio', label: 'the largest ratio' },
                { value: 'flops', label: 'the fewest FLOPs' },
              ]}
              onChange={(by) => update({ ...rule, by })}
            />
          </div>
        )}
        <label>
          <input type="radio" name={name} checked={rule.kind === 'budget'} onChange={() => update({ kind: 'budget', metric: 'flops', max: 1e6 })} /> The most accurate
          under a budget
        </label>
        {rule.kind === 'budget' && (
          <div className="field-grid">
            <SelectField
              label="Budget on"
              value={rule.metric}
              options={BUDGET_METRICS.map((m) => ({ value: m.metric, label: m.title }))}
              onChange={(metric) => update({ ...rule, metric })}
            />
            <NumberField label="At most" unit={budget.unit} value={rule.max / budget.scale} min={0} step="any" onChange={(v) => update({ ...rule, max: v * budget.scale })} />
          </div>
        )}
      </div>
      <p className="hint" data-testid="selection-note">
        {measured === 0
          ? 'The rule picks a candidate as the search measures them; you can also click any point or table row.'
          : picked !== null
            ? `You picked candidate #${picked}. `
            : autoSelected === null
              ? 'No candidate meets the rule yet.'
              : `The rule selects candidate #${autoSelected}.`}
        {picked !== null && (
          <button type="button" className="link" onClick={() => pick(null)}>
            Back to the rule's choice
          </button>
        )}
      </p>
    </fieldset>
  );
}

/** The shown candidate against the original: a success only when its whole 95% interval is within the tolerance. */
function SearchVerdict() {
  const search = useStudio((s) => s.search);
  const rule = useStudio((s) => s.rule);
  const verdict = useMemo(() => verdictOf(search, rule), [search, rule]);
  const automaticTarget = useStudio((s) => s.trainForm.targetMode === 'auto');
  if (!verdict) return null;
  const sofar = search.state === 'running' ? 'So far: ' : '';
  if (verdict.status === 'within') {
    return (
      <p className="block notice notice-ok" role="status" data-testid="verdict" data-status={verdict.status}>
        {sofar}
        {verdict.message}
      </p>
    );
  }
  const uncertain = verdict.status === 'uncertain';
  return (
    <div className="block notice" role="status" data-testid="verdict" data-status={verdict.status}>
      <p>
        <strong>
          {sofar}
          {uncertain ? `Not confirmed within ${pointsText(verdict.tolerance)}: the validation images cannot tell.` : `Not within ${pointsText(verdict.tolerance)} of the original model.`}
        </strong>{' '}
        {verdict.message}
      </p>
      <p>
        {uncertain
          ? 'What to try: give validation images of your own (more images narrow the interval), or pick a candidate further left on the chart (a smaller ratio).'
          : `What to try: more sparse epochs${automaticTarget ? '' : ', the automatic target'} or a higher distillation weight (training settings), a candidate further left on the chart (a smaller ratio), or a larger tolerance.`}
      </p>
    </div>
  );
}

function CandidateTable() {
  const candidates = useStudio((s) => s.search.candidates);
  const selected = useStudio((s) => selectedIndex(s.search));
  const pick = useStudio((s) => s.pickCandidate);
  const reference = useStudio((s) => s.search.reference);
  if (candidates.length === 0) return null;
  return (
    <div className="block table-scroll">
      <table className="table candidates" aria-label="Candidates" data-testid="candidate-table">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col" className="num">Ratio</th>
            <th scope="col" className="num">Accuracy</th>
            <th scope="col" className="num"><abbr title="change in accuracy against the original model, percentage points, ± half its 95% interval">Δ pts</abbr></th>
            <th scope="col" className="num">Params</th>
            <th scope="col" className="num">FLOPs</th>
            <th scope="col" className="num"><abbr title="latency per image, milliseconds: the unpruned model's, divided by the speed-up">ms</abbr></th>
            <th scope="col" className="num"><abbr title="how many times faster than the unpruned model, timed in turn with it; in brackets its 95% interval">Speed-up</abbr></th>
          </tr>
        </thead>
        <tbody>
          {candidates.map((c) => (
            <tr key={c.index} className={c.index === selected ? 'row-selected' : undefined} onClick={() => pick(c.index)} aria-selected={c.index === selected}>
              <th scope="row">
                <button type="button" className="link" onClick={(e) => { e.stopPropagation(); pick(c.index); }} aria-label={`Pick candidate ${c.index}, ratio ${percent(c.ratio, 0)}`} aria-pressed={c.index === selected}>
                  {c.index}
                </button>
                {c.stage !== 'grid' && (
                  <span className="tag" title={c.stage === 'baseline' ? 'the sparse-trained model, unpruned, folded and recalibrated' : 'a ratio of the refining pass'}>
                    {c.stage === 'baseline' ? 'base' : 'fine'}
                  </span>
                )}
              </th>
              <td className="num">{percent(c.ratio, c.stage === 'refine' ? 1 : 0)}</td>
              <td className="num">{percent(c.accuracy, 2)}</td>
              <td className="num">{reference ? <DropCell {...dropAgainst(c, reference)} /> : '—'}</td>
              <td className="num">{compact(c.params)}</td>
              <td className="num">{compact(c.flops)}</td>
              <td className="num">{fixed(c.latencyMs, 2)}</td>
              <td className="num" data-testid="speedup">{c.speedup ? <SpeedupCell candidate={c} /> : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The paired speed-up against the unpruned model, with its 95% interval. */
function SpeedupCell({ candidate }: { candidate: Candidate }) {
  const [low, high] = candidate.speedupInterval ?? [candidate.speedup!, candidate.speedup!];
  return (
    <>
      {fixed(candidate.speedup!, 2)}×
      <span className="margin" title={`95% interval, ${candidate.speedupPairs ?? '?'} timed pairs`}> {fixed(low, 2)}–{fixed(high, 2)}</span>
    </>
  );
}

/** A change of accuracy with its 95% margin, signed as gained (+) or lost (−). */
function DropCell({ drop, margin }: { drop: number; margin: number }) {
  return (
    <>
      {fixed(-drop, 2)}
      <span className="margin"> ±{fixed(margin, 2)}</span>
    </>
  );
}

function SelectedCandidate() {
  const candidates = useStudio((s) => s.search.candidates);
  const index = useStudio((s) => selectedIndex(s.search));
  const groups = useStudio((s) => s.model.summary?.analysis.groups);
  const trainMs = useStudio((s) => s.training.summary?.elapsedMs);
  const searchMs = useStudio((s) => s.search.elapsedMs);
  const reference = useStudio((s) => s.search.reference);
  const candidate = candidates.find((c) => c.index === index);
  const baseline = baselineOf(candidates);
  if (!candidate || !baseline) return null;
  // The original's size and latency are the unpruned candidate's: the same layers, GFR folded away.
  const originalAccuracy = reference?.accuracy ?? baseline.accuracy;
  return (
    <section className="block selected" aria-labelledby="selected-title" data-testid="selected-candidate">
      <h3 id="selected-title">
        Candidate #{candidate.index}: {percent(candidate.ratio, 1)} of prunable channels removed
      </h3>
      <table className="table figures-table" aria-label="Before and after">
        <thead>
          <tr>
            <th scope="col">Figure</th>
            <th scope="col" className="num">{reference?.basis === 'trained' ? 'Trained, unpruned' : 'Original'}</th>
            <th scope="col" className="num">Selected</th>
            <th scope="col" className="num">Change</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">Accuracy</th>
            <td className="num" data-testid="original-accuracy">{percent(originalAccuracy, 2)}</td>
            <td className="num" data-testid="selected-accuracy">{percent(candidate.accuracy, 2)}</td>
            <td className="num">
              <DropCell {...dropAgainst(candidate, { accuracy: originalAccuracy })} /> pts
            </td>
          </tr>
          <tr>
            <th scope="row">Parameters</th>
            <td className="num">{compact(baseline.params)}</td>
            <td className="num">{compact(candidate.params)}</td>
            <td className="num">{change(baseline.params, candidate.params)}</td>
          </tr>
          <tr>
            <th scope="row">FLOPs / image</th>
            <td className="num">{compact(baseline.flops)}</td>
            <td className="num">{compact(candidate.flops)}</td>
            <td className="num">{change(baseline.flops, candidate.flops)}</td>
          </tr>
          <tr>
            <th scope="row">Weight bytes</th>
            <td className="num">{bytes(baseline.weightBytes)}</td>
            <td className="num">{bytes(candidate.weightBytes)}</td>
            <td className="num">{change(baseline.weightBytes, candidate.weightBytes)}</td>
          </tr>
          <tr>
            <th scope="row">Latency ({candidate.backend})</th>
            <td className="num">{fixed(baseline.latencyMs, 2)} ms</td>
            <td className="num">{fixed(candidate.latencyMs, 2)} ms</td>
            <td className="num">{candidate.speedup && candidate.index !== baseline.index ? <SpeedupCell candidate={candidate} /> : change(baseline.latencyMs, candidate.latencyMs)}</td>
          </tr>
        </tbody>
      </table>
      <p className="hint">
        Time spent: training {duration(trainMs)}, search {duration(searchMs)}.{' '}
        {reference?.basis === 'trained' && reference.loaded
          ? `The model as you loaded it measured ${percent(reference.loaded.accuracy, 2)}; training made it far better, so candidates are compared with the trained model, unpruned.`
          : `Original = the model as you loaded it (after any pretraining), measured as it is; the sparse-trained model, unpruned, reaches ${percent(baseline.accuracy, 2)}.`}{' '}
        Size and latency of the original are the unpruned model's (the same layers). ± is half the 95% interval of the difference, from the
        validation images on which the two models disagree.
      </p>
      {groups && <RemovedChannels candidate={candidate} groups={groups} />}
    </section>
  );
}

function RemovedChannels({ candidate, groups }: { candidate: Candidate; groups: ChannelGroup[] }) {
  const rows = useMemo(
    () =>
      groups
        .filter((g) => g.prunable)
        .map((g) => {
          const kept = new Set(candidate.plan.kept[g.key] ?? Array.from({ length: g.size }, (_, i) => i));
          const removed = Array.from({ length: g.size }, (_, i) => i).filter((i) => !kept.has(i));
          return { group: g, kept: kept.size, removed };
        }),
    [candidate, groups],
  );
  return (
    <table className="table" aria-label="Channels removed per group" data-testid="removed-channels">
      <thead>
        <tr>
          <th scope="col">Group (layers)</th>
          <th scope="col" className="num">Kept</th>
          <th scope="col">Removed channels</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ group, kept, removed }) => (
          <tr key={group.key}>
            <th scope="row">
              {group.key}
              <span className="muted"> ({group.members.map((m) => m.layer).join(', ')})</span>
            </th>
            <td className="num">
              {kept}/{group.size}
              <span className="keep-bar" aria-hidden="true">
                <span style={{ width: `${(kept / group.size) * 100}%` }} />
              </span>
            </td>
            <td className="channels">{indexRanges(removed)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const QUANTIZATIONS = [
  { value: 'none', label: 'float32' },
  { value: 'float16', label: 'float16 kernels (½ size)' },
  { value: 'uint8', label: 'uint8 kernels (¼ size)' },
] as const;
type QuantizationChoice = (typeof QUANTIZATIONS)[number]['value'];

function ExportBlock() {
  const index = useStudio((s) => selectedIndex(s.search));
  const candidate = useStudio((s) => s.search.candidates.find((c) => c.index === selectedIndex(s.search)));
  const exported = useStudio((s) => s.exported);
  const searching = useStudio((s) => s.search.state === 'running');
  const exportCandidate = useStudio((s) => s.exportCandidate);
  const exportOriginalOnnx = useStudio((s) => s.exportOriginalOnnx);
  const exportable = useStudio((s) => s.search.exportable);
  // A model that came as ONNX goes back as ONNX unless the user picks another format.
  const onnxLayout = useStudio((s) => s.model.summary?.onnx?.inputLayout);
  const cameAsOnnx = onnxLayout !== undefined;
  const [format, setFormat] = useState<ExportFormat>(cameAsOnnx ? 'onnx' : 'files');
  const [quantization, setQuantization] = useState<QuantizationChoice>('none');
  const name = useId();
  if (index === null) return null;
  const quantized = format !== 'onnx' && quantization !== 'none' ? quantization : undefined;
  const current = exportMatches(exported, index, format, quantized);
  // A candidate restored after a reload may have come back without its model (too large to keep).
  const lost = exportable !== null && !exportable.includes(index);
  const busy = exported.state === 'running' || searching;
  return (
    <section className="block export" aria-labelledby="export-title">
      <h3 id="export-title">Download</h3>
      <p className="hint">
        A standard TensorFlow.js LayersModel without GFR layers: it loads with plain <code>tf.loadLayersModel</code>. Or one ONNX file
        (opset 13, {onnxLayout ?? 'NHWC'} input of pixels in [0, 1]) for onnxruntime and other runtimes. The report holds the figures
        above, every candidate, and how to feed the model outside the studio.
      </p>
      <div className="rule" role="radiogroup" aria-label="Model format">
        <label>
          <input type="radio" name={name} checked={format === 'files'} onChange={() => setFormat('files')} /> model.json + weights.bin
        </label>
        <label>
          <input type="radio" name={name} checked={format === 'zip'} onChange={() => setFormat('zip')} /> one zip
        </label>
        <label>
          <input type="radio" name={name} checked={format === 'onnx'} onChange={() => setFormat('onnx')} data-testid="format-onnx" /> ONNX
        </label>
      </div>
      {format !== 'onnx' && (
        <div className="field-grid">
          <SelectField
            label="Weight precision"
            value={quantization}
            options={QUANTIZATIONS.map((q) => ({ value: q.value, label: q.label }))}
            onChange={setQuantization}
            hint="Quantized kernels are measured on the validation images before the download; tfjs turns them back into float32 as it loads."
          />
        </div>
      )}
      <div className="controls">
        <button type="button" onClick={() => void exportCandidate(format, quantized)} disabled={busy || lost} data-testid="export">
          Prepare candidate #{index} for download
        </button>
        {format === 'onnx' && (
          <button type="button" className="secondary" onClick={() => void exportOriginalOnnx()} disabled={busy} data-testid="export-original-onnx">
            Prepare the original model (unpruned)
          </button>
        )}
      </div>
      {lost && (
        <p className="notice" data-testid="export-lost">
          Candidate #{index} came back from your last visit without its model (too large to keep): run the search again to download it.
        </p>
      )}
      {exported.state === 'running' && <Busy>{exported.quantization ? `Measuring the candidate with ${exported.quantization} kernels, then building the files…` : 'Building the model files…'}</Busy>}
      <StageError message={exported.error} testId="export-error" />
      {current && exported.quantized && exported.quantization && candidate && (
        <p className="hint" data-testid="quantized-figures">
          Pruned + {exported.quantization}: accuracy {percent(exported.quantized.accuracy, 2)} (float32 {percent(candidate.accuracy, 2)}), weights{' '}
          {bytes(exported.quantized.weightBytes)} (float32 {bytes(candidate.weightBytes)}).
        </p>
      )}
      {current && (
        <ul className="downloads" aria-label="Files to download" data-testid="downloads">
          {exported.files.map((f) => (
            <li key={f.name}>
              <a href={f.url} download={f.name} className={f.kind === 'model' ? 'download download-main' : 'download'}>
                {f.kind === 'model' ? 'Download' : 'Report'} {f.name}
              </a>{' '}
              <span className="muted">{bytes(f.size)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
