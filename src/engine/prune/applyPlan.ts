/**
 * Plan → a new, smaller ModelSpec with sliced weights. Pure: no tensors.
 * The result has the same layers and names, with fewer channels, and holds
 * only stock layer classes when its input did (fold GFR layers first).
 */
import type { LayerSpec, ModelSpec } from '../core/types';
import { UserError } from '../core/errors';
import type { LayerInfo, ModelAnalysis } from '../../contract/analysis';
import type { PrunePlan } from '../../contract/plan';
import { handlerFor } from '../graph/handlers';
import { cloneSpec } from '../io/modelSpec';
import { compensateRemovedChannels } from './compensate';
import { keptIndices } from './plan';

export interface ApplyOptions {
  /** Add removed channels' constant output to the next layer's bias (docs/METHOD.md §5.3). */
  compensate?: boolean;
}

export function applyPlan(spec: ModelSpec, analysis: ModelAnalysis, plan: PrunePlan, options: ApplyOptions = {}): ModelSpec {
  checkPlan(plan, analysis);
  const source = options.compensate === false ? cloneSpec(spec) : compensateRemovedChannels(spec, analysis, plan);
  const infos = new Map(analysis.layers.map((info) => [info.name, info]));
  const keptOf = (info: LayerInfo): number[] => keptIndices(info.layout, plan, outputChannels(info));
  const layers: LayerSpec[] = source.layers.map((layer) => {
    const info = infos.get(layer.name)!;
    const found = handlerFor(layer);
    if ('reason' in found) return layer;
    const keptIn = layer.inbound.map((name) => keptOf(infos.get(name)!));
    return found.handler.prune(layer, keptIn, keptOf(info));
  });
  return { ...source, layers };
}

function outputChannels(info: LayerInfo): number {
  const shape = info.outputShape;
  return shape ? shape[shape.length - 1] : 0;
}

function checkPlan(plan: PrunePlan, analysis: ModelAnalysis): void {
  const groups = new Map(analysis.groups.map((group) => [group.key, group]));
  for (const [key, kept] of Object.entries(plan.kept)) {
    const group = groups.get(key);
    if (!group) throw new UserError(`The plan names channel group '${key}', which the model does not have.`);
    if (!group.prunable && kept.length !== group.size) {
      throw new UserError(`The plan removes channels of '${key}', which cannot be pruned: ${group.reasons.join('; ')}.`);
    }
    if (kept.length === 0) throw new UserError(`The plan removes every channel of '${key}'; keep at least one.`);
    if (kept.some((index, i) => index < 0 || index >= group.size || (i > 0 && index <= kept[i - 1]))) {
      throw new UserError(`The plan's kept channels of '${key}' must be increasing indices below ${group.size}.`);
    }
  }
}
