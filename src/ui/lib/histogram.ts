/** Equal-width histogram bins for the importance distributions (plain numbers, no tensors). */

export interface Bin {
  /** Centre of the bin, for the x axis. */
  x: number;
  from: number;
  to: number;
  count: number;
}

export function histogram(values: number[], bins = 24): Bin[] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [];
  let min = Infinity;
  let max = -Infinity;
  for (const v of finite) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (max === min) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.05;
    min -= pad;
    max += pad;
  }
  const width = (max - min) / bins;
  const out: Bin[] = Array.from({ length: bins }, (_, i) => ({
    x: min + (i + 0.5) * width,
    from: min + i * width,
    to: min + (i + 1) * width,
    count: 0,
  }));
  for (const v of finite) out[Math.min(bins - 1, Math.floor((v - min) / width))].count++;
  return out;
}
