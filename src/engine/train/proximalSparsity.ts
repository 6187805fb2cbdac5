/**
 * Proximal polarization (docs/METHOD.md §3.2, Zhuang et al., NeurIPS 2020):
 * after every optimizer step, a proximal step of R(γ) = t·|γ| − |γ − mean γ|
 * per layer on each member BN's γ, with a strength λ that rises while the
 * share of zeros lags the schedule and falls when it runs ahead.
 */
import type { SparsityStatus } from '../../contract/events';
import { writeGammas, zeroBetas, zeroChannels, type ControlledGroup, type StrategyState, type ZeroingStep, type ZeroingStrategy } from './zeroing';

export interface ProximalSettings {
  /** t of the polarization regularizer. */
  polarization: number;
  /** Share of the steps at which the schedule reaches the target (λ's cap rises there). */
  scheduleEnd: number;
  lambdaStart: number;
  /** Cap of λ while the schedule rises: a zero shows only steps after λ rose, so a higher cap overshoots. */
  lambdaMax: number;
  /** Cap of λ once the schedule has reached the target (why 3: docs/DECISIONS.md). */
  lateLambdaMax: number;
}

export class ProximalSparsity implements ZeroingStrategy {
  lambda: number;

  constructor(private readonly groups: ControlledGroup[], private readonly settings: ProximalSettings, private readonly totalSteps: number) {
    this.lambda = settings.lambdaStart;
  }

  /**
   * z = γ + η·sign(γ − mean γ) per member BN (a gradient step on the concave
   * −|γ − mean|), then the proximal step of t·|γ| taken on each coupled
   * channel as a whole (group lasso): z_c ← z_c·max(0, 1 − η·t·√M / ‖z_c‖)
   * over the M members, with η = learning rate·λ·the group's step scale. With
   * one member this is sign(z)·max(|z| − η·t, 0); with several, channel c of
   * every member reaches zero at the same step, as channels joined by a
   * residual Add must. Channels beyond the group's floor keep their previous
   * values instead.
   */
  async apply({ learningRate, gammas }: ZeroingStep): Promise<void> {
    const eta = learningRate * this.lambda;
    const updated = this.groups.map((group, index) => this.update(group, gammas[index], eta * group.stepScale));
    this.groups.forEach((group, index) => {
      writeGammas(group, updated[index]);
      group.zeros = zeroChannels(updated[index], group.size);
      zeroBetas(group);
    });
  }

  targetShare(scheduled: number): number {
    return scheduled;
  }

  /** λ grows by a tenth while the zeros lag the target and shrinks by a tenth once they reach it, within its cap. */
  adapt(step: number, status: SparsityStatus): void {
    const reached = status.targetKind === 'flops' ? status.freedFlopsShare : status.zeroShare;
    const factor = reached < status.targetShare ? 1.1 : 0.9;
    const cap = step >= this.settings.scheduleEnd * this.totalSteps ? this.settings.lateLambdaMax : this.settings.lambdaMax;
    this.lambda = Math.min(cap, Math.max(1e-4, this.lambda * factor));
  }

  state(): StrategyState {
    return { lambda: this.lambda };
  }

  resume(state: StrategyState): void {
    this.lambda = state.lambda ?? this.settings.lambdaStart;
  }

  setBack(state: StrategyState): void {
    this.resume(state);
  }

  goodReading(): void {}

  /** The proximal update of one group, not yet written (see apply). */
  private update(group: ControlledGroup, current: Float32Array[], eta: number): Float32Array[] {
    const threshold = eta * this.settings.polarization * Math.sqrt(current.length);
    const alreadyZero = new Set(zeroChannels(current, group.size));
    const pushed = current.map((gamma) => {
      const mean = gamma.reduce((sum, value) => sum + value, 0) / gamma.length;
      return Float32Array.from(gamma, (value) => value + eta * Math.sign(value - mean));
    });
    const shrink = Array.from({ length: group.size }, (_, channel) => {
      const norm = Math.hypot(...pushed.map((z) => z[channel]));
      return norm > threshold ? 1 - threshold / norm : 0;
    });
    const updated = pushed.map((z) => Float32Array.from(z, (value, channel) => value * shrink[channel]));
    limitZeros(updated, current, alreadyZero, group.maxZeros);
    return updated;
  }
}

/** Restores the largest of the newly zeroed channels (in every member) while more than `maxZeros` would be zero. */
function limitZeros(next: Float32Array[], previous: Float32Array[], alreadyZero: Set<number>, maxZeros: number): void {
  const zeroed = zeroChannels(next, next[0].length);
  if (zeroed.length <= maxZeros) return;
  const magnitude = (channel: number) => Math.hypot(...previous.map((gamma) => gamma[channel]));
  const fresh = zeroed.filter((channel) => !alreadyZero.has(channel)).sort((a, b) => magnitude(b) - magnitude(a));
  for (const channel of fresh.slice(0, zeroed.length - maxZeros)) next.forEach((gamma, member) => (gamma[channel] = previous[member][channel]));
}
