/** Stage 3's model graph: the whole model before a search, then the candidate the user steps to or picks. */
import { selectedIndex } from '../store/searchSlice';
import { useStudio } from '../store/store';
import { percent } from '../lib/format';
import { ModelGraphView } from './ModelGraphView';

export function ModelGraphCard() {
  const summary = useStudio((s) => s.model.summary);
  const candidate = useStudio((s) => s.search.candidates.find((c) => c.index === selectedIndex(s.search)));
  if (!summary) return null;
  return (
    <details className="block graph-card" data-testid="model-graph">
      <summary>
        <h3>Model graph</h3> <span className="muted">{summary.graph.nodes.length} layers</span>
      </summary>
      <p className="hint" data-testid="graph-caption">
        {candidate
          ? `Candidate #${candidate.index} (${percent(candidate.ratio, 1)} of prunable channels removed): each box shows the channels it keeps of its total.`
          : 'The whole model, before a search: each box shows the channels it outputs. Once candidates arrive, the boxes follow the one you step to or pick.'}
      </p>
      <ModelGraphView graph={summary.graph} groups={summary.analysis.groups} plan={candidate?.plan ?? null} />
    </details>
  );
}
