/**
 * The model graph as SVG: one box per layer where the worker's layout placed
 * it, arrows for the data flow. Each box shows the channels it keeps of its
 * total, a stripe and a number for its group of coupled channels, and a dashed
 * border when pruning may not cut it (the reason on hover). Pointing at or
 * choosing a box lights up every layer of its group; the chosen one is
 * described below the graph.
 */
import { useId, useMemo, useState } from 'react';

import type { ChannelGroup } from '../../engine/graph/analyze';
import type { PrunePlan } from '../../engine/prune/plan';
import type { GraphNode, ModelGraph } from '../../worker/studioTypes';
import { layerChannels, type LayerChannels } from './layerChannels';

/** Group stripes cycle through this many colours (--group-0 … in styles.css). */
const PALETTE_SIZE = 8;
const ZOOMS = [0.35, 0.5, 0.7, 0.85, 1, 1.25, 1.5];
/** A layer name's bold 12px characters are about this wide; at most NAME_CHARS are drawn. */
const NAME_CHAR_WIDTH = 7;
const NAME_CHARS = 28;
/** Room for the group number (and ⊘) at a box's top right. */
const TAG_WIDTH = 36;
const STRIPE = 6;

interface GroupLabel {
  number: number;
  group: ChannelGroup;
}

interface Props {
  graph: ModelGraph;
  groups: ChannelGroup[];
  plan: PrunePlan | null;
}

export function ModelGraphView({ graph, groups, plan }: Props) {
  const [zoom, setZoom] = useState(1);
  const [hovered, setHovered] = useState<string | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const arrow = useId();
  const labels = useMemo(() => new Map(groups.map((group, index): [string, GroupLabel] => [group.key, { number: index + 1, group }])), [groups]);
  const byName = useMemo(() => new Map(graph.nodes.map((node) => [node.name, node])), [graph]);
  const focus = byName.get(hovered ?? chosen ?? '');
  const lit = new Set(focus?.segments?.map((segment) => segment.group) ?? []);
  const zoomIndex = ZOOMS.indexOf(zoom);
  return (
    <div className="graph">
      <div className="controls graph-zoom" role="group" aria-label="Zoom">
        <button type="button" className="secondary" onClick={() => setZoom(ZOOMS[zoomIndex - 1])} disabled={zoomIndex === 0} aria-label="Zoom out">
          −
        </button>
        <span className="graph-zoom-level" aria-live="polite">{Math.round(zoom * 100)}%</span>
        <button type="button" className="secondary" onClick={() => setZoom(ZOOMS[zoomIndex + 1])} disabled={zoomIndex === ZOOMS.length - 1} aria-label="Zoom in">
          +
        </button>
      </div>
      <div className="graph-scroll" data-testid="graph-scroll">
        <svg
          className="graph-svg"
          width={graph.width * zoom}
          height={graph.height * zoom}
          viewBox={`0 0 ${graph.width} ${graph.height}`}
          role="group"
          aria-label={`Model graph: ${graph.nodes.length} layers`}
          onMouseLeave={() => setHovered(null)}
        >
          <defs>
            <marker id={arrow} viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L8,4 L0,8 z" className="graph-arrow" />
            </marker>
          </defs>
          {graph.edges.map((edge) => (
            <path
              key={`${edge.from}→${edge.to}`}
              className="graph-edge"
              data-testid="graph-edge"
              d={edge.points.map((point, index) => `${index ? 'L' : 'M'}${point.x},${point.y}`).join(' ')}
              markerEnd={`url(#${arrow})`}
            />
          ))}
          {graph.nodes.map((node) => (
            <LayerBox
              key={node.name}
              node={node}
              channels={layerChannels(node, plan)}
              labels={labels}
              faded={lit.size > 0 && !node.segments?.some((segment) => lit.has(segment.group))}
              chosen={node.name === chosen}
              planned={plan !== null}
              onHover={setHovered}
              onChoose={(name) => setChosen(name === chosen ? null : name)}
            />
          ))}
        </svg>
      </div>
      <GraphLegend />
      <LayerDetails node={focus} channels={focus ? layerChannels(focus, plan) : null} labels={labels} plan={plan} />
    </div>
  );
}

interface BoxProps {
  node: GraphNode;
  channels: LayerChannels | null;
  labels: Map<string, GroupLabel>;
  faded: boolean;
  chosen: boolean;
  /** A candidate's plan is shown: draw the share of channels kept. */
  planned: boolean;
  onHover: (name: string | null) => void;
  onChoose: (name: string) => void;
}

function LayerBox({ node, channels, labels, faded, chosen, planned, onHover, onChoose }: BoxProps) {
  const blocked = node.reasons.length > 0;
  const segments = node.segments ?? [];
  const total = segments.reduce((sum, segment) => sum + segment.size, 0);
  const cut = channels !== null && channels.kept < channels.total;
  const inner = node.width - STRIPE - 12;
  // Room left of the group tag; a longer name is squeezed a little, a much longer one cut.
  const nameWidth = inner - TAG_WIDTH;
  const name = node.name.length > NAME_CHARS ? `${node.name.slice(0, NAME_CHARS - 1)}…` : node.name;
  const className = ['graph-node', blocked && 'graph-node-blocked', cut && 'graph-node-cut', faded && 'graph-faded', chosen && 'graph-node-chosen'].filter(Boolean).join(' ');
  let offset = 0;
  return (
    <g
      className={className}
      transform={`translate(${node.x},${node.y})`}
      data-testid="graph-node"
      data-layer={node.name}
      tabIndex={0}
      role="button"
      aria-pressed={chosen}
      aria-label={`${node.name}, ${node.className}${channels ? `, ${channelText(channels)} channels` : ''}${blocked ? ', cannot be pruned' : ''}`}
      onMouseEnter={() => onHover(node.name)}
      onFocus={() => onHover(node.name)}
      onBlur={() => onHover(null)}
      onClick={() => onChoose(node.name)}
      onKeyDown={(event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          onChoose(node.name);
        }
      }}
    >
      <title>{boxTitle(node, channels, labels)}</title>
      <rect className="graph-box" width={node.width} height={node.height} rx={5} />
      {segments.map((segment) => {
        const y = (offset / total) * node.height;
        offset += segment.size;
        const label = labels.get(segment.group);
        return <rect key={`${segment.group}@${y}`} className={`graph-stripe ${stripeClass(label)}`} x={0} y={y} width={STRIPE} height={(segment.size / total) * node.height} />;
      })}
      <text className="graph-name" x={STRIPE + 6} y={17} {...(name.length * NAME_CHAR_WIDTH > nameWidth ? { textLength: nameWidth, lengthAdjust: 'spacingAndGlyphs' } : {})}>
        {name}
      </text>
      <text className="graph-tag" x={node.width - 6} y={17} textAnchor="end">
        {blocked ? '⊘ ' : ''}
        {segments.map((segment) => `g${labels.get(segment.group)?.number ?? '?'}`).join('+')}
      </text>
      <text className="graph-class" x={STRIPE + 6} y={32}>
        {node.className}
      </text>
      {channels && (
        <text className="graph-channels" x={node.width - 6} y={32} textAnchor="end" data-testid="graph-channels">
          {channelText(channels)}
        </text>
      )}
      {channels && planned && (
        <>
          <rect className="graph-bar" x={STRIPE + 6} y={node.height - 8} width={inner} height={3} />
          <rect className="graph-bar-kept" x={STRIPE + 6} y={node.height - 8} width={(inner * channels.kept) / Math.max(1, channels.total)} height={3} />
        </>
      )}
    </g>
  );
}

const countOf = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

const channelText = ({ kept, total }: LayerChannels): string => (kept === total ? `${total}` : `${kept}/${total}`);

function stripeClass(label: GroupLabel | undefined): string {
  if (!label || !label.group.prunable) return 'graph-stripe-fixed';
  return `graph-stripe-${(label.number - 1) % PALETTE_SIZE}`;
}

function boxTitle(node: GraphNode, channels: LayerChannels | null, labels: Map<string, GroupLabel>): string {
  const lines = [`${node.name} (${node.className})`];
  if (channels) lines.push(channels.kept === channels.total ? countOf(channels.total, 'channel') : `${channels.kept} of ${countOf(channels.total, 'channel')} kept`);
  for (const segment of node.segments ?? []) {
    const label = labels.get(segment.group);
    if (label && label.group.members.length > 1) lines.push(`group g${label.number}: coupled with ${label.group.members.map((member) => member.layer).join(', ')}`);
  }
  if (node.reasons.length) lines.push(`Cannot be pruned: ${node.reasons.join('; ')}`);
  return lines.join('\n');
}

function GraphLegend() {
  return (
    <ul className="graph-legend" aria-label="How to read the graph">
      <li>
        <span className="graph-key graph-key-group" aria-hidden="true" /> stripe and <code>g</code> number: a group of coupled channels, cut together
      </li>
      <li>
        <span className="graph-key graph-key-blocked" aria-hidden="true" /> dashed, ⊘: pruning may not cut these channels (point at it for why)
      </li>
      <li>
        <code>12/16</code> and bar: channels a candidate keeps of the layer's total
      </li>
    </ul>
  );
}

function LayerDetails({ node, channels, labels, plan }: { node: GraphNode | undefined; channels: LayerChannels | null; labels: Map<string, GroupLabel>; plan: PrunePlan | null }) {
  if (!node) return <p className="hint">Point at or choose a layer to see its group and what pruning does to it.</p>;
  return (
    <div className="graph-details" data-testid="graph-details" aria-live="polite">
      <p>
        <strong>{node.name}</strong> <span className="muted">({node.className})</span>
        {channels && (channels.kept === channels.total ? `: ${countOf(channels.total, 'channel')}${plan ? ', all kept' : ''}` : `: keeps ${channels.kept} of ${countOf(channels.total, 'channel')}`)}
      </p>
      <ul>
        {(node.segments ?? []).map((segment) => {
          const label = labels.get(segment.group);
          if (!label) return null;
          const members = label.group.members.map((member) => member.layer);
          return (
            <li key={segment.group}>
              Group g{label.number} ({countOf(label.group.size, 'channel')}{plan && label.group.prunable ? `, ${plan.kept[segment.group]?.length ?? label.group.size} kept` : ''}):{' '}
              {members.length > 1 ? `coupled across ${members.join(', ')}: channel k of each is kept or cut together` : members.length === 1 ? `made by ${members[0]} alone` : 'not made by a layer with weights'}
            </li>
          );
        })}
      </ul>
      {node.reasons.length > 0 && (
        <div className="graph-reasons" data-testid="graph-reasons">
          Cannot be pruned:
          <ul>
            {node.reasons.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
