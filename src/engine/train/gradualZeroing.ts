/**
 * Gradual zeroing (Zhu & Gupta 2017; from a trained start, docs/DECISIONS.md
 * issue 10): the schedule's share of channels, lowest |γ|·sr relative to its
 * group first, is set to exactly zero (γ = β = 0), and every other γ is left
 * to the optimizer. Nothing shrinks the channels that stay, so no λ.
 */
import type { SparsityStatus } from '../../contract/events';
import { totalChannels, writeGammas, zeroBetas, zeroCount, type ControlledGroup, type StrategyState, type ZeroingStep, type ZeroingStrategy } from './zeroing';

export interface GradualSettings {
  /** Share to free, 0..1: the chunks stop there. */
  target: number;
  /**
   * Zeroing in chunks: 0 zeroes the schedule's share at every step;
   * N > 0 zeroes, at once, what the schedule asks for N steps ahead, then
   * waits for the next good guard reading (or a setback) before the next
   * chunk, so that every reading sees a model that had N steps to recover
   * rather than one still reeling from the last few zeros.
   */
  chunkSteps: number;
  /**
   * With chunks: the share of all channels one chunk adds at full pace (the
   * pace halves it after a setback), up to `target`; 0 takes what the
   * schedule asks for `chunkSteps` ahead instead. A fixed size keeps a chunk
   * small however long the guard waits between readings.
   */
  chunkShare: number;
  /** Zeroing stops at this share of the steps: the rest only trains (with the teacher) what is left. */
  zeroUntil: number;
  /** A residual group's channels score as if 1 / residualStepScale times larger, so they go last. */
  residualStepScale: number;
}

export class GradualZeroing implements ZeroingStrategy {
  readonly lambda = undefined;
  private chunkDue = true;
  private aimed = 0;

  /** `schedule`: the schedule's share after a number of schedule steps. */
  constructor(
    private readonly groups: ControlledGroup[],
    private readonly settings: GradualSettings,
    private readonly totalSteps: number,
    private readonly schedule: (progress: number) => number,
  ) {}

  async apply({ step, gammas, progress, pace }: ZeroingStep): Promise<void> {
    const { chunkShare, chunkSteps, target } = this.settings;
    if (step <= this.settings.zeroUntil * this.totalSteps && (this.chunkDue || chunkSteps === 0)) {
      const total = totalChannels(this.groups);
      this.aimed = chunkShare > 0
        // At least one channel a chunk, however small the model.
        ? Math.min(target, zeroCount(this.groups) / Math.max(1, total) + Math.max(chunkShare * pace, 1 / total))
        : this.schedule(progress + chunkSteps * pace);
      this.zeroLowest(await this.importances(gammas), this.aimed);
      this.chunkDue = false;
    }
    this.groups.forEach((group, index) => keepZeros(group, gammas[index]));
  }

  targetShare(scheduled: number): number {
    return this.settings.chunkShare > 0 ? this.aimed : scheduled;
  }

  adapt(_step: number, _status: SparsityStatus): void {}

  state(): StrategyState {
    return { chunkDue: this.chunkDue, aimed: this.aimed };
  }

  resume(state: StrategyState): void {
    this.chunkDue = state.chunkDue ?? true;
    this.aimed = state.aimed ?? 0;
  }

  /** The next chunk comes at the next step, sized from the zeros the checkpoint had. */
  setBack(_state: StrategyState): void {
    this.aimed = zeroCount(this.groups) / Math.max(1, totalChannels(this.groups));
    this.chunkDue = true;
  }

  goodReading(): void {
    this.chunkDue = true;
  }

  /** |γ|·sr per member (|γ| where the member has no GFR layer): the importance of docs/METHOD.md §4. */
  private async importances(current: Float32Array[][]): Promise<Float32Array[][]> {
    return Promise.all(this.groups.map(async (group, index) => Promise.all(current[index].map(async (gamma, member) => {
      const gate = group.gates[member];
      if (!gate) return gamma;
      const sr = (await gate.read().data()) as Float32Array;
      return Float32Array.from(gamma, (value, channel) => Math.abs(value) * sr[channel]);
    }))));
  }

  /**
   * Adds to each group's zero channels until `share` of all channels is at
   * zero, lowest first by ‖|γ_c|·sr_c‖ over the group's members relative to
   * the group's mean (residual groups scaled up by 1 / residualStepScale),
   * never past a group's floor.
   */
  private zeroLowest(current: Float32Array[][], share: number): void {
    const wanted = Math.floor(share * totalChannels(this.groups) + 1e-9) - zeroCount(this.groups);
    if (wanted <= 0) return;
    const candidates = this.groups.flatMap((group, index) => {
      const zero = new Set(group.zeros);
      const norms = Array.from({ length: group.size }, (_, channel) => Math.hypot(...current[index].map((gamma) => gamma[channel])));
      const mean = norms.reduce((sum, norm) => sum + norm, 0) / group.size || 1;
      const scale = group.residual ? 1 / this.settings.residualStepScale : 1;
      return norms.flatMap((norm, channel) => (zero.has(channel) ? [] : [{ group, channel, score: (norm / mean) * scale }]));
    }).sort((a, b) => a.score - b.score);
    let added = 0;
    for (const { group, channel } of candidates) {
      if (added >= wanted) break;
      if (group.zeros.length >= group.maxZeros) continue;
      group.zeros.push(channel);
      added++;
    }
  }
}

/** The group's zero channels get γ = β = 0 again (the optimizer moves them), the others are left alone. */
function keepZeros(group: ControlledGroup, current: Float32Array[]): void {
  if (group.zeros.length === 0) return;
  writeGammas(group, current.map((gamma) => {
    const next = Float32Array.from(gamma);
    group.zeros.forEach((channel) => (next[channel] = 0));
    return next;
  }));
  zeroBetas(group);
}
