/**
 * One chart redraw at a time (issue 11). A recharts chart renders, commits and
 * then re-renders synchronously from its own layout effects, so a redraw is
 * one block of main-thread work that React cannot split; two charts whose
 * updates land together (two timers firing in one busy moment, batched into
 * one transition) make one task twice as long. Charts therefore take turns:
 * a turn starts in a task of its own, and the next one only `gapMs` after
 * the previous chart released its turn, which it does once its redraw has
 * committed — so a paint and any input can run between two charts.
 */

/** Runs a turn; calls `release` once the redraw it started has committed (or at once if it started none). */
export type Turn = (release: () => void) => void;

export interface TurnQueue {
  /** Queues a turn; the returned function withdraws it (or releases it, if it is running). */
  request: (turn: Turn) => () => void;
}

export interface TurnTimers {
  set: (run: () => void, ms: number) => unknown;
  clear: (handle: unknown) => void;
}

const browserTimers: TurnTimers = {
  set: (run, ms) => setTimeout(run, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Time between one chart's commit and the next chart's turn: room for a frame. */
export const TURN_GAP_MS = 30;
/** A turn that never releases (its chart was replaced mid-redraw) stops holding the queue after this long. */
export const TURN_TIMEOUT_MS = 2000;

export function createTurnQueue(timers: TurnTimers = browserTimers, gapMs = TURN_GAP_MS, timeoutMs = TURN_TIMEOUT_MS): TurnQueue {
  const waiting: Turn[] = [];
  let running: Turn | null = null;
  let timer: unknown = null;

  const grantNext = (delay: number): void => {
    if (running || timer !== null || waiting.length === 0) return;
    timer = timers.set(() => {
      timer = null;
      const turn = waiting.shift();
      if (!turn) return;
      running = turn;
      const watchdog = timers.set(() => finish(turn), timeoutMs);
      const release = (): void => {
        timers.clear(watchdog);
        finish(turn);
      };
      turn(release);
    }, delay);
  };

  function finish(turn: Turn): void {
    if (running !== turn) return;
    running = null;
    grantNext(gapMs);
  }

  return {
    request(turn) {
      waiting.push(turn);
      grantNext(0);
      return () => {
        const at = waiting.indexOf(turn);
        if (at >= 0) waiting.splice(at, 1);
        else finish(turn);
      };
    },
  };
}

/** The page's one queue: every live chart takes its turns here. */
export const chartTurns = createTurnQueue();
