/**
 * The calls that assemble what the page downloads: a candidate (tfjs files, a zip or ONNX, with its report), the
 * original as ONNX, and a candidate's figures with quantized kernels for the report.
 */
import { UserError } from '../../engine/core/errors';
import type { QuantizedFigures } from '../../contract/candidate';
import type { OnnxExportOptions } from '../../engine/export/onnx/toOnnx';
import type { ExportedModel } from '../../engine/export/usage';
import { withInputScaling } from '../../engine/io/modelFiles';
import type { CallContext } from '../callContext';
import { exportFiles, transferable } from '../exportFiles';
import type { ExportParams, ExportResult, NoParams, QuantizeParams } from '../studioTypes';
import type { Studio } from './studio';

/** The ONNX file's first nodes apply mean and std, not a channel reversal: a BGR model's file takes its inputs as they are. */
const onnxNormalizes = (studio: Studio): boolean => studio.scaling.channelOrder !== 'bgr';

/** A model that came as ONNX goes back with its input's name and layout (NCHW from PyTorch): it drops into the user's pipeline. */
function onnxLayout(studio: Studio): Pick<OnnxExportOptions, 'inputLayout' | 'inputName'> {
  const origin = studio.model?.summary.onnx;
  return origin ? { inputLayout: origin.inputLayout, inputName: origin.inputName } : {};
}

const onnxOptions = (studio: Studio): OnnxExportOptions => ({ inputScaling: studio.scaling, normalize: onnxNormalizes(studio), ...onnxLayout(studio) });

export function exportCandidate(studio: Studio, params: ExportParams, ctx: CallContext): ExportResult {
  const session = studio.requireCandidates();
  const selected = session.candidates.find((candidate) => candidate.index === params.candidate);
  if (!selected) throw new UserError(`There is no candidate #${params.candidate}; pick one of the ${session.candidates.length} measured.`);
  const { training } = studio;
  const search = studio.search!;
  if (!session.canExport(selected.index)) {
    throw new UserError(`Candidate #${selected.index} came back from the last visit without its model (too large to keep); run the search again to export it.`);
  }
  if (params.format === 'onnx' && params.quantization) throw new UserError('Quantized kernels are offered for the TensorFlow.js download; the ONNX file is float32.');
  const { height, width, channels } = session.data.validation;
  const exported: ExportedModel = {
    format: params.format === 'onnx' ? 'onnx' : 'tfjs', quantization: params.quantization, inputScaling: studio.scaling, inputShape: [height, width, channels],
    ...(params.format === 'onnx' ? { normalizationInside: onnxNormalizes(studio), ...onnxLayout(studio) } : {}),
  };
  const model = params.format === 'onnx'
    ? session.exportOnnx(selected.index, onnxOptions(studio))
    : withInputScaling(session.exportCandidate(selected.index, params.quantization), studio.scaling);
  const result = exportFiles({
    session,
    selected,
    backend: studio.backend(),
    modelSource: studio.model!.summary.source,
    criterion: search.settings.criterion,
    trainSettings: training?.params.settings,
    searchSettings: { ...search.settings, tolerance: search.tolerance },
    pretraining: training?.pretraining,
    training: training?.training,
    timings: { pretrainMs: training?.pretraining?.elapsedMs ?? 0, trainMs: training?.training.elapsedMs ?? 0, searchMs: search.elapsedMs },
    exported,
  }, model, params.format);
  ctx.transfer.push(...result.files.map((file) => file.bytes));
  return result;
}

/** The candidate's accuracy (validation images) and weights.bin size with quantized kernels. */
export async function measureQuantized(studio: Studio, params: QuantizeParams, ctx: CallContext): Promise<QuantizedFigures> {
  const session = studio.requireCandidates();
  return studio.lock.exclusive(`measuring candidate #${params.candidate} with ${params.quantization} kernels`, ctx.signal, () =>
    session.measureQuantized(params.candidate, params.quantization, ctx.signal));
}

/** The model as loaded (or after pretraining), unpruned, as one .onnx file. */
export function exportOriginalOnnx(studio: Studio, _params: NoParams, ctx: CallContext): ExportResult {
  const session = studio.requireCandidates();
  const result = transferable([{ name: `${session.original.name}-original.onnx`, bytes: session.exportOnnx('original', onnxOptions(studio)) }]);
  ctx.transfer.push(...result.files.map((file) => file.bytes));
  return result;
}
