/** Step 3 charts: distributions of |γ|, sr and importance; one group's channels against the threshold. */
import { memo, useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, Cell, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';

import { histogram } from '../lib/histogram';
import { AXIS_TICK, ChartFrame, COLORS, Swatch } from './ChartFrame';

const tickNumber = (v: number): string => (Math.abs(v) >= 100 || v === 0 ? String(Math.round(v)) : String(Number(v.toPrecision(3))));

interface HistogramProps {
  title: string;
  values: number[];
  color: string;
  /** What one value is, for the x axis. */
  xLabel: string;
  testId?: string;
  threshold?: number | null;
}

export const HistogramChart = memo(function HistogramChart({ title, values, color, xLabel, testId, threshold }: HistogramProps) {
  const bins = useMemo(() => histogram(values), [values]);
  // Four evenly spaced ticks over the binned range: no collisions, no text measuring.
  const ticks = bins.length ? [0, 1, 2, 3].map((i) => bins[0].from + (i * (bins[bins.length - 1].to - bins[0].from)) / 3) : undefined;
  const zeros = values.filter((v) => v === 0).length;
  return (
    <ChartFrame
      title={title}
      testId={testId}
      height={150}
      summary={values.length ? `${values.length} channels, ${zeros} exactly zero; from ${tickNumber(Math.min(...values))} to ${tickNumber(Math.max(...values))}.` : 'No values.'}
    >
      <BarChart data={bins} margin={{ top: 6, right: 24, bottom: 6, left: 0 }} barCategoryGap={1}>
        <CartesianGrid stroke={COLORS.grid} strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="x" type="number" interval={0} ticks={ticks} domain={bins.length ? [bins[0].from, bins[bins.length - 1].to] : ['dataMin', 'dataMax']} tick={AXIS_TICK} tickFormatter={tickNumber} height={32} label={{ value: xLabel, position: 'insideBottom', offset: -2, fontSize: 11, fill: COLORS.axis }} />
        <YAxis interval={0} tick={AXIS_TICK} width={40} allowDecimals={false} label={{ value: 'channels', angle: -90, position: 'insideLeft', offset: 10, fontSize: 11, fill: COLORS.axis }} />
        <Tooltip formatter={(v) => [String(v), 'channels']} labelFormatter={(x) => `around ${tickNumber(Number(x))}`} />
        <Bar dataKey="count" fill={color} isAnimationActive={false} />
        {threshold !== undefined && threshold !== null && <ReferenceLine x={threshold} stroke={COLORS.removed} strokeDasharray="4 3" />}
      </BarChart>
    </ChartFrame>
  );
});

interface GroupChartProps {
  groupKey: string;
  importance: number[];
  removed: Set<number>;
  threshold: number | null;
  ratio: number;
}

export const GroupImportanceChart = memo(function GroupImportanceChart({ groupKey, importance, removed, threshold, ratio }: GroupChartProps) {
  const data = importance.map((value, channel) => ({ channel, value, removed: removed.has(channel) }));
  return (
    <ChartFrame
      title={`Importance of each channel of ${groupKey}`}
      testId="chart-group-importance"
      height={190}
      legend={<><Swatch color={COLORS.kept} label="kept" /><Swatch color={COLORS.removed} label={`removed at ${Math.round(ratio * 100)}%`} />{threshold !== null && <Swatch color={COLORS.removed} label="threshold" dashed />}</>}
      summary={`${removed.size} of ${importance.length} channels of this group fall below the threshold of a ${Math.round(ratio * 100)}% global ratio.`}
    >
      <BarChart data={data} margin={{ top: 6, right: 12, bottom: 6, left: 0 }} barCategoryGap={importance.length > 40 ? 0 : 1}>
        <CartesianGrid stroke={COLORS.grid} strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="channel" tick={AXIS_TICK} height={32} interval="preserveStartEnd" label={{ value: 'channel', position: 'insideBottom', offset: -2, fontSize: 11, fill: COLORS.axis }} />
        <YAxis interval={0} tick={AXIS_TICK} width={44} tickFormatter={tickNumber} label={{ value: 'importance', angle: -90, position: 'insideLeft', offset: 10, fontSize: 11, fill: COLORS.axis }} />
        <Tooltip formatter={(v) => [Number(v).toPrecision(3), 'importance']} labelFormatter={(c) => `channel ${c}`} />
        <Bar dataKey="value" isAnimationActive={false}>
          {data.map((d) => (
            <Cell key={d.channel} fill={d.removed ? COLORS.removed : COLORS.kept} />
          ))}
        </Bar>
        {threshold !== null && <ReferenceLine y={threshold} stroke={COLORS.removed} strokeDasharray="4 3" ifOverflow="extendDomain" />}
      </BarChart>
    </ChartFrame>
  );
});
