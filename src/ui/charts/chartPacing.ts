/**
 * Keeps live charts from blocking the page (issue 11). Redrawing a recharts
 * chart costs tens of milliseconds of main-thread work, more with many points
 * on a busy machine, and the worker sends progress every 150 ms. So each chart
 * gets its own snapshot of the data: redrawn at most once per CHART_INTERVAL_MS,
 * the charts of a panel in different tasks (each in its slot), as a transition
 * React may interrupt, and thinned to MAX_CHART_POINTS points.
 */
import { startTransition, useEffect, useMemo, useRef, useState } from 'react';

import { thinPoints } from '../../contract/events';

export const CHART_INTERVAL_MS = 1000;
/** Time between the redraws of two charts of one panel: each is its own task. */
export const SLOT_MS = 120;
export const MAX_CHART_POINTS = 400;


/** `value` as a chart should draw it: at most once per interval, offset by `slot` × SLOT_MS. */
export function usePacedValue<T>(value: T, slot: number, intervalMs = CHART_INTERVAL_MS): T {
  const [shown, setShown] = useState(value);
  const lastShown = useRef(-Infinity);
  useEffect(() => {
    if (Object.is(value, shown)) return;
    const wait = Math.max(0, lastShown.current + intervalMs - performance.now()) + slot * SLOT_MS;
    const timer = setTimeout(() => {
      lastShown.current = performance.now();
      startTransition(() => setShown(value));
    }, wait);
    return () => clearTimeout(timer);
  }, [value, shown, slot, intervalMs]);
  return shown;
}

/** Paced and thinned points for one chart. */
export function usePacedPoints<T>(points: T[], slot: number): T[] {
  const shown = usePacedValue(points, slot);
  return useMemo(() => thinPoints(shown, MAX_CHART_POINTS), [shown]);
}
