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

/** Chart colours as CSS custom properties (src/ui/styles.css), so that dark mode recolours the charts too. */
export const COLORS = {
  loss: 'var(--chart-blue)',
  accuracy: 'var(--chart-green)',
  pretrain: 'var(--chart-gray)',
  zero: 'var(--chart-purple)',
  flops: 'var(--chart-teal)',
  target: 'var(--chart-orange)',
  kept: 'var(--chart-blue)',
  removed: 'var(--chart-red)',
  gamma: 'var(--chart-blue)',
  sr: 'var(--chart-green)',
  importance: 'var(--chart-purple)',
  candidate: 'var(--chart-blue)',
  selected: 'var(--chart-red)',
  original: 'var(--chart-green)',
  guard: 'var(--chart-amber)',
  grid: 'var(--chart-grid)',
  axis: 'var(--chart-axis)',
};

export const AXIS_TICK = { fontSize: 11, fill: COLORS.axis };
