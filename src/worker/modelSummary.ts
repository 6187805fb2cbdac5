/** What the page shows of a model: its shapes, its channel groups, its graph, and what it outputs where its layers say so. */
import type { ModelSpec } from '../engine/core/types';
import { declaredOutputKind, specOutputView } from '../engine/eval/outputKind';
import { analyzeModel } from '../engine/graph/analyze';
import { modelGraph } from './modelGraph';
import type { ModelSummary } from './studioTypes';

export function summarizeModel(spec: ModelSpec, source: string): ModelSummary {
  const analysis = analyzeModel(spec);
  const input = analysis.layers.find((layer) => layer.role === 'input')?.outputShape ?? [];
  const output = analysis.layers.find((layer) => layer.name === spec.outputs[0])?.outputShape ?? [];
  const outputKind = declaredOutputKind(specOutputView(spec));
  return { name: spec.name, source, inputShape: [...input], numClasses: output[output.length - 1] ?? 0, analysis, graph: modelGraph(analysis), ...(outputKind ? { outputKind } : {}) };
}
