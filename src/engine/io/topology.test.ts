import { describe, expect, it } from 'vitest';
import type { LayerSpec } from '../core/types';
import { sortTopologically, specFromTopology } from './topology';

const layer = (name: string, inbound: string[]): LayerSpec => ({ name, className: 'Activation', config: {}, inbound, weights: {} });

describe('topological sort', () => {
  it('orders a 100,000-layer chain given backwards without recursing (no stack overflow), in linear time', () => {
    const length = 100_000;
    // Each layer counts how often its inbound list is read: the work of the sort, whatever the machine's speed.
    let reads = 0;
    const layers = Array.from({ length }, (_, i) => {
      const counted = layer(`l${i}`, []);
      const inbound = i ? [`l${i - 1}`] : [];
      Object.defineProperty(counted, 'inbound', { get: () => (reads++, inbound), enumerable: true });
      return counted;
    }).reverse();
    const sorted = sortTopologically({ name: 'chain', layers, inputs: ['l0'], outputs: [`l${length - 1}`] });
    expect(reads).toBeLessThanOrEqual(4 * length);
    expect(sorted.map((l) => l.name)).toEqual(Array.from({ length }, (_, i) => `l${i}`));
  });

  it('names the layers of a cycle, from where it closes', () => {
    const layers = [layer('in', []), layer('a', ['in', 'c']), layer('b', ['a']), layer('c', ['b']), layer('out', ['c'])];
    expect(() => sortTopologically({ name: 'loop', layers, inputs: ['in'], outputs: ['out'] })).toThrow(/form a cycle \(a → c → b → a\)/);
  });

  it('keeps branches after all their inputs', () => {
    const layers = [layer('add', ['x', 'y']), layer('y', ['in']), layer('x', ['in']), layer('in', [])];
    const order = sortTopologically({ name: 'branch', layers, inputs: ['in'], outputs: ['add'] }).map((l) => l.name);
    expect(order.indexOf('add')).toBe(3);
    expect(order[0]).toBe('in');
  });
});

describe('Keras 3 configs', () => {
  const sequential = (activation: Record<string, unknown>) => ({
    class_name: 'Sequential',
    config: { name: 'keras3', layers: [{ class_name: 'InputLayer', config: { name: 'in', batch_shape: [null, 4] } }, activation] },
  });

  it("reads LeakyReLU's negative_slope as the alpha tfjs runs (tfjs would run its default 0.3)", () => {
    const spec = specFromTopology(sequential({ class_name: 'LeakyReLU', config: { name: 'leaky', negative_slope: 0.2 } }));
    expect(spec.layers.find((layer) => layer.name === 'leaky')?.config.alpha).toBe(0.2);
  });

  it('refuses a ReLU with a negative slope or a threshold, naming the layer and what to do', () => {
    expect(() => specFromTopology(sequential({ class_name: 'ReLU', config: { name: 'bent', negative_slope: 0.1 } })))
      .toThrow(/Layer 'bent' is a ReLU with negative_slope 0.1 .*replace it by a LeakyReLU/);
    expect(() => specFromTopology(sequential({ class_name: 'ReLU', config: { name: 'plain', max_value: 6 } }))).not.toThrow();
  });
});
