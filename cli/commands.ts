/** The command line's three commands: analyze, prune, eval. */
import { join } from 'node:path';
import { UserError } from '../src/engine/core/errors';
import { evaluate } from '../src/engine/eval/evaluate';
import { RANKING_MODES } from '../src/contract/criteria';
import { OUTPUT_KIND_TEXT } from '../src/contract/outputKind';
import type { ExportedModel } from '../src/engine/export/usage';
import { measureLatency } from '../src/engine/eval/latency';
import { analyzeModel } from '../src/engine/graph/analyze';
import { withInputScaling, type NamedBytes } from '../src/engine/io/modelFiles';
import { countSpecParams, modelFromSpec } from '../src/engine/io/modelSpec';
import { criterionByName } from '../src/engine/score/importance';
import type { SearchStep } from '../src/engine/search/gridSearch';
import { gridStopText, isCollapsed } from '../src/contract/gridStop';
import { inRange, RANGES, rangeText } from '../src/contract/ranges';
import { changeText, DEFAULT_TOLERANCE, dropAgainst, type BudgetMetric, type SelectionRule } from '../src/contract/select';
import { buildReport, reportSummary, speedupText } from '../src/engine/report';
import { DEFAULT_SEARCH_SETTINGS, DEFAULT_TRAIN_SETTINGS, GATE_PENALTIES, LATENCY, ROUND_TO, type SearchSettings, TARGET_KINDS, TRAINED_START_SETTINGS, type TrainSettings } from '../src/contract/settings';
import { CompressionSession } from '../src/engine/session';
import { AUGMENTATIONS, defaultLearningRate, OPTIMIZERS } from '../src/contract/settings';
import { augmentationText, type TrainEvent, type TrainSummary } from '../src/contract/events';
import { declaredOutputKind, specOutputView } from '../src/engine/eval/outputKind';
import { isBuiltinModelName } from '../src/engine/zoo';
import { sparsityProgress } from '../src/contract/sparsityText';
import { choiceFlag, listFlag, numberFlag, UncertainVerdict, UsageError, wholeFlag, type Flags } from './args';
import { modelFilesWeightsFirst } from './modelFiles';
import { prepareOutputFolder, type OutputFolder } from './outputFolder';
import { DEFAULT_DATA_SHAPE, loadEvalInputs, loadInputs, loadModel, ownValidation, selectBackend, splitData } from './setup';
import { baselineOf, WEIGHT_QUANTIZATIONS } from '../src/contract/candidate';

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const print = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

export async function analyzeCommand(positionals: string[]): Promise<void> {
  await selectBackend({});
  const spec = await loadModel(positionals[0], DEFAULT_DATA_SHAPE);
  const analysis = analyzeModel(spec);
  print({
    model: analysis.modelName,
    params: analysis.params,
    flops: analysis.flops,
    prunableChannels: analysis.prunableChannels,
    totalChannels: analysis.totalChannels,
    // What the last layers say; where they leave it open, `prune` decides from the outputs on the data.
    outputKind: declaredOutputKind(specOutputView(spec)) ?? 'not stated by the last layer',
    layers: analysis.layers.map(({ name, className, role, outputShape, params, flops, reason }) => ({ name, className, role, outputShape, params, flops, ...(reason ? { reason } : {}) })),
    groups: analysis.groups.map(({ key, size, members, prunable, reasons }) => ({ key, size, members, prunable, ...(reasons.length ? { reasons } : {}) })),
    unprunable: analysis.groups.filter((group) => !group.prunable).map((group) => ({ group: group.key, channels: group.size, reasons: group.reasons })),
    unsupportedLayers: analysis.unsupportedLayers,
  });
}

/** `--target auto` (the default) or a share. */
function targetFlags(flags: Flags): Pick<TrainSettings, 'target' | 'targetMode'> {
  if (flags.target === undefined || flags.target === 'auto') return { target: DEFAULT_TRAIN_SETTINGS.target, targetMode: 'auto' };
  return { target: numberFlag(flags.target, 'target', DEFAULT_TRAIN_SETTINGS.target, (n) => inRange(n, RANGES.targetShare), `'auto' or a share in ${rangeText(RANGES.targetShare)}`), targetMode: 'fixed' };
}

/**
 * `trainedStart`: sparse training of a trained model, with the trained-start
 * recipe's defaults (TRAINED_START_SETTINGS: optimizer, rate, distillation,
 * augmentation); an --optimizer given alone gets that optimizer's default rate
 * (--optimizer sgd: 0.01).
 */
function trainSettings(flags: Flags, epochs: number, trainedStart = false): TrainSettings {
  const defaults = trainedStart ? { ...DEFAULT_TRAIN_SETTINGS, ...TRAINED_START_SETTINGS } : DEFAULT_TRAIN_SETTINGS;
  const optimizer = choiceFlag(flags.optimizer, 'optimizer', OPTIMIZERS, defaults.optimizer ?? 'adam');
  const learningRate = optimizer === defaults.optimizer ? defaults.learningRate : defaultLearningRate(optimizer, trainedStart);
  return {
    ...defaults,
    epochs,
    batchSize: wholeFlag(flags['batch-size'], 'batch-size', DEFAULT_TRAIN_SETTINGS.batchSize, 1),
    optimizer,
    learningRate: numberFlag(flags['learning-rate'], 'learning-rate', learningRate, (n) => n > 0, 'a number > 0'),
    weightDecay: numberFlag(flags['weight-decay'], 'weight-decay', defaults.weightDecay ?? 0, (n) => n >= 0, 'a number ≥ 0'),
    augmentation: choiceFlag(flags.augment, 'augment', AUGMENTATIONS, defaults.augmentation ?? 'auto'),
    lambdaGamma: numberFlag(flags['lambda-gamma'], 'lambda-gamma', DEFAULT_TRAIN_SETTINGS.lambdaGamma, (n) => n >= 0, 'a number ≥ 0'),
    lambdaS: numberFlag(flags['lambda-s'], 'lambda-s', DEFAULT_TRAIN_SETTINGS.lambdaS, (n) => n >= 0, 'a number ≥ 0'),
    gatePenalty: choiceFlag(flags['gate-penalty'], 'gate-penalty', GATE_PENALTIES, DEFAULT_TRAIN_SETTINGS.gatePenalty),
    gateTemperature: numberFlag(flags['gate-temperature'], 'gate-temperature', DEFAULT_TRAIN_SETTINGS.gateTemperature, (n) => n > 0, 'a number > 0'),
    seed: wholeFlag(flags.seed, 'seed', DEFAULT_TRAIN_SETTINGS.seed),
    ...targetFlags(flags),
    targetKind: choiceFlag(flags['target-of'], 'target-of', TARGET_KINDS, DEFAULT_TRAIN_SETTINGS.targetKind),
    distillation: numberFlag(flags.distill, 'distill', defaults.distillation, (n) => n >= 0 && n <= 1, 'a share in [0, 1]'),
    distillTemperature: numberFlag(flags['distill-temperature'], 'distill-temperature', DEFAULT_TRAIN_SETTINGS.distillTemperature, (n) => n > 0, 'a number > 0'),
    tolerance: toleranceFlag(flags),
  };
}

/** What training decided before its first step: the augmentation and the start's BN statistics. */
function trainingDecisions(summary: TrainSummary): void {
  if (summary.augmentation) log(augmentationText(summary.augmentation));
  const start = summary.recalibratedStart;
  if (start) {
    const figures = `${(start.after * 100).toFixed(1)}% on the calibration images with BN statistics measured on the training images, ${(start.before * 100).toFixed(1)}% as loaded`;
    log(start.kept ? `start: the original with recalibrated BN statistics (${figures})` : `start: the original as loaded (${figures})`);
  }
}

/** One progress line per epoch and at most one per 5 seconds. */
function trainingProgress(label: string): (event: TrainEvent) => void {
  let lastLine = 0;
  return (event) => {
    if (event.kind === 'epoch') return log(`${label}: epoch ${event.epoch}/${event.epochs} done`);
    if (performance.now() - lastLine < 5000 && event.step !== event.totalSteps) return;
    lastLine = performance.now();
    const zeros = event.sparsity ? ` ${sparsityProgress(event.sparsity)}` : '';
    const guard = event.guard ? ` guard ${(event.guard.accuracy * 100).toFixed(1)}% ± ${((event.guard.noise ?? 0) * 100).toFixed(1)} (floor ${(event.guard.floor * 100).toFixed(1)}%${event.guard.restoredFrom !== undefined ? `: back to step ${event.guard.restoredFrom}, slower` : ''})` : '';
    log(`${label}: step ${event.step}/${event.totalSteps} loss ${event.loss.toFixed(4)} acc ${(event.accuracy * 100).toFixed(1)}% ${event.imagesPerSec.toFixed(0)} img/s${zeros}${guard}`);
  };
}

export async function pruneCommand(positionals: string[], flags: Flags): Promise<void> {
  if (!flags.out) throw new UsageError('Give an output folder with --out DIR.');
  const out = prepareOutputFolder(flags.out, flags.overwrite ?? false);
  try {
    await prune(positionals, flags, out);
  } finally {
    out.discard();
  }
}

async function prune(positionals: string[], flags: Flags, out: OutputFolder): Promise<void> {
  const criterion = criterionByName(flags.criterion ?? 'gfr').name;
  const epochs = wholeFlag(flags.epochs, 'epochs', DEFAULT_TRAIN_SETTINGS.epochs);
  const pretrainEpochs = wholeFlag(flags['pretrain-epochs'], 'pretrain-epochs', 0);
  const tolerance = toleranceFlag(flags);
  if (epochs === 0 && criterion === 'gfr') {
    throw new UsageError("--epochs 0 prunes the model as it is, which needs a criterion without retraining: use --criterion l1 or gamma (gfr needs sparse training).");
  }
  const askedFormat = flags.format === undefined ? undefined : choiceFlag(flags.format, 'format', ['tfjs', 'onnx'] as const, 'tfjs');
  const quantization = flags.quantize === undefined ? undefined : choiceFlag(flags.quantize, 'quantize', WEIGHT_QUANTIZATIONS, 'float16');
  if (quantization && askedFormat === 'onnx') throw new UserError('--quantize applies to the tfjs format; the ONNX file is float32. Drop one of --quantize and --format onnx.');
  const backend = await selectBackend(flags);
  const { spec: model, data, scaling, validation, notes, onnx } = await loadInputs(positionals[0], flags);
  // A model that came as ONNX goes back as ONNX, unless another format (or quantized kernels) is asked for.
  const format = askedFormat ?? (onnx && !quantization ? 'onnx' : 'tfjs');
  for (const note of notes) log(`warning: ${note}`);
  const split = splitData(data, flags, validation);
  // A built-in model is built untrained: it is a trained start only after --pretrain-epochs.
  const session = new CompressionSession(model, split, { trainedStart: !isBuiltinModelName(positionals[0] ?? '') });
  const validationFrom = split.separateValidation ? `from --val-data ${split.validation.source}` : '(held out from the data)';
  log(`backend ${backend}; data ${data.source}: ${session.fit.count} training, ${session.calibration.count} calibration and ${session.guardImages.count} guard images (held out from training), ${split.validation.count} validation images ${validationFrom}`);

  const timings = { pretrainMs: 0, trainMs: 0, searchMs: 0 };
  let pretraining;
  if (pretrainEpochs > 0) {
    pretraining = await session.pretrain(trainSettings(flags, pretrainEpochs), { onEvent: trainingProgress('pretrain') });
    timings.pretrainMs = pretraining.elapsedMs;
  }
  const reference = await session.reference();
  const startAccuracy = reference.accuracy;
  log(`original model${pretrainEpochs > 0 ? ' (after pretraining)' : ', as loaded'}: ${(reference.accuracy * 100).toFixed(2)}% on the validation images, ${(reference.calibrationAccuracy * 100).toFixed(2)}% on the calibration images; it outputs ${OUTPUT_KIND_TEXT[reference.outputKind]}`);
  let training;
  if (epochs > 0) {
    const settings = trainSettings(flags, epochs, session.trainedStart);
    log(`sparse training: ${settings.optimizer === 'sgd' ? `SGD (momentum 0.9, cosine from ${settings.learningRate}, weight decay ${settings.weightDecay} on kernels)` : `Adam at ${settings.learningRate}`}${session.trainedStart ? `, distillation ${settings.distillation} at T = ${settings.distillTemperature}` : ''}`);
    training = await session.train(criterion, settings, { onEvent: trainingProgress(`train (${criterion})`) });
    trainingDecisions(training);
    timings.trainMs = training.elapsedMs;
  }
  const settings: SearchSettings = {
    ...DEFAULT_SEARCH_SETTINGS,
    criterion,
    ranking: choiceFlag(flags.ranking, 'ranking', RANKING_MODES, DEFAULT_SEARCH_SETTINGS.ranking),
    tolerance,
    ratios: listFlag(flags.ratios, 'ratios') ?? DEFAULT_SEARCH_SETTINGS.ratios,
    compensate: !flags['no-compensate'],
    recalibrate: !flags['no-recalibrate'],
    seed: wholeFlag(flags.seed, 'seed', 1),
    fullGrid: flags['full-grid'] ?? false,
    latencyBudgetMs: numberFlag(flags['latency-budget'], 'latency-budget', LATENCY.budgetMs, (n) => n > 0, 'a number of milliseconds > 0'),
    roundTo: numberFlag(flags['round-to'], 'round-to', ROUND_TO, (n) => Number.isInteger(n) && inRange(n, RANGES.roundTo), `a whole number in ${rangeText(RANGES.roundTo)} (1: no rounding; 4, 8 or 16)`),
  };
  const rule = selectionRule(flags, tolerance);
  const searchStart = performance.now();
  await logSearch(session.search(settings), session);
  const stop = session.gridStop;
  if (stop) log(`${gridStopText(stop)}; --full-grid measures the rest`);
  // A budget may only be met past the stop (or only by a collapsed candidate, where a skipped one may do better):
  // then the rest is measured, so that a budget selects what the full grid would.
  const chosen = session.select(rule);
  if (stop && rule.kind === 'budget' && (!chosen || isCollapsed(chosen, session.requireReference(), tolerance))) {
    log(`no candidate before the stop meets --budget ${flags.budget} without collapsing: measuring the rest of the grid`);
    await logSearch(session.searchRest(), session);
  }
  timings.searchMs = performance.now() - searchStart;
  // The tolerance rule always chooses (when nothing is surely within, the most accurate); a budget may leave none.
  const selected = session.select(rule);
  if (!selected) throw new UserError('No candidate meets the budget; raise it, or drop --budget to select by tolerance.');
  const verdict = session.verdict(selected, tolerance);
  const baseline = baselineOf(session.candidates)!;
  log(`selected ratio ${selected.ratio}: accuracy ${(selected.accuracy * 100).toFixed(2)}% (original ${(reference.accuracy * 100).toFixed(2)}%, sparse-trained unpruned ${(baseline.accuracy * 100).toFixed(2)}%), params ${selected.params}/${baseline.params}, FLOPs ${selected.flops}/${baseline.flops} (−${(100 * (1 - selected.flops / baseline.flops)).toFixed(1)}%)`);
  if (verdict.status === 'beyond' && !flags.force) {
    throw new UserError(`${verdict.message} Nothing was written (--force writes it anyway). ${CLI_ADVICE}`);
  }
  const exported: ExportedModel = {
    format, quantization, inputScaling: scaling, inputShape: [data.height, data.width, data.channels], normalizationInside: format === 'onnx' && !flags['no-onnx-normalization'],
    // The user's input name and NCHW layout, so the file drops into their onnxruntime or PyTorch-side pipeline.
    ...(format === 'onnx' && onnx ? { inputLayout: onnx.inputLayout, inputName: onnx.inputName } : {}),
  };
  if (quantization) {
    const figures = await session.measureQuantized(selected.index, quantization);
    log(`with ${quantization} kernels: accuracy ${(figures.accuracy * 100).toFixed(2)}%, weights.bin ${figures.weightBytes} bytes (float32: ${selected.weightBytes})`);
  }
  const report = buildReport({
    session, selected, backend, modelSource: positionals[0], criterion,
    trainSettings: trainSettings(flags, epochs, session.trainedStart), searchSettings: settings, pretraining, training, startAccuracy, timings, exported,
  });
  const encoder = new TextEncoder();
  const modelFiles = exportedModelFiles(session, selected.index, exported);
  out.commit([
    ...modelFiles,
    { name: 'report.json', bytes: encoder.encode(JSON.stringify({ ...report, preprocessing: { inputScaling: scaling, inputSize: [data.height, data.width, data.channels] } }, null, 2)) },
    { name: 'report.md', bytes: encoder.encode(reportSummary(report)) },
  ]);
  log(`wrote ${modelFiles.map((file) => join(out.path, file.name)).join(', ')}, report.json and report.md`);
  if (verdict.status === 'uncertain') throw new UncertainVerdict(`${verdict.message} The files were written; ${CLI_UNCERTAIN_ADVICE}`);
  if (verdict.status === 'beyond') throw new UserError(`${verdict.message} ${CLI_ADVICE}`);
  log(verdict.message);
}

/** One line per candidate as the search measures it. */
async function logSearch(steps: AsyncGenerator<SearchStep>, session: CompressionSession): Promise<void> {
  for await (const { candidate } of steps) {
    const { drop, margin } = dropAgainst(candidate, session.requireReference());
    const speed = candidate.speedup ? `, ${speedupText(candidate)} faster` : '';
    log(`candidate ${candidate.index} (${candidate.stage}) ratio ${candidate.ratio}: accuracy ${(candidate.accuracy * 100).toFixed(2)}% (${changeText(drop, margin)}), params ${candidate.params}, FLOPs ${candidate.flops}${speed}`);
  }
}

/** The selected candidate's files in the chosen format (weights before model.json, as the folder is committed). */
function exportedModelFiles(session: CompressionSession, index: number, exported: ExportedModel): NamedBytes[] {
  if (exported.format === 'onnx') {
    const { inputScaling, normalizationInside: normalize, inputLayout, inputName } = exported;
    return [{ name: 'model.onnx', bytes: session.exportOnnx(index, { inputScaling, normalize, inputLayout, inputName }) }];
  }
  return modelFilesWeightsFirst(withInputScaling(session.exportCandidate(index, exported.quantization), exported.inputScaling));
}

const CLI_ADVICE = 'To keep more accuracy: more --epochs, --target auto, a larger --distill, a smaller ratio (--budget), or a larger --tolerance.';
const CLI_UNCERTAIN_ADVICE = 'to settle it, give more validation images of your own (--val-data DIR: images no training used), or pick a smaller ratio (--budget).';

const toleranceFlag = (flags: Flags): number =>
  numberFlag(flags.tolerance, 'tolerance', DEFAULT_TOLERANCE, (n) => inRange(n, RANGES.tolerance), `a number of percentage points in ${rangeText(RANGES.tolerance)}`);

const BUDGET_METRICS: BudgetMetric[] = ['params', 'flops', 'weightBytes', 'latencyMs'];

/** `--budget flops=150000` (the most accurate candidate under it), else the tolerance rule. */
function selectionRule(flags: Flags, tolerance: number): SelectionRule {
  if (flags.budget !== undefined) {
    const [metric, value] = flags.budget.split('=');
    if (!BUDGET_METRICS.includes(metric as BudgetMetric)) throw new UsageError(`--budget must look like flops=150000, with one of ${BUDGET_METRICS.join(', ')}; got '${flags.budget}'.`);
    return { kind: 'budget', metric: metric as BudgetMetric, max: numberFlag(value, 'budget', 0, (n) => n > 0, 'a positive number after =') };
  }
  return { kind: 'tolerance', tolerance, by: choiceFlag(flags['select-by'], 'select-by', ['ratio', 'flops'] as const, 'ratio') };
}

export async function evalCommand(positionals: string[], flags: Flags): Promise<void> {
  const backend = await selectBackend(flags);
  // --val-data with a model file: only those images are read; else --data (split as prune splits it).
  const own = await loadEvalInputs(positionals[0], flags);
  const inputs = own ? undefined : await loadInputs(positionals[0], flags);
  const spec = own?.spec ?? inputs!.spec;
  if (own && flags.data !== undefined) log('warning: eval measures the --val-data images; --data is not read.');
  for (const note of own?.notes ?? inputs!.notes) log(`warning: ${note}`);
  const validation = own ? ownValidation(own.validation, flags) : splitData(inputs!.data, flags, inputs!.validation).validation;
  const model = await modelFromSpec(spec);
  try {
    const evaluation = await evaluate(model, validation);
    const latency = await measureLatency(model, [validation.height, validation.width, validation.channels]);
    const params = countSpecParams(spec);
    print({ backend, data: validation.source, images: validation.count, accuracy: evaluation.accuracy, loss: evaluation.loss, params, flops: analyzeModel(spec).flops, weightBytes: params * 4, latencyMs: latency.msPerBatch });
  } finally {
    model.dispose();
  }
}
