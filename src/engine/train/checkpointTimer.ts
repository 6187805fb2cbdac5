/** When sparse training hands out a checkpoint (issue 12): after every epoch but the last, and once `everyMs` has passed since the last one. */
export class CheckpointTimer {
  private savedAt: number;

  /** `now` in milliseconds (tests pass their own clock). */
  constructor(private readonly everyMs: number, private readonly now: () => number = () => performance.now()) {
    this.savedAt = now();
  }

  /** Whether to hand out a checkpoint after `step`; none after the last step (the summary follows). */
  due(step: number, totalSteps: number, stepsPerEpoch: number): boolean {
    return step < totalSteps && (step % stepsPerEpoch === 0 || this.now() - this.savedAt >= this.everyMs);
  }

  /** A checkpoint is being handed out now: the interval starts again. */
  saving(): void {
    this.savedAt = this.now();
  }
}
