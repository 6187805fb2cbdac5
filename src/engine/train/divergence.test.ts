import { describe, expect, it } from 'vitest';
import { UserError } from '../core/errors';
import { chanceCrossEntropy, DivergenceWatch, RUNAWAY_WINDOW } from './divergence';

describe('divergence watch', () => {
  const chance = chanceCrossEntropy('softmax', 10);

  it('stops at a non-finite loss, naming the step and a smaller learning rate', () => {
    const watch = new DivergenceWatch(0.5, chance);
    watch.afterStep(1, 2.3, 2.3);
    expect(() => watch.afterStep(2, Infinity, 2.1)).toThrow(UserError);
    expect(() => new DivergenceWatch(0.5, chance).afterStep(7, NaN, NaN)).toThrow(/Training diverged at step 7: the loss became NaN\..*smaller learning rate than 0\.5/);
  });

  it('stops a run whose finite cross-entropy runs away, and lets a noisy but working run go on', () => {
    const runaway = new DivergenceWatch(1e6, chance);
    const losses = [2.4, 9, 14, 15, 15, 15];
    expect(() => losses.forEach((loss, index) => runaway.afterStep(index + 1, loss, loss))).toThrow(/Training diverged at step 5: the cross-entropy rose from 2\.400 at step 1 to 11\.080 over the last 5 steps/);
    const working = new DivergenceWatch(1e-3, chance);
    // A trained start (low loss) with a burst that stays below 3× chance level.
    for (let step = 1; step <= 40; step++) working.afterStep(step, 0.1, step % 7 === 0 ? 5 : 0.1);
  });

  it('judges a run shorter than the window at its last step', () => {
    const short = new DivergenceWatch(1, chance);
    short.afterStep(1, 2.3, 2.3);
    expect(RUNAWAY_WINDOW).toBeGreaterThan(2);
    expect(() => short.afterStep(2, 16, 16, true)).toThrow(/diverged at step 2/);
  });

  it('takes chance level for independent sigmoids as C·ln 2', () => {
    expect(chanceCrossEntropy('sigmoid', 4)).toBeCloseTo(4 * Math.LN2);
    expect(chanceCrossEntropy('logits', 10)).toBeCloseTo(Math.log(10));
  });
});
