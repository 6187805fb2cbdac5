import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../engine/core/types';
import { analyzeModel } from '../engine/graph/analyze';
import { specFromModel } from '../engine/io/modelSpec';
import { applyPlan } from '../engine/prune/applyPlan';
import type { PrunePlan } from '../contract/plan';
import { mobilenetV2 } from '../engine/testing/mobilenetV2';
import { concatModel, flattenModel, residualModel } from '../engine/testing/tinyModels';
import { layerChannels } from '../ui/graph/layerChannels';
import { modelGraph } from './modelGraph';
import type { GraphNode, ModelGraph } from './studioTypes';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const nodeOf = (graph: ModelGraph, name: string): GraphNode => graph.nodes.find((node) => node.name === name)!;
const overlap = (a: GraphNode, b: GraphNode): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Layers in data-flow order, every edge pointing down, no two boxes on top of each other, all inside the drawing. */
function expectReadableLayout(graph: ModelGraph): void {
  const order = new Map(graph.nodes.map((node, index) => [node.name, index]));
  for (const edge of graph.edges) {
    expect(order.get(edge.from)!).toBeLessThan(order.get(edge.to)!);
    expect(nodeOf(graph, edge.from).y).toBeLessThan(nodeOf(graph, edge.to).y);
    expect(edge.points.length).toBeGreaterThanOrEqual(2);
  }
  graph.nodes.forEach((a, i) => graph.nodes.slice(i + 1).forEach((b) => expect(overlap(a, b), `${a.name} and ${b.name} overlap`).toBe(false)));
  for (const node of graph.nodes) {
    expect(node.x).toBeGreaterThanOrEqual(0);
    expect(node.y + node.height).toBeLessThanOrEqual(graph.height);
  }
}

describe('modelGraph', () => {
  it('puts the inputs of an Add in one group, with an edge from each', async () => {
    const spec = await residualModel();
    const graph = modelGraph(analyzeModel(spec));
    expect(graph.nodes.map((node) => node.name)).toEqual(spec.layers.map((layer) => layer.name));
    expect(graph.edges.filter((edge) => edge.to === 'add').map((edge) => edge.from).sort()).toEqual(['bn_b', 'relu_a']);
    const add = nodeOf(graph, 'add');
    expect(add.segments).toEqual([{ group: 'conv_a', size: 4 }]);
    expect(nodeOf(graph, 'relu_a').segments).toEqual(add.segments);
    expect(nodeOf(graph, 'bn_b').segments).toEqual(add.segments);
    expect(add.reasons).toEqual([]);
    expectReadableLayout(graph);
  });

  it('gives the reason a layer cannot be pruned', async () => {
    const graph = modelGraph(analyzeModel(await flattenModel()));
    expect(nodeOf(graph, 'input').reasons.join()).toMatch(/model input/);
    expect(nodeOf(graph, 'fc').reasons.join()).toMatch(/model output/);
    expect(nodeOf(graph, 'conv1').reasons).toEqual([]);

    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [5, 5, 1], filters: 3, kernelSize: 3, name: 'c1' }),
        tf.layers.batchNormalization({ name: 'b1' }),
        tf.layers.reshape({ targetShape: [27], name: 'reshape' }),
        tf.layers.dense({ units: 2, name: 'out' }),
      ],
    });
    const spec: ModelSpec = await specFromModel(model);
    model.dispose();
    spec.layers.find((layer) => layer.name === 'reshape')!.className = 'MysteryLayer';
    const blocked = modelGraph(analyzeModel(spec));
    expect(nodeOf(blocked, 'reshape')).toMatchObject({ className: 'MysteryLayer', segments: null, reasons: ['the engine does not understand MysteryLayer layers'] });
    expect(nodeOf(blocked, 'b1').reasons.join()).toMatch(/reaches layer 'reshape' \(MysteryLayer\)/);
  });

  const cases: [string, () => Promise<ModelSpec>, PrunePlan][] = [
    ['residual', residualModel, { kept: { conv_a: [0, 2, 3] } }],
    ['concatenated', concatModel, { kept: { conv_a: [1], conv_b: [0], conv_c: [0, 1, 3] } }],
    ['flattened', flattenModel, { kept: { conv1: [0, 3] } }],
  ];
  it.each(cases)('counts the channels a plan keeps of each layer of a %s model as pruning leaves them', async (_name, build, plan) => {
    const spec = await build();
    const analysis = analyzeModel(spec);
    const graph = modelGraph(analysis);
    const pruned = new Map(analyzeModel(applyPlan(spec, analysis, plan)).layers.map((layer) => [layer.name, layer.outputShape!]));
    let cut = 0;
    for (const node of graph.nodes) {
      const shape = pruned.get(node.name)!;
      const channels = layerChannels(node, plan)!;
      expect(channels, node.name).toEqual({ kept: shape[shape.length - 1], total: node.channels });
      expect(layerChannels(node, null)).toEqual({ kept: node.channels, total: node.channels });
      if (channels.kept < channels.total) cut++;
    }
    expect(cut).toBeGreaterThan(2);
  });

  it('lays out the 156 layers of MobileNetV2 with its ten residual Adds', async () => {
    const model = mobilenetV2({ inputShape: [28, 28, 1], numClasses: 10 });
    const spec = await specFromModel(model);
    model.dispose();
    const graph = modelGraph(analyzeModel(spec));
    expect(graph.nodes).toHaveLength(156);
    const adds = graph.nodes.filter((node) => node.className === 'Add');
    expect(adds).toHaveLength(10);
    for (const add of adds) {
      const inputs = graph.edges.filter((edge) => edge.to === add.name).map((edge) => nodeOf(graph, edge.from));
      expect(inputs).toHaveLength(2);
      for (const input of inputs) expect(input.segments).toEqual(add.segments);
    }
    expectReadableLayout(graph);
  });
});
