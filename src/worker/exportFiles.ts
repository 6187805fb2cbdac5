/** A candidate as downloadable files: the model (model.json + weights.bin, or one zip) and its report. */
import type * as tf from '@tensorflow/tfjs';
import { zipSync } from 'fflate';
import type { InputScaling } from '../contract/preprocessing';
import { formatScaling } from '../engine/data/scaling';
import { modelFilesFromArtifacts } from '../engine/io/modelFiles';
import { buildReport, reportSummary, type ReportInput } from '../engine/report';
import type { ExportResult } from './studioTypes';

/** An ArrayBuffer holding exactly the view's bytes, safe to transfer. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer
    : (bytes.slice().buffer as ArrayBuffer);
}

/** `scaling`: how pixels became the model's inputs, kept in the report as the command line keeps it. */
export function exportFiles(report: ReportInput, artifacts: tf.io.ModelArtifacts, format: 'files' | 'zip', scaling: InputScaling): ExportResult {
  const { session, selected } = report;
  const modelFiles = modelFilesFromArtifacts(artifacts);
  const json = buildReport(report);
  const { train } = session.data;
  const preprocessing = { inputScaling: scaling, inputSize: [train.height, train.width, train.channels] };
  const encoder = new TextEncoder();
  const reportFiles = [
    { name: 'report.json', bytes: encoder.encode(JSON.stringify({ ...json, preprocessing }, null, 2)) },
    { name: 'report.md', bytes: encoder.encode(`${reportSummary(json)}\nInput preprocessing: pixels x/255, then ${formatScaling(scaling)} (also in model.json, userDefinedMetadata.gfrStudio.inputScaling).\n`) },
  ];
  const stem = `${session.original.name}-pruned-${Math.round(selected.ratio * 100)}`;
  const files = format === 'zip'
    ? [{ name: `${stem}.zip`, bytes: zipSync(Object.fromEntries([...modelFiles, ...reportFiles].map((file) => [file.name, file.bytes]))) }, ...reportFiles]
    : [...modelFiles, ...reportFiles];
  return { files: files.map((file) => ({ name: file.name, bytes: ownBuffer(file.bytes) })) };
}
