/**
 * The report that goes with a downloaded model (docs/METHOD.md §9): JSON for tools and a
 * readable summary, built the same way by the studio and the command line.
 */
import { quantizedLines, usageLines, type ExportedModel } from './export/usage';
import type { SearchSettings, TrainSettings } from '../contract/settings';
import { OUTPUT_KIND_TEXT } from '../contract/outputKind';
import type { CriterionName } from '../contract/criteria';
import { engineOnlyClasses } from './io/hardActivations';
import { calibrationDrop, changeText, dropAgainst, SHORTFALL_ADVICE, UNCERTAIN_ADVICE, type Verdict } from '../contract/select';
import type { CompressionSession } from './session';
import { sparsityShortfall } from '../contract/sparsityText';
import { augmentationText, type TrainSummary } from '../contract/events';
import { baselineOf, type Candidate } from '../contract/candidate';
import { gridStopText } from '../contract/gridStop';

export interface ReportInput {
  session: CompressionSession;
  selected: Candidate;
  backend: string;
  modelSource: string;
  criterion: CriterionName;
  trainSettings?: TrainSettings;
  searchSettings: SearchSettings;
  pretraining?: TrainSummary;
  training?: TrainSummary;
  /** Accuracy of the model before sparse training, for what sparse training cost. */
  startAccuracy?: number;
  timings: { pretrainMs: number; trainMs: number; searchMs: number };
  /** The downloaded files' format, quantization and input normalization: how to use them outside the studio. */
  exported?: ExportedModel;
}

export function buildReport(input: ReportInput) {
  const { session, selected } = input;
  const baseline = baselineOf(session.candidates);
  const reference = session.requireReference();
  return {
    generatedBy: 'GFR Studio',
    date: new Date().toISOString(),
    backend: input.backend,
    model: {
      name: session.original.name,
      source: input.modelSource,
      params: session.analysis.params,
      flops: session.analysis.flops,
      prunableChannels: session.analysis.prunableChannels,
    },
    data: {
      source: session.data.train.source, train: session.fit.count, calibration: session.calibration.count, guard: session.guardImages.count,
      /** Which images judge the result: the user's own (`separate`: CLI --val-data, the studio's validation images) or held out from the data. */
      validation: { source: session.data.validation.source, count: session.data.validation.count, separate: session.data.separateValidation ?? false },
    },
    settings: { criterion: input.criterion, train: input.trainSettings, search: input.searchSettings },
    /** The model as the user brought it (or after pretraining), measured as it is: what every figure is compared with. */
    original: { ...reference, trainedStart: session.trainedStart },
    /** The selected candidate against the original on the validation images. */
    verdict: session.verdict(selected, input.searchSettings.tolerance),
    calibrationImages: session.calibration.count,
    startAccuracy: input.startAccuracy,
    pretraining: input.pretraining,
    training: input.training,
    timings: input.timings,
    baseline,
    selected,
    candidates: session.candidates,
    /** Where the grid stopped because accuracy had collapsed, and the ratios it left unmeasured; null when it did not stop. */
    gridStop: session.gridStop,
    export: input.exported && { ...input.exported, ...(input.exported.format === 'tfjs' && engineOnlyClasses(session.original).length ? { engineClasses: engineOnlyClasses(session.original) } : {}) },
  };
}

export type CompressionReport = ReturnType<typeof buildReport>;

const percent = (value: number): string => `${(value * 100).toFixed(2)}%`;
const change = (after: number, before: number): string => `${after.toLocaleString('en')} of ${before.toLocaleString('en')} (−${(100 * (1 - after / before)).toFixed(1)}%)`;
/** "1.85× faster (1.70–2.01, 95%, 24 pairs)": the paired speed-up against the unpruned model. */
export const speedupText = (c: Pick<Candidate, 'speedup' | 'speedupInterval' | 'speedupPairs'>): string =>
  `${c.speedup!.toFixed(2)}×${c.speedupInterval ? ` (${c.speedupInterval[0].toFixed(2)}–${c.speedupInterval[1].toFixed(2)}${c.speedupPairs ? `, ${c.speedupPairs} pairs` : ''})` : ''}`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function sparsityLines({ training, settings, original }: CompressionReport): string[] {
  const reached = training?.sparsity;
  if (!reached || !settings.train) return [];
  const { target, targetKind, targetMode } = settings.train;
  // From a trained start the automatic target has no share to reach: it frees what accuracy on the guard's held-out images allows.
  const automatic = targetMode === 'auto' && original.trainedStart;
  const shortfall = automatic ? null : sparsityShortfall(reached);
  const aim = automatic
    ? 'the automatic target (as many channels as accuracy on the guard\'s held-out images allowed)'
    : `target ${percent(target)} of the ${targetKind === 'flops' ? 'FLOPs' : 'channels'}`;
  return [
    `Sparse training: ${aim}; reached ${percent(reached.zeroShare)} of the channels at exactly zero`
      // Work saved before FLOPs were tracked has no freedFlopsShare.
      + (reached.freedFlopsShare === undefined ? '' : `, freeing ${percent(reached.freedFlopsShare)} of the FLOPs`)
      + (shortfall ? ` — ${shortfall}.` : '.'),
    ...recipeLines(training, settings.train),
    '',
  ];
}

const VERDICT_HEADLINE: Record<Verdict['status'], string> = {
  within: 'Within the tolerance',
  uncertain: 'UNCERTAIN: not confirmed within the tolerance',
  beyond: 'NOT within the tolerance',
};
const VERDICT_ADVICE: Record<Verdict['status'], string> = {
  within: '',
  uncertain: ` To settle it: ${UNCERTAIN_ADVICE}.`,
  beyond: ` To do better: ${SHORTFALL_ADVICE}.`,
};
const CONFIDENCE_TEXT = '1.96 standard errors of the paired difference';

/** The optimizer, distillation and augmentation sparse training ran with (docs/METHOD.md §3.3). */
function recipeLines(training: TrainSummary | undefined, settings: TrainSettings): string[] {
  const optimizer = settings.optimizer === 'sgd'
    ? `SGD (momentum 0.9, cosine rate from ${settings.learningRate}, weight decay ${settings.weightDecay ?? 0} on kernels)`
    : `Adam at ${settings.learningRate}`;
  const start = training?.recalibratedStart;
  return [
    `Optimizer: ${optimizer}; distillation weight ${settings.distillation}; ${training?.augmentation ? augmentationText(training.augmentation) : 'augmentation: none'}`
      + (start ? `; started from the original ${start.kept ? 'with BN statistics measured on the training images' : 'as loaded'} (${percent(start.after)} with recalibrated statistics, ${percent(start.before)} as loaded, on the calibration images).` : '.'),
  ];
}

const roundingText = (roundTo = 1): string => (roundTo > 1 ? `every layer keeps a multiple of ${roundTo} channels (or all of them)` : 'kept channels not rounded');

/** A plain-text (Markdown) summary with the figures of docs/METHOD.md §9. */
export function reportSummary(report: CompressionReport): string {
  const { baseline, selected, original, verdict } = report;
  const basisWord = original.basis === 'trained' ? 'trained model' : 'original';
  if (!baseline) return `# GFR Studio report\n\nNo baseline was measured.\n`;
  const lines = [
    '# GFR Studio compression report',
    '',
    `**${VERDICT_HEADLINE[verdict.status]}.** ${verdict.message}${VERDICT_ADVICE[verdict.status]}`,
    '',
    `Model: ${report.model.name} (${report.model.source}), which outputs ${OUTPUT_KIND_TEXT[original.outputKind]}; data: ${report.data.source}, ${report.data.train} training, ${report.data.calibration} calibration (held out from training: the tolerance rule chooses on them), ${report.data.guard} guard (held out from training and from the rule: the accuracy guard reads them during training) and ${report.data.validation.count} validation images ${report.data.validation.separate ? `given apart from the data, ${report.data.validation.source},` : 'held out from the data'} (used by no choice: every accuracy below is on them); backend: ${report.backend}.`,
    `Criterion: ${report.settings.criterion}; ${roundingText(report.settings.search.roundTo)}; selected candidate #${selected.index} at ratio ${selected.ratio} (${selected.stage}).`,
    '',
    `| figure | ${basisWord} | pruned |`,
    '|---|---|---|',
    `| accuracy (${verdict.images ?? report.data.validation} validation images) | ${percent(original.accuracy)} | ${percent(selected.accuracy)} (${verdict.drop === null || verdict.margin === null ? '–' : changeText(verdict.drop, verdict.margin)}) |`,
    `| parameters | ${baseline.params.toLocaleString('en')} | ${change(selected.params, baseline.params)} |`,
    `| FLOPs (multiply–adds) | ${baseline.flops.toLocaleString('en')} | ${change(selected.flops, baseline.flops)} |`,
    `| weight bytes | ${baseline.weightBytes.toLocaleString('en')} | ${change(selected.weightBytes, baseline.weightBytes)} |`,
    `| latency (1 image, ${report.backend}) | ${baseline.latencyMs.toFixed(2)} ms | ${selected.latencyMs.toFixed(2)} ms${selected.speedup ? ` (${speedupText(selected)})` : ''} |`,
    '',
    original.basis === 'trained' && original.loaded
      ? `The model as ${original.trainedStart ? 'loaded' : 'built'} measured ${percent(original.loaded.accuracy)}; training made it far better, so the figures are compared with the trained model, unpruned (${percent(original.accuracy)}).`
      : `"Original" is the model as ${original.trainedStart ? 'loaded' : 'built'}${report.pretraining ? ', after pretraining' : ''}, measured as it is; the sparse-trained model, unpruned, measured ${percent(baseline.accuracy)}.`,
    '',
    ...quantizedLines(selected),
    ...sparsityLines(report),
    `Time: training ${seconds(report.timings.pretrainMs + report.timings.trainMs)}, search ${seconds(report.timings.searchMs)} (${report.candidates.length} candidates).`,
    '',
    '## Candidates',
    '',
    `Each difference with the ${basisWord} is given with its 95% interval (± ${CONFIDENCE_TEXT}), from the images on which the two models disagree. The tolerance rule passes a candidate that is within the tolerance of the ${basisWord}'s ${percent(original.calibrationAccuracy)} on the calibration images even one standard error lower, and takes the largest ratio before the first that fails; the verdict says "within" only when the whole 95% interval on the validation images is within the tolerance.`,
    '',
    `| # | stage | ratio | accuracy | vs ${basisWord} | calibration accuracy | vs ${basisWord} | BN recalibrated | parameters | FLOPs | latency | speed-up (95% interval) |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...report.candidates.map((c) => {
      const validation = dropAgainst(c, original);
      const calibration = calibrationDrop(c, original);
      return `| ${c.index} | ${c.stage} | ${c.ratio} | ${percent(c.accuracy)} | ${changeText(validation.drop, validation.margin)} | ${percent(c.calibrationAccuracy)} | ${changeText(calibration.drop, calibration.margin)} | ${c.recalibrated ? 'yes' : 'no'} | ${c.params.toLocaleString('en')} | ${c.flops.toLocaleString('en')} | ${c.latencyMs.toFixed(2)} ms | ${c.speedup ? speedupText(c) : '—'} |`;
    }),
    '',
    ...(report.gridStop ? [`The grid ${gridStopText(report.gridStop).replace(/^stopped the grid /, 'stopped ')}: they were not measured (the CLI's --full-grid, the studio's Measure the rest).`, ''] : []),
    ...(report.export ? usageLines(report.export) : []),
  ];
  return lines.join('\n');
}
