/**
 * The grid search as it fills in: accuracy against ratio and against cost, the
 * selected candidate marked, against the original model's accuracy (the
 * reference) and the sparse-trained model's unpruned (the baseline candidate).
 */
import { memo } from 'react';
import { CartesianGrid, ErrorBar, ReferenceLine, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';

import type { Candidate } from '../../contract/candidate';
import { AXIS_TICK, ChartFrame, COLORS, Swatch } from './ChartFrame';
import { baselineOf } from '../../contract/candidate';
import { CONFIDENCE_Z } from '../../contract/select';

export type CostAxis = 'flops' | 'params' | 'weightBytes' | 'latencyMs';

export const COST_AXES: { value: CostAxis; label: string; unit: string; scale: number }[] = [
  { value: 'flops', label: 'FLOPs', unit: 'M multiply–adds / image', scale: 1e-6 },
  { value: 'params', label: 'Parameters', unit: 'thousand', scale: 1e-3 },
  { value: 'weightBytes', label: 'Weight size', unit: 'KiB', scale: 1 / 1024 },
  { value: 'latencyMs', label: 'Latency', unit: 'ms / image', scale: 1 },
];

interface Point {
  index: number;
  x: number;
  accuracy: number;
  /** Half the 95% interval of the accuracy's difference with the reference, in points: the error bar. */
  margin: number;
}

interface SearchChartProps {
  candidates: Candidate[];
  selected: number | null;
  /** The reference's accuracy (%): the original model's, or the trained model's when training made it far better; null until measured. */
  original: number | null;
  /** What the reference line is called. */
  referenceLabel: string;
  /** Accuracy (%) a candidate must reach to pass the tolerance; null under a budget rule. */
  passLine: number | null;
  onPick: (index: number) => void;
  axis: 'ratio' | CostAxis;
}

/** An error bar may reach past 0% or 100%; the axis stops there (no accuracy lies beyond). */
const ACCURACY_DOMAIN: [(min: number) => number, (max: number) => number] = [(min) => Math.max(0, Math.floor(min / 10) * 10), (max) => Math.min(100, Math.ceil(max / 10) * 10)];

const tickNumber = (v: number): string => (Math.abs(v) >= 100 ? String(Math.round(v)) : Number(v.toPrecision(3)).toString());

export const SearchChart = memo(function SearchChart({ candidates, selected, original, referenceLabel, passLine, onPick, axis }: SearchChartProps) {
  const cost = COST_AXES.find((c) => c.value === axis);
  const xOf = (c: Candidate): number => (cost ? c[cost.value] * cost.scale : c.ratio * 100);
  const points: Point[] = [...candidates]
    .map((c) => ({ index: c.index, x: xOf(c), accuracy: c.accuracy * 100, margin: CONFIDENCE_Z * (c.validationNoise ?? 0) * 100 }))
    .sort((a, b) => a.x - b.x);
  const chosen = points.filter((p) => p.index === selected);
  const xLabel = cost ? `${cost.label} (${cost.unit})` : 'share of prunable channels removed (%)';
  const pick = (item: unknown): void => {
    const payload = (item as { payload?: Point } | undefined)?.payload;
    if (payload) onPick(payload.index);
  };
  const best = chosen[0];
  const unpruned = baselineOf(candidates);
  const vsOriginal = best && original !== null ? ` (${(best.accuracy - original).toFixed(2)} points against the ${referenceLabel} model's ${original.toFixed(2)}%)` : '';
  return (
    <ChartFrame
      title={cost ? `Accuracy against ${cost.value === 'flops' ? 'FLOPs' : cost.label.toLowerCase()}` : 'Accuracy against pruning ratio'}
      testId={cost ? 'chart-search-cost' : 'chart-search-ratio'}
      height={200}
      legend={<>
        <Swatch color={COLORS.candidate} label="candidate" />
        <Swatch color={COLORS.selected} label="selected" />
        {original !== null && <Swatch color={COLORS.original} label={referenceLabel} />}
        {unpruned && <Swatch color={COLORS.pretrain} label="sparse-trained, unpruned" dashed />}
        {passLine !== null && <Swatch color={COLORS.target} label="tolerance" dashed />}
      </>}
      summary={
        points.length
          ? `${points.length} candidates measured${best ? `; the selected one reaches ${best.accuracy.toFixed(1)}% at ${tickNumber(best.x)}${cost ? ` ${cost.unit}` : '% removed'}${vsOriginal}` : ''}. Bars: the 95% interval of each difference with the ${referenceLabel} model. Click a point to pick it.`
          : 'Candidates appear here as the search measures them.'
      }
    >
      <ScatterChart margin={{ top: 8, right: 14, bottom: 6, left: 0 }}>
        <CartesianGrid stroke={COLORS.grid} strokeDasharray="3 3" />
        <XAxis dataKey="x" type="number" interval={0} name={xLabel} domain={cost ? ['auto', 'auto'] : [0, 100]} tick={AXIS_TICK} tickFormatter={tickNumber} height={32} label={{ value: xLabel, position: 'insideBottom', offset: -2, fontSize: 11, fill: COLORS.axis }} />
        <YAxis interval={0} dataKey="accuracy" type="number" name="accuracy" unit="%" domain={ACCURACY_DOMAIN} allowDataOverflow tick={AXIS_TICK} width={48} tickFormatter={tickNumber} />
        <Tooltip
          cursor={{ strokeDasharray: '3 3' }}
          formatter={(value, name) => [name === 'accuracy' ? `${Number(value).toFixed(2)}%` : tickNumber(Number(value)), name === 'accuracy' ? 'accuracy' : cost ? cost.label : 'removed (%)']}
        />
        {original !== null && (
          <ReferenceLine y={original} stroke={COLORS.original} ifOverflow="extendDomain" label={{ value: referenceLabel, position: 'insideTopRight', fontSize: 11, fill: COLORS.original }} />
        )}
        {unpruned && <ReferenceLine y={unpruned.accuracy * 100} stroke={COLORS.pretrain} strokeDasharray="3 3" ifOverflow="extendDomain" />}
        {passLine !== null && <ReferenceLine y={passLine} stroke={COLORS.target} strokeDasharray="5 4" ifOverflow="extendDomain" />}
        <Scatter data={points} fill={COLORS.candidate} line={{ stroke: COLORS.candidate, strokeOpacity: 0.4 }} isAnimationActive={false} onClick={pick} cursor="pointer">
          <ErrorBar dataKey="margin" direction="y" width={3} stroke={COLORS.candidate} strokeOpacity={0.6} isAnimationActive={false} />
        </Scatter>
        <Scatter data={chosen} fill={COLORS.selected} shape="diamond" legendType="diamond" isAnimationActive={false} onClick={pick} />
      </ScatterChart>
    </ChartFrame>
  );
});
