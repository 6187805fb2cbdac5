/**
 * The accuracy guard at work during sparse training (issue 10): every
 * `guard.every` steps (and at the last) it reads the model; a reading that
 * passes becomes the state to go back to and lets the controller's pace grow
 * back, one that fails takes the model's weights and the controller back to
 * the last reading that passed (which halves the controller's pace).
 */
import * as tf from '@tensorflow/tfjs';
import type { GuardReading } from '../../contract/events';
import { readGuard, type AccuracyGuard, type GuardVerdict } from './accuracyGuard';
import type { ControllerState, SparsityController } from './sparsityController';

/** What the watch needs of the controller. */
export type GuardedController = Pick<SparsityController, 'checkpoint' | 'setBack' | 'goodReading'>;

/** Weights and controller state at a reading that passed. */
class LastGood {
  private constructor(private readonly weights: tf.Tensor[], readonly state: ControllerState, readonly reading: GuardReading) {}

  static take(model: tf.LayersModel, controller: GuardedController, reading: GuardReading): LastGood {
    return new LastGood(model.weights.map((weight) => tf.clone(weight.read())), controller.checkpoint(), reading);
  }

  restore(model: tf.LayersModel): void {
    model.weights.forEach((weight, index) => weight.write(this.weights[index]));
  }

  dispose(): void {
    this.weights.forEach((tensor) => tensor.dispose());
  }
}

export class GuardWatch {
  private lastGood: LastGood;
  /** The latest reading (a resumed run's, until the next one). */
  reading: GuardReading | undefined;

  /**
   * The model as it starts is the first good state: it is the original, or
   * close to it (or where a resumed run stopped, `resumed` being that run's
   * latest reading). `read` reads and judges the model (tests pass their own).
   */
  constructor(
    private readonly model: tf.LayersModel,
    private readonly controller: GuardedController,
    private readonly guard: AccuracyGuard,
    resumed?: GuardReading,
    private readonly read: (model: tf.LayersModel) => Promise<GuardVerdict> = (model) => readGuard(model, guard),
  ) {
    this.reading = resumed;
    this.lastGood = LastGood.take(model, controller, resumed ?? { step: 0, accuracy: NaN, floor: guard.floor });
  }

  /** Whether the guard reads the model after `step`. */
  due(step: number, totalSteps: number): boolean {
    return step % this.guard.every === 0 || step === totalSteps;
  }

  /**
   * Reads the model after `step`: passed, it is the new state to go back to;
   * failed, the model and the controller go back to the last that passed
   * (the reading then names that step in `restoredFrom`).
   */
  async check(step: number): Promise<GuardReading> {
    const { accuracy, noise, passes } = await this.read(this.model);
    const reading: GuardReading = { step, accuracy, noise, floor: this.guard.floor };
    if (passes) {
      this.lastGood.dispose();
      this.lastGood = LastGood.take(this.model, this.controller, reading);
      this.controller.goodReading();
      this.reading = reading;
    } else {
      this.lastGood.restore(this.model);
      this.controller.setBack(this.lastGood.state);
      this.reading = { ...reading, restoredFrom: this.lastGood.reading.step };
    }
    return this.reading;
  }

  dispose(): void {
    this.lastGood.dispose();
  }
}
