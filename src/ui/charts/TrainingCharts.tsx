/**
 * Live training charts: loss, batch accuracy (with the accuracy guard's readings
 * on the calibration images against their floor), and the share of zero
 * channels against its schedule, overall and per layer.
 */
import { memo } from 'react';
import { Bar, BarChart, CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';

import { fixed, percent } from '../lib/format';
import { holdingText, type StepPoint } from '../store/trainingSlice';
import { AXIS_TICK, ChartFrame, COLORS, Swatch } from './ChartFrame';

const xAxis = (
  <XAxis
    dataKey="x"
    type="number"
    interval={0}
    domain={[1, 'dataMax']}
    allowDecimals={false}
    tick={AXIS_TICK}
    label={{ value: 'training step', position: 'insideBottom', offset: -2, fontSize: 11, fill: COLORS.axis }}
    height={32}
  />
);

function splitByPhase(steps: StepPoint[], key: 'loss' | 'accuracy') {
  // Two series so pretraining and sparse training get their own colours; the
  // first sparse point repeats the last pretraining one so the line is unbroken.
  return steps.map((p, i) => {
    const next = steps[i + 1];
    const value = key === 'accuracy' ? p.accuracy * 100 : p.loss;
    return {
      x: p.x,
      pretrain: p.phase === 'pretrain' ? value : undefined,
      sparse: p.phase === 'sparse' || next?.phase === 'sparse' ? value : undefined,
    };
  });
}

export const LossChart = memo(function LossChart({ steps }: { steps: StepPoint[] }) {
  const last = steps[steps.length - 1];
  const hasPretrain = steps.some((p) => p.phase === 'pretrain');
  return (
    <ChartFrame
      title="Loss per step"
      testId="chart-loss"
      legend={hasPretrain && <><Swatch color={COLORS.pretrain} label="pretraining" /><Swatch color={COLORS.loss} label="sparse training" /></>}
      summary={last ? `Step ${steps.length}: loss ${fixed(last.loss, 3)} (cross-entropy plus the sparsity terms).` : 'No steps yet.'}
    >
      <LineChart data={splitByPhase(steps, 'loss')} margin={{ top: 6, right: 12, bottom: 6, left: 0 }}>
        <CartesianGrid stroke={COLORS.grid} strokeDasharray="3 3" />
        {xAxis}
        <YAxis interval={0} tick={AXIS_TICK} width={44} domain={[0, 'auto']} tickFormatter={(v: number) => v.toFixed(1)} label={{ value: 'loss', angle: -90, position: 'insideLeft', offset: 10, fontSize: 11, fill: COLORS.axis }} />
        <Tooltip formatter={(v) => fixed(Number(v), 4)} labelFormatter={(x) => `step ${x}`} />
        <Line dataKey="pretrain" name="pretraining" stroke={COLORS.pretrain} dot={false} isAnimationActive={false} connectNulls={false} />
        <Line dataKey="sparse" name="sparse training" stroke={COLORS.loss} dot={false} isAnimationActive={false} connectNulls={false} />
      </LineChart>
    </ChartFrame>
  );
});

export const AccuracyChart = memo(function AccuracyChart({ steps }: { steps: StepPoint[] }) {
  const last = steps[steps.length - 1];
  const guarded = steps.some((p) => p.guardAccuracy !== undefined);
  const data = splitByPhase(steps, 'accuracy').map((point, i) => {
    const { guardAccuracy, guardFloor } = steps[i];
    return { ...point, guard: guardAccuracy === undefined ? undefined : guardAccuracy * 100, floor: guardFloor === undefined ? undefined : guardFloor * 100 };
  });
  const guardText = last?.guardAccuracy !== undefined
    ? ` Accuracy on the guard's held-out images ${percent(last.guardAccuracy)} against a floor of ${percent(last.guardFloor)}.`
    : '';
  return (
    <ChartFrame
      title="Batch accuracy per step"
      testId="chart-accuracy"
      legend={guarded && <><Swatch color={COLORS.accuracy} label="batch" /><Swatch color={COLORS.guard} label="guard images" /><Swatch color={COLORS.target} label="floor" dashed /></>}
      summary={last ? `Step ${steps.length}: ${percent(last.accuracy)} of the batch classified right.${guardText}` : 'No steps yet.'}
    >
      <LineChart data={data} margin={{ top: 6, right: 12, bottom: 6, left: 0 }}>
        <CartesianGrid stroke={COLORS.grid} strokeDasharray="3 3" />
        {xAxis}
        <YAxis interval={0} tick={AXIS_TICK} width={44} domain={[0, 100]} unit="%" />
        <Tooltip formatter={(v) => `${Number(v).toFixed(1)}%`} labelFormatter={(x) => `step ${x}`} />
        <Line dataKey="pretrain" name="pretraining" stroke={COLORS.pretrain} dot={false} isAnimationActive={false} />
        <Line dataKey="sparse" name="sparse training" stroke={COLORS.accuracy} dot={false} isAnimationActive={false} />
        {guarded && <Line dataKey="guard" name="guard images" type="stepAfter" stroke={COLORS.guard} dot={false} isAnimationActive={false} />}
        {guarded && <Line dataKey="floor" name="floor" type="stepAfter" stroke={COLORS.target} strokeDasharray="5 4" dot={false} isAnimationActive={false} />}
      </LineChart>
    </ChartFrame>
  );
});

export const SparsityChart = memo(function SparsityChart({ steps }: { steps: StepPoint[] }) {
  const points = steps
    .filter((p) => p.zeroShare !== undefined)
    .map((p) => ({ x: p.x, zero: (p.zeroShare ?? 0) * 100, flops: p.freedFlopsShare === undefined ? null : p.freedFlopsShare * 100, target: (p.targetShare ?? 0) * 100 }));
  const last = points[points.length - 1];
  const byFlops = steps[steps.length - 1]?.targetKind === 'flops';
  const reached = last && (byFlops ? `${(last.flops ?? 0).toFixed(1)}% of the FLOPs are freed` : `${last.zero.toFixed(1)}% of prunable channels are at zero`);
  const holding = holdingText(steps[steps.length - 1]);
  const held = holding ? ` ${holding[0].toUpperCase()}${holding.slice(1)}.` : '';
  return (
    <ChartFrame
      title="Sparsity against the schedule"
      testId="chart-sparsity"
      legend={<>
        <Swatch color={COLORS.zero} label="channels at zero" />
        <Swatch color={COLORS.flops} label="FLOPs freed" />
        <Swatch color={COLORS.target} label={`schedule (${byFlops ? 'FLOPs' : 'channels'})`} dashed />
      </>}
      summary={last ? `${reached}; the schedule asks for ${last.target.toFixed(1)}% now.${held}` : 'Appears during sparse training with a target share above 0.'}
    >
      <LineChart data={points} margin={{ top: 6, right: 12, bottom: 6, left: 0 }}>
        <CartesianGrid stroke={COLORS.grid} strokeDasharray="3 3" />
        {xAxis}
        <YAxis interval={0} tick={AXIS_TICK} width={44} domain={[0, 100]} unit="%" />
        <Tooltip formatter={(v) => `${Number(v).toFixed(1)}%`} labelFormatter={(x) => `step ${x}`} />
        <Line dataKey="zero" name="channels at zero" stroke={COLORS.zero} dot={false} isAnimationActive={false} />
        <Line dataKey="flops" name="FLOPs freed" stroke={COLORS.flops} dot={false} isAnimationActive={false} />
        <Line dataKey="target" name="schedule" stroke={COLORS.target} strokeDasharray="5 4" dot={false} isAnimationActive={false} />
      </LineChart>
    </ChartFrame>
  );
});

/** The latest share of exactly-zero channels of each group (layer), against the current schedule when it counts channels (null otherwise). */
export const GroupSparsityChart = memo(function GroupSparsityChart({ byGroup, target }: { byGroup: Record<string, number>; target: number | null }) {
  const rows = Object.entries(byGroup).map(([group, share]) => ({ group, zero: share * 100 }));
  const dead = rows.filter((row) => row.zero >= 100).map((row) => row.group);
  return (
    <ChartFrame
      title="Channels at zero, per layer"
      testId="chart-sparsity-layers"
      legend={<><Swatch color={COLORS.zero} label="at zero now" />{target !== null && <Swatch color={COLORS.target} label="schedule" dashed />}</>}
      summary={dead.length ? `Layers at their floor: ${dead.join(', ')}.` : `Every layer keeps channels${target !== null ? `; the schedule asks for ${target.toFixed(1)}% overall now` : ''}.`}
    >
      <BarChart data={rows} margin={{ top: 6, right: 12, bottom: 6, left: 0 }}>
        <CartesianGrid stroke={COLORS.grid} strokeDasharray="3 3" />
        <XAxis dataKey="group" tick={AXIS_TICK} interval={0} height={32} label={{ value: 'channel group (first layer)', position: 'insideBottom', offset: -2, fontSize: 11, fill: COLORS.axis }} />
        <YAxis interval={0} tick={AXIS_TICK} width={44} domain={[0, 100]} unit="%" />
        <Tooltip formatter={(v) => `${Number(v).toFixed(1)}%`} />
        {target !== null && <ReferenceLine y={target} stroke={COLORS.target} strokeDasharray="5 4" />}
        <Bar dataKey="zero" name="at zero" fill={COLORS.zero} isAnimationActive={false} />
      </BarChart>
    </ChartFrame>
  );
});
