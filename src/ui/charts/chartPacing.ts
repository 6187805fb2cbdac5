/**
 * Keeps live charts from blocking the page (issue 11). A recharts redraw is a
 * block of main-thread work (tens of milliseconds on a busy machine, the same
 * for 20 points or 400: docs/DECISIONS.md) and the worker sends progress every
 * 150 ms. So each chart gets its own snapshot of the data, redrawn at most once
 * per CHART_INTERVAL_MS, as a transition React may interrupt, one chart at a
 * time (chartTurns.ts), and thinned to MAX_CHART_POINTS points.
 */
import { startTransition, useEffect, useMemo, useRef, useState } from 'react';

import { thinPoints } from '../../contract/events';
import { chartTurns } from './chartTurns';

export const CHART_INTERVAL_MS = 1000;
export const MAX_CHART_POINTS = 400;

/**
 * `value` as a chart should draw it: at most once per interval, in the chart's
 * turn. A chart that mounts only once its paced value has data mounts in its
 * turn too. The first value is shown as is.
 */
export function usePacedValue<T>(value: T, intervalMs = CHART_INTERVAL_MS): T {
  const [shown, setShown] = useState(value);
  const latest = useRef(value);
  const lastShown = useRef(-Infinity);
  /** Withdraws the queued (or releases the running) turn; null when none is outstanding. */
  const outstanding = useRef<(() => void) | null>(null);
  const release = useRef<(() => void) | null>(null);

  useEffect(() => {
    latest.current = value;
  }, [value]);

  // The redraw of the turn has committed: the next chart may go.
  useEffect(() => {
    release.current?.();
    release.current = null;
  }, [shown]);

  useEffect(() => {
    if (Object.is(value, shown) || outstanding.current) return;
    const wait = Math.max(0, lastShown.current + intervalMs - performance.now());
    const timer = setTimeout(() => {
      outstanding.current = chartTurns.request((done) => {
        lastShown.current = performance.now();
        const next = latest.current;
        const finish = (): void => {
          outstanding.current = null;
          done();
        };
        if (Object.is(next, shown)) return finish();
        release.current = finish;
        startTransition(() => setShown(next));
      });
    }, wait);
    outstanding.current = () => clearTimeout(timer);
    // Only a new `shown` (the turn's redraw committed) or unmounting ends the wait: later values ride along, read at the turn.
  }, [value, shown, intervalMs]);

  useEffect(() => () => outstanding.current?.(), []);
  return shown;
}

/** Paced and thinned points for one chart. */
export function usePacedPoints<T>(points: T[]): T[] {
  const shown = usePacedValue(points);
  return useMemo(() => thinPoints(shown, MAX_CHART_POINTS), [shown]);
}
