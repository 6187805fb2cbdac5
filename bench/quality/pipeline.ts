/**
 * The two jobs of the quality benchmark, each runnable in its own process:
 * normal training of a task's model (the common start), and one criterion
 * from that start (sparse training where the criterion needs it, the main
 * grid search, and the ablation searches). Engine calls only: the bench adds
 * bookkeeping, not method.
 */
import '../../src/engine/gfr/gfrLayer';
import type { ImageDataset, ModelSpec } from '../../src/engine/core/types';
import { batchCount, subsetDataset } from '../../src/engine/data/split';
import { analyzeModel } from '../../src/engine/graph/analyze';
import { modelFromSpec, specFromModel } from '../../src/engine/io/modelSpec';
import { type CriterionName, RANKING_MODES, type RankingMode } from '../../src/contract/criteria';
import { DEFAULT_SEARCH_SETTINGS, DEFAULT_TRAIN_SETTINGS, type SearchSettings, type TrainSettings } from '../../src/contract/settings';
import type { TrainEvent, TrainSummary } from '../../src/contract/events';
import { changeText, CONFIDENCE_Z, DEFAULT_TOLERANCE } from '../../src/contract/select';
import { shuffledIndices } from '../../src/engine/core/random';
import { evaluate } from '../../src/engine/eval/evaluate';
import { pairedStandardError } from '../../src/engine/eval/pairedDifference';
import { CompressionSession, trainingModeFor } from '../../src/engine/session';
import { sparsityProgress } from '../../src/contract/sparsityText';
import { buildBuiltinModel } from '../../src/engine/zoo';
import { readTaskModel, type TaskData } from './data';
import { isModelFile, REPORTED_RATIOS, type QualityTask } from './tasks';
import type { CandidateRow, CriterionResult, GateStats, PretrainResult, SearchRun, SelectedFigure, TrainingRun, UnseenCheck } from './types';
import { baselineOf, type Candidate } from '../../src/contract/candidate';
import { ROUND_TO } from '../../src/contract/settings';
import { WIDTH_CRITERIA, widthRuns, type WidthSelection, type WidthsRequest } from './widths';

export const TOLERANCE = DEFAULT_TOLERANCE;

interface Variant {
  label: string;
  compensate: boolean;
  recalibrate: boolean;
  ranking: RankingMode;
}

const DEFAULT_VARIANT: Variant = { label: 'default', compensate: true, recalibrate: true, ranking: DEFAULT_SEARCH_SETTINGS.ranking };

/** Ablations of compensation and BN recalibration, and the other ranking modes. */
export const ABLATIONS: Variant[] = [
  { label: 'no compensation', compensate: false, recalibrate: true, ranking: DEFAULT_VARIANT.ranking },
  { label: 'no recalibration', compensate: true, recalibrate: false, ranking: DEFAULT_VARIANT.ranking },
  { label: 'neither', compensate: false, recalibrate: false, ranking: DEFAULT_VARIANT.ranking },
  ...RANKING_MODES.filter((mode) => mode !== DEFAULT_VARIANT.ranking).map((ranking) => ({ label: `${ranking} ranking`, compensate: true, recalibrate: true, ranking })),
];

/** Criteria whose ablations are measured (random's tell nothing about the method). */
export const ABLATED_CRITERIA: CriterionName[] = ['gfr', 'gamma', 'l1'];

export function trainSettingsFor(task: QualityTask, epochs: number, overrides: Partial<TrainSettings> = {}): TrainSettings {
  return { ...DEFAULT_TRAIN_SETTINGS, ...overrides, epochs, batchSize: task.batchSize, ...(task.maxSteps ? { maxSteps: task.maxSteps } : {}) };
}

export function searchSettingsFor(task: QualityTask, criterion: CriterionName, variant: Variant = DEFAULT_VARIANT, ratios = task.ratios): SearchSettings {
  return {
    ...DEFAULT_SEARCH_SETTINGS,
    criterion,
    ratios,
    refineSteps: ratios === task.ratios ? task.refineSteps : 0,
    recalibrationBatches: task.recalibrationBatches,
    latencyRuns: task.latencyRuns,
    compensate: variant.compensate,
    recalibrate: variant.recalibrate,
    ranking: variant.ranking,
    // The benchmark reports accuracy at fixed ratios (REPORTED_RATIOS, the ablations): every ratio is measured, even
    // past the point where accuracy collapsed (docs/METHOD.md §5.1).
    fullGrid: true,
  };
}

export type Log = (line: string) => void;

/**
 * The start of every criterion: the task's built-in model, built with seeded weights and trained normally;
 * or its model file, loaded as it is (no training). Either way measured on the validation images.
 */
export async function pretrainJob(task: QualityTask, data: TaskData, log: Log): Promise<{ spec: ModelSpec; result: PretrainResult }> {
  const { train } = data;
  let session: CompressionSession;
  let training: TrainingRun | null = null;
  if (isModelFile(task.model)) {
    session = new CompressionSession(await readTaskModel(task.model), data, { trainedStart: true });
    log(`${task.name} start: ${task.model.path} as loaded (no training)`);
  } else {
    const model = buildBuiltinModel(task.model, { inputShape: [train.height, train.width, train.channels], numClasses: train.numClasses, seed: 1 });
    const initial = await specFromModel(model);
    model.dispose();
    session = new CompressionSession(initial, data);
    const settings = trainSettingsFor(task, task.pretrainEpochs);
    const recorder = trainingRecorder(`${task.name} pretrain`, log);
    const summary = await session.pretrain(settings, { onEvent: recorder.onEvent });
    training = trainingRun(summary, settings, data, recorder.trace);
  }
  const analysis = analyzeModel(session.original);
  const { accuracy } = await session.reference();
  log(`${task.name} start: ${(accuracy * 100).toFixed(2)}% on the ${data.validation.count} validation images`);
  return {
    spec: session.original,
    result: {
      spec: { params: analysis.params, flops: analysis.flops, prunableChannels: analysis.prunableChannels },
      training,
      images: { fit: session.fit.count, calibration: session.calibration.count },
      accuracy,
    },
  };
}

export async function criterionJob(
  task: QualityTask,
  data: TaskData,
  pretrained: ModelSpec,
  criterion: CriterionName,
  log: Log,
  overrides: Partial<TrainSettings> = {},
  { label = criterion, ablations = true, widths }: { label?: string; ablations?: boolean; widths?: WidthsRequest } = {},
): Promise<CriterionResult> {
  const { judged, unseen } = heldOutHalves(data.validation);
  const session = new CompressionSession(pretrained, { train: data.train, validation: judged }, { trainedStart: true });
  const original = await session.reference();
  let training: TrainingRun | null = null;
  if (trainingModeFor(criterion) !== 'plain') {
    const settings = trainSettingsFor(task, task.sparseEpochs, overrides);
    const recorder = trainingRecorder(`${task.name} ${label}`, log);
    const summary = await session.train(criterion, settings, { onEvent: recorder.onEvent });
    training = trainingRun(summary, settings, data, recorder.trace);
  }
  const settings = searchSettingsFor(task, criterion);
  const search = await runSearch(session, settings, DEFAULT_VARIANT, log, `${task.name} ${label}`);
  const baseline = baselineOf(search.candidates)!;
  const choice = await chooseAndCheck(session, baseline, unseen, search, log, `${task.name} ${label}`);
  const widthsMeasured = widths && WIDTH_CRITERIA.includes(criterion)
    ? await widthRuns(widths, async (roundTo) => {
      if (roundTo === (settings.roundTo ?? ROUND_TO)) return choice;
      // The rule takes nothing past the first failing ratio: the grid may stop where accuracy collapsed.
      const rounded = await runSearch(session, { ...settings, roundTo, fullGrid: false }, DEFAULT_VARIANT, log, `${task.name} ${label}, rounded to ${roundTo}`);
      return chooseAndCheck(session, baseline, unseen, rounded, log, `${task.name} ${label}, rounded to ${roundTo}`);
    })
    : undefined;
  const variants: SearchRun[] = [];
  if (ablations && ABLATED_CRITERIA.includes(criterion) && task.ablationRatios.length > 0) {
    for (const variant of ABLATIONS) {
      variants.push(await runSearch(session, searchSettingsFor(task, criterion, variant, task.ablationRatios), variant, log, `${task.name} ${criterion} ${variant.label}`));
    }
  }
  return {
    criterion,
    training,
    gates: criterion === 'gfr' ? gateStats(session.trained) : null,
    baselineAccuracy: baseline.accuracy,
    atRatios: Object.fromEntries(REPORTED_RATIOS.map((ratio) => [String(ratio), figureAt(search.candidates, ratio)])),
    original: { accuracy: original.accuracy, calibrationAccuracy: original.calibrationAccuracy },
    selected: choice.figure,
    verdict: choice.verdict,
    unseen: choice.unseen,
    search,
    variants,
    ...(widthsMeasured ? { widths: widthsMeasured } : {}),
  };
}

/** The tolerance rule's choice of the session's latest search, its verdict, and its check on the unseen images. */
async function chooseAndCheck(session: CompressionSession, baseline: CandidateRow, unseen: ImageDataset, search: SearchRun, log: Log, label: string): Promise<WidthSelection> {
  const selected = session.select({ kind: 'tolerance', tolerance: TOLERANCE });
  const { status, withinTolerance, drop, margin, message } = session.verdict(selected, TOLERANCE);
  log(`${label}: ${message}`);
  const unseenCheck = selected ? await measureOnUnseen(session, selected.index, unseen) : null;
  if (unseenCheck) log(`${label}: on ${unseenCheck.images} unseen images ${changeText(unseenCheck.drop, unseenCheck.margin)}`);
  return {
    figure: selected ? selectedFigure(selected, baseline) : null,
    verdict: { status, withinTolerance, drop, margin, message },
    unseen: unseenCheck,
    spec: selected ? session.candidateSpec(selected.index) : null,
    candidates: search.candidates.length,
    elapsedMs: search.elapsedMs,
  };
}

/**
 * The task's held-out images in two seeded halves: the run's validation images (every figure it reports, and its
 * verdict), and images no part of the run sees, on which the verdict is checked as a user would check it.
 */
export function heldOutHalves(validation: ImageDataset): { judged: ImageDataset; unseen: ImageDataset } {
  const order = shuffledIndices(validation.count, UNSEEN_SEED);
  const half = Math.floor(validation.count / 2);
  return {
    judged: subsetDataset(validation, order.subarray(0, half), `${validation.source}, the run's validation half`),
    unseen: subsetDataset(validation, order.subarray(half), `${validation.source}, the unseen half`),
  };
}

const UNSEEN_SEED = 11;

/** The selected candidate against the start as loaded, on images the run never saw: change in points and its 95% margin. */
async function measureOnUnseen(session: CompressionSession, index: number, unseen: ImageDataset): Promise<UnseenCheck> {
  const hitsOf = async (spec: ModelSpec) => {
    const model = await modelFromSpec(spec);
    try {
      return await evaluate(model, unseen, { keepHits: true });
    } finally {
      model.dispose();
    }
  };
  const original = await hitsOf(session.original);
  const selected = await hitsOf(session.candidateSpec(index));
  return {
    images: unseen.count,
    original: original.accuracy,
    selected: selected.accuracy,
    drop: (original.accuracy - selected.accuracy) * 100,
    margin: CONFIDENCE_Z * pairedStandardError(original.hits!, selected.hits!) * 100,
  };
}

async function runSearch(session: CompressionSession, settings: SearchSettings, variant: Variant, log: Log, label: string): Promise<SearchRun> {
  const start = performance.now();
  const candidates: CandidateRow[] = [];
  for await (const { candidate } of session.search(settings)) {
    candidates.push(candidateRow(candidate));
    log(`${label}: ratio ${candidate.ratio} (${candidate.stage}) accuracy ${(candidate.accuracy * 100).toFixed(2)}%`);
  }
  return { ...variant, elapsedMs: performance.now() - start, candidates };
}

function candidateRow(candidate: Candidate): CandidateRow {
  const { ratio, stage, accuracy, calibrationAccuracy, calibrationNoise, loss, params, flops, weightBytes, latencyMs, keptChannels, prunableChannels } = candidate;
  return { ratio, stage, accuracy, calibrationAccuracy, calibrationNoise, loss, params, flops, weightBytes, latencyMs, keptChannels, prunableChannels };
}

/** The candidate at `ratio`, or at the largest grid ratio below it when the two plans coincided. */
export function figureAt(candidates: CandidateRow[], ratio: number): CriterionResult['atRatios'][string] {
  const below = candidates.filter((candidate) => candidate.stage !== 'refine' && candidate.ratio <= ratio + 1e-9).sort((a, b) => b.ratio - a.ratio);
  const candidate = below[0];
  if (!candidate) return null;
  return { ratio: candidate.ratio, accuracy: candidate.accuracy, removedShare: 1 - candidate.keptChannels / candidate.prunableChannels };
}

function selectedFigure(selected: Candidate, baseline: CandidateRow): SelectedFigure {
  return {
    ratio: selected.ratio,
    accuracy: selected.accuracy,
    params: selected.params,
    flops: selected.flops,
    paramsRemoved: 1 - selected.params / baseline.params,
    flopsRemoved: 1 - selected.flops / baseline.flops,
  };
}

/** Range of the GFR relationship factors sr per GFR layer (issue 6: do the gates carry information?). */
function gateStats(spec: ModelSpec): GateStats[] {
  return spec.layers
    .filter((layer) => layer.weights.sr)
    .map((layer) => {
      const values = Array.from(layer.weights.sr.values);
      return { layer: layer.name, min: Math.min(...values), mean: values.reduce((a, b) => a + b, 0) / values.length, max: Math.max(...values) };
    });
}

const TRACE_POINTS = 60;

function trainingRecorder(label: string, log: Log): { onEvent: (event: TrainEvent) => void; trace: TrainingRun['trace'] } {
  const trace: TrainingRun['trace'] = [];
  let lastLog = 0;
  return {
    trace,
    onEvent(event) {
      if (event.kind !== 'step') return;
      const every = Math.max(1, Math.floor(event.totalSteps / TRACE_POINTS));
      if (event.sparsity && (event.step % every === 0 || event.step === event.totalSteps)) {
        const { zeroShare, freedFlopsShare, targetShare, lambda } = event.sparsity;
        trace.push({ step: event.step, zeroShare, freedFlopsShare, targetShare, lambda, loss: event.loss });
      }
      if (performance.now() - lastLog > 30_000 || event.step === event.totalSteps) {
        lastLog = performance.now();
        const zeros = event.sparsity ? `, ${sparsityProgress(event.sparsity)}` : '';
        log(`${label}: step ${event.step}/${event.totalSteps}, loss ${event.loss.toFixed(3)}, ${event.imagesPerSec.toFixed(0)} img/s${zeros}`);
      }
    },
  };
}

function trainingRun(summary: TrainSummary, settings: TrainSettings, data: TaskData, trace: TrainingRun['trace']): TrainingRun {
  const stepsPerEpoch = batchCount(data.train, settings.batchSize);
  return {
    epochs: settings.epochs,
    learningRate: settings.learningRate,
    steps: summary.steps,
    elapsedMs: summary.elapsedMs,
    epochMs: (summary.elapsedMs / Math.max(1, summary.steps)) * stepsPerEpoch,
    imagesPerSec: summary.imagesPerSec,
    lastLoss: summary.lastLoss,
    lastAccuracy: summary.lastAccuracy,
    zeroShare: summary.sparsity?.zeroShare ?? null,
    zeroShareByGroup: summary.sparsity?.zeroShareByGroup ?? null,
    freedFlopsShare: summary.sparsity?.freedFlopsShare ?? null,
    trace,
  };
}
