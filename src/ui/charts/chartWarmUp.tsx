/**
 * Draws each kind of chart once, off screen, while the page is idle after it
 * loads (issue 11). The first recharts chart a page draws costs four to five
 * times a later one (about 150 ms against 35 on the development machine:
 * docs/DECISIONS.md): the browser compiles recharts' code as it first runs.
 * Without this, that first draw is the longest task of a training run. Here
 * the code is compiled in small steps, a chart with more parts each time, each
 * step in its own idle moment and its own chart turn (chartTurns.ts).
 */
import { useEffect, type ReactElement } from 'react';
import { createRoot } from 'react-dom/client';
import { Bar, BarChart, CartesianGrid, Cell, Line, LineChart, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';

import { chartTurns } from './chartTurns';

const points = [{ x: 1, y: 2, z: 1 }, { x: 2, y: 1, z: 2 }, { x: 3, y: 3, z: 2 }];
const size = { width: 300, height: 150 };
const label = { value: 'x', position: 'insideBottom', offset: -2, fontSize: 11 } as const;

/**
 * From the chart alone to every part and option the studio's charts use (not
 * the charts themselves: those carry test ids and texts of their own).
 */
const STAGES: (() => ReactElement)[] = [
  () => <LineChart {...size} data={points} />,
  () => <LineChart {...size} data={points}><XAxis dataKey="x" type="number" interval={0} domain={[1, 'dataMax']} /><YAxis interval={0} domain={[0, 'auto']} unit="%" tickFormatter={String} /></LineChart>,
  () => (
    <LineChart {...size} data={points}>
      <CartesianGrid strokeDasharray="3 3" /><XAxis dataKey="x" type="number" /><YAxis />
      <Line dataKey="y" dot={false} isAnimationActive={false} connectNulls={false} /><Line dataKey="z" strokeDasharray="5 4" dot={false} isAnimationActive={false} />
    </LineChart>
  ),
  () => (
    <LineChart {...size} data={points}>
      <XAxis dataKey="x" type="number" label={label} /><YAxis label={{ ...label, angle: -90, position: 'insideLeft' }} /><Tooltip />
      <ReferenceLine y={1} ifOverflow="extendDomain" label={{ value: 'y', position: 'insideTopRight' }} />
      <Line dataKey="y" type="stepAfter" dot={false} isAnimationActive={false} />
    </LineChart>
  ),
  () => (
    <BarChart {...size} data={points} barCategoryGap={1}>
      <CartesianGrid vertical={false} /><XAxis dataKey="x" /><YAxis allowDecimals={false} /><Tooltip />
      <Bar dataKey="y" isAnimationActive={false}>{points.map((p) => <Cell key={p.x} />)}</Bar><ReferenceLine x={2} />
    </BarChart>
  ),
  () => (
    <ScatterChart {...size}>
      <XAxis dataKey="x" type="number" /><YAxis dataKey="y" type="number" /><Tooltip cursor={{ strokeDasharray: '3 3' }} />
      <Scatter data={points} line isAnimationActive={false} /><Scatter data={points.slice(0, 1)} shape="diamond" isAnimationActive={false} />
    </ScatterChart>
  ),
  () => (
    <div style={{ height: 150 }}>
      <ResponsiveContainer width="100%" height="100%" minWidth={200}><LineChart data={points}><Line dataKey="y" dot={false} isAnimationActive={false} /></LineChart></ResponsiveContainer>
    </div>
  ),
];

/** Calls `onDrawn` once its chart has committed. */
function Stage({ chart, onDrawn }: { chart: ReactElement; onDrawn: () => void }) {
  useEffect(onDrawn, [onDrawn]);
  return chart;
}

const whenIdle = (run: () => void): void => {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout: 2000 });
  else setTimeout(run, 200);
};

let started = false;

/** Starts the warm-up once per page; it ends on its own and leaves nothing behind. */
export function warmUpCharts(): void {
  if (started) return;
  started = true;
  const host = document.createElement('div');
  host.setAttribute('aria-hidden', 'true');
  // For the dev-server test, which waits for the warm-up to end.
  host.dataset.chartWarmUp = 'running';
  // Off screen, not hidden: a chart in a container without a size draws nothing.
  host.style.cssText = 'position:fixed;left:-10000px;top:0;width:600px;height:200px;overflow:hidden;pointer-events:none';
  document.body.appendChild(host);
  const root = createRoot(host);
  const next = (stage: number): void => {
    if (stage === STAGES.length) {
      // Not from the last chart's effect, where React is still rendering: a root unmounted there warns.
      whenIdle(() => {
        root.unmount();
        host.remove();
      });
      return;
    }
    whenIdle(() => {
      chartTurns.request((release) => {
        let done = false;
        const drawn = (): void => {
          if (done) return;
          done = true;
          release();
          next(stage + 1);
        };
        root.render(<Stage key={stage} chart={STAGES[stage]()} onDrawn={drawn} />);
      });
    });
  };
  next(0);
}
