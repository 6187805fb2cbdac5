/** Collects the nodes and initializers of an ONNX graph, giving every tensor a unique name. */
import type { OnnxAttribute, OnnxNode, OnnxTensor } from './proto';

export class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly used = new Set<string>();

  /** `base`, or `base_2`, `base_3`… if taken. */
  unique(base: string): string {
    let name = base;
    for (let n = 2; this.used.has(name); n++) name = `${base}_${n}`;
    this.used.add(name);
    return name;
  }

  /** Reserves a name given from outside (a graph input). */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`ONNX tensor name '${name}' is taken.`);
    this.used.add(name);
    return name;
  }

  floats(base: string, dims: number[], values: Float32Array): string {
    const name = this.unique(base);
    this.initializers.push({ name, dims, dataType: 'float', values });
    return name;
  }

  int64s(base: string, values: number[]): string {
    const name = this.unique(base);
    this.initializers.push({ name, dims: [values.length], dataType: 'int64', values });
    return name;
  }

  /** Adds a node with one output, named after `base`; returns the output's name. */
  node(opType: string, inputs: string[], base: string, attributes: OnnxAttribute[] = []): string {
    const output = this.unique(base);
    this.nodes.push({ opType, name: output, inputs, outputs: [output], attributes });
    return output;
  }
}
