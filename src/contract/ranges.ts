/**
 * The range each bounded setting may take: one table for the CLI's flags, the engine's checks, the studio's fields
 * and the settings an address carries, so that none accepts what another refuses.
 */
export interface Range {
  min: number;
  max: number;
}

export const RANGES = {
  /** Share of channels (or FLOPs) sparse training frees: every group keeps at least one channel, so never all. */
  targetShare: { min: 0, max: 0.95 },
  /** A pruning ratio: the share of prunable channels a cut removes (grid ratios, the grid's largest, the preview). */
  pruningRatio: { min: 0, max: 0.95 },
  /** The largest ratio of the grid: at least one step above the unpruned baseline. */
  gridMax: { min: 0.05, max: 0.95 },
  /** Accuracy points the selected model may lose against the reference. */
  tolerance: { min: 0, max: 100 },
  /** The multiple each layer's kept channels are rounded to (a whole number; 1: no rounding). */
  roundTo: { min: 1, max: 64 },
} as const satisfies Record<string, Range>;

export const inRange = (value: number, range: Range): boolean => Number.isFinite(value) && value >= range.min && value <= range.max;

/** "[0, 0.95]" for messages. */
export const rangeText = (range: Range): string => `[${range.min}, ${range.max}]`;
