/**
 * Training time without the pauses: the elapsed time, images/s and time left
 * of a training run count only the time it ran. Time left is the mean time of
 * the steps after the first (which pays for kernel setup and allocation) times
 * the steps left, so it settles after two steps and follows the run's pace.
 */
export class StepClock {
  private readonly start: number;
  private pausedMs = 0;
  private firstStepMs: number | null = null;

  /** `earlierMs`: time the run had already run before (a run resumed from a checkpoint). */
  constructor(private readonly now: () => number = () => performance.now(), earlierMs = 0) {
    this.start = now() - earlierMs;
  }

  /** Awaits `pause` (a pause gate) and leaves the time it took out of the run. */
  async excluding(pause: Promise<void> | undefined): Promise<void> {
    if (!pause) return;
    const from = this.now();
    try {
      await pause;
    } finally {
      this.pausedMs += this.now() - from;
    }
  }

  /** Time the run has been running, pauses left out. */
  elapsedMs(): number {
    return this.now() - this.start - this.pausedMs;
  }

  /** Call after each step: `step` is the number of steps done. */
  stepDone(step: number): void {
    if (step === 1) this.firstStepMs = this.elapsedMs();
  }

  /** Time left for `total − step` more steps at the run's pace so far. */
  remainingMs(step: number, total: number): number {
    const elapsed = this.elapsedMs();
    if (step <= 0) return NaN;
    const perStep = step >= 2 && this.firstStepMs !== null ? (elapsed - this.firstStepMs) / (step - 1) : elapsed / step;
    return perStep * Math.max(0, total - step);
  }
}
