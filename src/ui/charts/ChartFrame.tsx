/** A titled chart with a text summary for screen readers and a fixed height. */
import type { ReactElement, ReactNode } from 'react';
import { ResponsiveContainer } from 'recharts';

interface ChartFrameProps {
  title: string;
  /** One sentence of what the chart shows now (read by screen readers, shown as a caption). */
  summary: ReactNode;
  height?: number;
  testId?: string;
  children: ReactElement;
  legend?: ReactNode;
}

export function ChartFrame({ title, summary, height = 180, testId, children, legend }: ChartFrameProps) {
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>
        <span className="chart-title">{title}</span>
        {legend && <span className="chart-legend">{legend}</span>}
      </figcaption>
      <div className="chart-body" style={{ height }}>
        <ResponsiveContainer width="100%" height="100%" minWidth={200}>
          {children}
        </ResponsiveContainer>
      </div>
      <p className="chart-summary">{summary}</p>
    </figure>
  );
}

export function Swatch({ color, label, dashed }: { color: string; label: string; dashed?: boolean }) {
  return (
    <span className="swatch">
      <span className={dashed ? 'swatch-mark swatch-dashed' : 'swatch-mark'} style={{ borderColor: color, background: dashed ? 'transparent' : color }} />
      {label}
    </span>
  );
}

export const COLORS = {
  loss: '#1f4e79',
  accuracy: '#1a7f37',
  pretrain: '#8c959f',
  zero: '#8250df',
  flops: '#0a7ea4',
  target: '#bc4c00',
  kept: '#1f4e79',
  removed: '#cf222e',
  gamma: '#1f4e79',
  sr: '#1a7f37',
  importance: '#8250df',
  candidate: '#1f4e79',
  selected: '#cf222e',
  original: '#1a7f37',
  guard: '#9a6700',
  grid: '#d0d7de',
  axis: '#57606a',
};

export const AXIS_TICK = { fontSize: 11, fill: COLORS.axis };
