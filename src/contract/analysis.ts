/**
 * A model read into its channel dependency graph (src/engine/graph/analyze.ts
 * computes it): the description of the model that the page shows and plans
 * are written against.
 */

/**
 * How a layer's output channels relate to its inputs' channels:
 * - `input`: a model input; its channels can never be removed.
 * - `source`: creates new channels (Conv2D, Dense); consumes its input's.
 * - `pass`: output channel k is input channel k (BN, activations, pooling...).
 * - `depthwise`: like `pass`, but owns a filter per channel.
 * - `add`: all inputs' channel k are summed, so they are coupled.
 * - `concat`: output channels are the inputs' channels one after the other.
 * - `flatten`: output features are H·W positions × C channels, channel-minor.
 */
export type ChannelRole = 'input' | 'source' | 'pass' | 'depthwise' | 'add' | 'concat' | 'flatten';

/** A run of `size` channels, all from one group (by key once analysis is done). */
export interface Segment<G = string> {
  group: G;
  size: number;
}

/** The channel axis of a layer's output. `flat`: H·W positions × segments, channel-minor. */
export type ChannelLayout<G = string> =
  | { kind: 'channels'; segments: Segment<G>[] }
  | { kind: 'flat'; segments: Segment<G>[]; positions: number }
  | { kind: 'opaque' };

export interface LayerInfo<G = string> {
  name: string;
  className: string;
  role: ChannelRole | 'unsupported';
  /** Why the engine does not understand the layer. */
  reason?: string;
  outputShape: number[] | null;
  params: number;
  /** Multiply–accumulates per sample; null when the shape is unknown. */
  flops: number | null;
  layout: ChannelLayout<G>;
}

/** A layer that owns per-channel weights of a group, with the BN (and GFR) that follow it. */
export interface GroupMember {
  layer: string;
  bn?: string;
  gfr?: string;
}

/** A set of coupled channels: channel k of every member goes or stays together. */
export interface ChannelGroup {
  /** Stable key: the name of the group's first producing layer. */
  key: string;
  size: number;
  members: GroupMember[];
  prunable: boolean;
  reasons: string[];
}

export interface ModelAnalysis {
  modelName: string;
  layers: LayerInfo[];
  groups: ChannelGroup[];
  params: number;
  flops: number;
  prunableChannels: number;
  totalChannels: number;
  unsupportedLayers: { layer: string; className: string; reason: string }[];
  /** Inbound layer names of each layer (the graph's edges). */
  layerInbound: Record<string, string[]>;
}
