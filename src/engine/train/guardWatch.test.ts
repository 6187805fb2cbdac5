import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelFromSpec } from '../io/modelSpec';
import { syntheticDataset } from '../testing/syntheticData';
import { expectNoLeaks } from '../testing/tensors';
import { twoConvModel } from '../testing/tinyModels';
import type { GuardVerdict } from './accuracyGuard';
import { GuardWatch, type GuardedController } from './guardWatch';
import type { ControllerState } from './sparsityController';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const guard = { data: syntheticDataset(8), floor: 0.8, every: 3 };

/** A controller that hands out its progress as its state and records what the watch asks of it. */
function fakeController() {
  const calls: string[] = [];
  let progress = 0;
  const controller: GuardedController & { advance(): void } = {
    advance: () => void progress++,
    checkpoint: () => ({ progress, zeros: [] }),
    setBack: (state: ControllerState) => void calls.push(`setBack to ${state.progress}`),
    goodReading: () => void calls.push('goodReading'),
  };
  return { controller, calls };
}

/** Readings that pass or fail as listed, at the accuracies listed. */
const verdicts = (...accuracies: number[]) => {
  let index = 0;
  return async (): Promise<GuardVerdict> => {
    const accuracy = accuracies[index++];
    return { accuracy, noise: 0.01, passes: accuracy + 0.01 >= guard.floor };
  };
};

const weightsOf = (model: tf.LayersModel): number[][] => model.weights.map((weight) => Array.from(weight.read().dataSync()));

/** Training moved every weight. */
function train(model: tf.LayersModel): void {
  model.weights.forEach((weight) => tf.tidy(() => void weight.write(tf.add(weight.read(), 0.5))));
}

describe('GuardWatch', () => {
  it('reads every `every` steps and at the last', async () => {
    const model = await modelFromSpec(await twoConvModel(3));
    const watch = new GuardWatch(model, fakeController().controller, guard, undefined, verdicts());
    expect([1, 2, 3, 4, 5, 6, 7].filter((step) => watch.due(step, 7))).toEqual([3, 6, 7]);
    watch.dispose();
    model.dispose();
  });

  it('keeps the state of a reading that passes and goes back to it after one that fails', async () => {
    const model = await modelFromSpec(await twoConvModel(3));
    const { controller, calls } = fakeController();
    await expectNoLeaks(async () => {
      const watch = new GuardWatch(model, controller, guard, undefined, verdicts(0.9, 0.5, 0.79));
      train(model);
      controller.advance();
      expect(await watch.check(3)).toEqual({ step: 3, accuracy: 0.9, noise: 0.01, floor: 0.8 });
      expect(calls).toEqual(['goodReading']);
      const atGoodReading = weightsOf(model);

      train(model);
      controller.advance();
      expect(await watch.check(6)).toEqual({ step: 6, accuracy: 0.5, noise: 0.01, floor: 0.8, restoredFrom: 3 });
      expect(calls).toEqual(['goodReading', 'setBack to 1']);
      expect(weightsOf(model)).toEqual(atGoodReading);
      expect(watch.reading?.restoredFrom).toBe(3);

      // Within its noise of the floor: passes.
      expect((await watch.check(9)).restoredFrom).toBeUndefined();
      expect(calls.at(-1)).toBe('goodReading');
      watch.dispose();
    });
    model.dispose();
  });

  it('goes back to the model it started with (or where a resumed run stopped) when no reading has passed yet', async () => {
    const model = await modelFromSpec(await twoConvModel(3));
    const atStart = weightsOf(model);
    const { controller, calls } = fakeController();
    const watch = new GuardWatch(model, controller, guard, { step: 12, accuracy: 0.85, floor: 0.8 }, verdicts(0.1));
    expect(watch.reading?.step).toBe(12);
    train(model);
    controller.advance();
    expect((await watch.check(15)).restoredFrom).toBe(12);
    expect(calls).toEqual(['setBack to 0']);
    expect(weightsOf(model)).toEqual(atStart);
    watch.dispose();
    model.dispose();
  });
});
