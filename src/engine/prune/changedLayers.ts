/**
 * Which BatchNormalization layers see other inputs once a plan is applied
 * (issue 10: recalibrate only those). Removing channels leaves the kept
 * channels of per-channel layers (BN, activations, pooling, depthwise, Add)
 * as they were; a layer that mixes channels (Conv2D, Dense) computes other
 * values when some of its inputs are gone, and so does everything after it.
 */
import type { ModelAnalysis } from '../../contract/analysis';
import type { PrunePlan } from '../../contract/plan';

const MIXING_LAYERS = new Set(['Conv2D', 'Conv1D', 'Dense', 'SeparableConv2D', 'Conv2DTranspose']);

export function changedBatchNorms(analysis: ModelAnalysis, plan: PrunePlan): string[] {
  const cut = new Set(analysis.groups.filter((group) => (plan.kept[group.key]?.length ?? group.size) < group.size).map((group) => group.key));
  if (cut.size === 0) return [];
  const byName = new Map(analysis.layers.map((layer) => [layer.name, layer]));
  const losesInputs = (name: string): boolean => (analysis.layerInbound[name] ?? []).some((inbound) => {
    const layout = byName.get(inbound)?.layout;
    return layout !== undefined && layout.kind !== 'opaque' && layout.segments.some((segment) => cut.has(segment.group));
  });
  const consumers = new Map<string, string[]>();
  for (const [name, inbound] of Object.entries(analysis.layerInbound)) {
    for (const source of inbound) {
      if (!consumers.has(source)) consumers.set(source, []);
      consumers.get(source)!.push(name);
    }
  }
  const changed = new Set<string>();
  const pending = analysis.layers.filter((layer) => MIXING_LAYERS.has(layer.className) && losesInputs(layer.name)).map((layer) => layer.name);
  while (pending.length) {
    const name = pending.pop()!;
    if (changed.has(name)) continue;
    changed.add(name);
    pending.push(...(consumers.get(name) ?? []));
  }
  return analysis.layers.filter((layer) => layer.className === 'BatchNormalization' && changed.has(layer.name)).map((layer) => layer.name);
}
