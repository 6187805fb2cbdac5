/** What the page shows of a model: its shapes, its channel groups, and what it outputs where its layers say so. */
import type { ModelSpec } from '../engine/core/types';
import { declaredOutputKind, type OutputLayerView } from '../engine/eval/outputKind';
import { analyzeModel } from '../engine/graph/analyze';
import type { ModelSummary } from './studioTypes';

/** The last layers of a spec, walked back through single-input layers (as outputLayerView does for a live model). */
function outputView(spec: ModelSpec): OutputLayerView | undefined {
  const byName = new Map(spec.layers.map((layer) => [layer.name, layer]));
  const view = (name: string | undefined, depth: number): OutputLayerView | undefined => {
    const layer = name === undefined ? undefined : byName.get(name);
    if (!layer || depth > 8) return undefined;
    const { activation } = layer.config;
    return {
      className: layer.className,
      activation: typeof activation === 'string' ? activation : undefined,
      inbound: layer.inbound.length === 1 ? view(layer.inbound[0], depth + 1) : undefined,
    };
  };
  return view(spec.outputs[0], 0);
}

export function summarizeModel(spec: ModelSpec, source: string): ModelSummary {
  const analysis = analyzeModel(spec);
  const input = analysis.layers.find((layer) => layer.role === 'input')?.outputShape ?? [];
  const output = analysis.layers.find((layer) => layer.name === spec.outputs[0])?.outputShape ?? [];
  const outputKind = declaredOutputKind(outputView(spec));
  return { name: spec.name, source, inputShape: [...input], numClasses: output[output.length - 1] ?? 0, analysis, ...(outputKind ? { outputKind } : {}) };
}
