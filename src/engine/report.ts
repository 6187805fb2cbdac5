/**
 * The report that goes with a downloaded model (docs/METHOD.md §9): JSON for tools and a
 * readable summary, built the same way by the studio and the command line.
 */
import { quantizedLines, usageLines, type ExportedModel } from './export/usage';
import type { Candidate } from './search/candidate';
import type { SearchSettings } from './search/gridSearch';
import { OUTPUT_KIND_TEXT } from './eval/outputKind';
import { SHORTFALL_ADVICE } from '../contract/select';
import type { CompressionSession } from './session';
import type { CriterionName } from './score/criterion';
import type { TrainSettings, TrainSummary } from './train/sparseTraining';
import { sparsityShortfall } from '../contract/sparsityText';
import { augmentationText } from '../contract/events';
import { baselineOf } from '../contract/candidate';

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
    data: { source: session.data.train.source, train: session.fit.count, calibration: session.calibration.count, validation: session.data.validation.count },
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
    export: input.exported,
  };
}

export type CompressionReport = ReturnType<typeof buildReport>;

const percent = (value: number): string => `${(value * 100).toFixed(2)}%`;
const change = (after: number, before: number): string => `${after.toLocaleString('en')} of ${before.toLocaleString('en')} (−${(100 * (1 - after / before)).toFixed(1)}%)`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function sparsityLines({ training, settings }: CompressionReport): string[] {
  const reached = training?.sparsity;
  if (!reached || !settings.train) return [];
  const { target, targetKind } = settings.train;
  const shortfall = sparsityShortfall(reached);
  return [
    `Sparse training: target ${percent(target)} of the ${targetKind === 'flops' ? 'FLOPs' : 'channels'}; reached ${percent(reached.zeroShare)} of the channels at exactly zero`
      // Work saved before FLOPs were tracked has no freedFlopsShare.
      + (reached.freedFlopsShare === undefined ? '' : `, freeing ${percent(reached.freedFlopsShare)} of the FLOPs`)
      + (shortfall ? ` — ${shortfall}.` : '.'),
    ...recipeLines(training, settings.train),
    '',
  ];
}

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

/** A plain-text (Markdown) summary with the figures of docs/METHOD.md §9. */
export function reportSummary(report: CompressionReport): string {
  const { baseline, selected, original, verdict } = report;
  if (!baseline) return `# GFR Studio report\n\nNo baseline was measured.\n`;
  const lines = [
    '# GFR Studio compression report',
    '',
    `**${verdict.withinTolerance ? 'Within the tolerance' : 'NOT within the tolerance'}.** ${verdict.message}${verdict.withinTolerance ? '' : ` To do better: ${SHORTFALL_ADVICE}.`}`,
    '',
    `Model: ${report.model.name} (${report.model.source}), which outputs ${OUTPUT_KIND_TEXT[original.outputKind]}; data: ${report.data.source}, ${report.data.train} training, ${report.data.calibration} calibration (held out from training: the tolerance rule chooses on them) and ${report.data.validation} validation images (used by no choice: every accuracy below is on them); backend: ${report.backend}.`,
    `Criterion: ${report.settings.criterion}; selected candidate #${selected.index} at ratio ${selected.ratio} (${selected.stage}).`,
    '',
    '| figure | original | pruned |',
    '|---|---|---|',
    `| accuracy | ${percent(original.accuracy)} | ${percent(selected.accuracy)} |`,
    `| parameters | ${baseline.params.toLocaleString('en')} | ${change(selected.params, baseline.params)} |`,
    `| FLOPs (multiply–adds) | ${baseline.flops.toLocaleString('en')} | ${change(selected.flops, baseline.flops)} |`,
    `| weight bytes | ${baseline.weightBytes.toLocaleString('en')} | ${change(selected.weightBytes, baseline.weightBytes)} |`,
    `| latency (1 image, ${report.backend}) | ${baseline.latencyMs.toFixed(2)} ms | ${selected.latencyMs.toFixed(2)} ms |`,
    '',
    `"Original" is the model as ${original.trainedStart ? 'loaded' : 'built'}${report.pretraining ? ', after pretraining' : ''}, measured as it is; the sparse-trained model, unpruned, measured ${percent(baseline.accuracy)}.`,
    '',
    ...quantizedLines(selected),
    ...sparsityLines(report),
    `Time: training ${seconds(report.timings.pretrainMs + report.timings.trainMs)}, search ${seconds(report.timings.searchMs)} (${report.candidates.length} candidates).`,
    '',
    '## Candidates',
    '',
    `Calibration accuracy ± one standard error of its difference with the original's (${percent(original.calibrationAccuracy)}): the tolerance rule passes a candidate that is within the tolerance even one standard error lower.`,
    '',
    '| # | stage | ratio | accuracy | vs original | calibration accuracy | BN recalibrated | parameters | FLOPs | latency |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...report.candidates.map((c) => `| ${c.index} | ${c.stage} | ${c.ratio} | ${percent(c.accuracy)} | ${((c.accuracy - original.accuracy) * 100).toFixed(2)} | ${percent(c.calibrationAccuracy)} ± ${((c.calibrationNoise ?? 0) * 100).toFixed(2)} | ${c.recalibrated ? 'yes' : 'no'} | ${c.params.toLocaleString('en')} | ${c.flops.toLocaleString('en')} | ${c.latencyMs.toFixed(2)} ms |`),
    '',
    ...(report.export ? usageLines(report.export) : []),
  ];
  return lines.join('\n');
}
