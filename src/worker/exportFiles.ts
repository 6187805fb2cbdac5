/** A candidate as downloadable files: the model (model.json + weights.bin, one zip, or one .onnx) and its report. */
import type * as tf from '@tensorflow/tfjs';
import { zipSync } from 'fflate';
import { modelFilesFromArtifacts, type NamedBytes } from '../engine/io/modelFiles';
import { buildReport, reportSummary, type ReportInput } from '../engine/report';
import type { ExportResult } from './studioTypes';

/** An ArrayBuffer holding exactly the view's bytes, safe to transfer. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer
    : (bytes.slice().buffer as ArrayBuffer);
}

export const transferable = (files: NamedBytes[]): ExportResult => ({ files: files.map((file) => ({ name: file.name, bytes: ownBuffer(file.bytes) })) });

/** `model`: tfjs artifacts, or the bytes of an .onnx file. */
export function exportFiles(report: ReportInput, model: tf.io.ModelArtifacts | Uint8Array, format: 'files' | 'zip' | 'onnx'): ExportResult {
  const { session, selected } = report;
  const quantization = report.exported?.quantization;
  const stem = `${session.original.name}-pruned-${Math.round(selected.ratio * 100)}${quantization ? `-${quantization}` : ''}`;
  const modelFiles = model instanceof Uint8Array ? [{ name: `${stem}.onnx`, bytes: model }] : modelFilesFromArtifacts(model);
  // The report's usage snippet names the file as downloaded.
  const exported = report.exported && model instanceof Uint8Array ? { ...report.exported, fileName: `${stem}.onnx` } : report.exported;
  const json = buildReport({ ...report, exported });
  const encoder = new TextEncoder();
  const reportFiles = [
    { name: 'report.json', bytes: encoder.encode(JSON.stringify(json, null, 2)) },
    { name: 'report.md', bytes: encoder.encode(reportSummary(json)) },
  ];
  const files = format === 'zip'
    ? [{ name: `${stem}.zip`, bytes: zipSync(Object.fromEntries([...modelFiles, ...reportFiles].map((file) => [file.name, file.bytes]))) }, ...reportFiles]
    : [...modelFiles, ...reportFiles];
  return transferable(files);
}
