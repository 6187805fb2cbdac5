/** Stage 2, importance: one criterion's scores per channel and the global ranking. */
import type { CriterionName } from '../../contract/criteria';
import type { RankingMode } from '../../contract/criteria';
import type { ScoresResult } from '../../worker/studioTypes';
import { messageOf, type Slice, type TaskState } from './common';

export interface ScoresSlice {
  scores: {
    state: TaskState;
    criterion: CriterionName;
    ranking: RankingMode;
    result: ScoresResult | null;
    /** Ratio previewed on the importance charts (slider). */
    previewRatio: number;
    /** Group shown in the per-group chart. */
    groupKey: string | null;
    error: string | null;
  };
  computeScores: (criterion?: CriterionName, ranking?: RankingMode) => Promise<void>;
  setPreviewRatio: (ratio: number) => void;
  setScoresGroup: (key: string) => void;
  resetScores: () => void;
}

export const createScoresSlice: Slice<ScoresSlice> = (deps) => (set, get) => {
  let request = 0;
  return {
    scores: { state: 'idle', criterion: 'gfr', ranking: 'normalized', result: null, previewRatio: 0.5, groupKey: null, error: null },

    computeScores: async (criterion = get().scores.criterion, ranking = get().scores.ranking) => {
      const mine = ++request;
      set((s) => ({ scores: { ...s.scores, state: 'running', criterion, ranking, error: null } }));
      try {
        const result = await deps.engine.call('scores', { criterion, ranking });
        if (mine !== request) return;
        set((s) => {
          const keys = result.groups.filter((g) => g.group.prunable).map((g) => g.group.key);
          const groupKey = s.scores.groupKey && keys.includes(s.scores.groupKey) ? s.scores.groupKey : (keys[0] ?? null);
          return { scores: { ...s.scores, state: 'done', result, groupKey } };
        });
      } catch (err) {
        if (mine !== request) return;
        // The previous ranking stays on screen, with the reason the new one failed.
        set((s) => ({ scores: { ...s.scores, state: 'error', error: messageOf(err) } }));
      }
    },

    setPreviewRatio: (previewRatio) => set((s) => ({ scores: { ...s.scores, previewRatio } })),
    setScoresGroup: (groupKey) => set((s) => ({ scores: { ...s.scores, groupKey } })),
    resetScores: () => {
      request++;
      set((s) => ({ scores: { ...s.scores, state: 'idle', result: null, error: null } }));
    },
  };
};
