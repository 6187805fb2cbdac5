/**
 * The GFR layer's training form as two ops with their own gradients, so the
 * tape records two nodes per layer instead of ~12 (the gates' spatial mean,
 * two dense layers with bias, relu, the temperature, sigmoid, the broadcast
 * multiply). Same maths as GfrLayer.computeGates and x ⊙ s:
 *   z = mean_HW(x),  h = relu(z·W1 + b1),  u = h·W2 + b2,  s = sigmoid(u / τ)
 * Backward, in closed form, with the same kernels tfjs's own gradients use:
 *   du = ds·s·(1 − s)/τ,  dW2 = hᵀ·du,  db2 = Σ_N du,  dh = du·W2ᵀ·[h > 0]
 *   dW1 = zᵀ·dh,  db1 = Σ_N dh,  dx = broadcast_HW(dh·W1ᵀ / (H·W))
 * The gates stay a tensor of their own (the penalty and the sr update read
 * them), so gating is the second op: y = x ⊙ s, dx = dy ⊙ s, ds = Σ_HW dy ⊙ x.
 * Backend-agnostic: tfjs ops only.
 */
import * as tf from '@tensorflow/tfjs';

export interface GateWeights {
  kernel1: tf.Tensor;
  bias1: tf.Tensor;
  kernel2: tf.Tensor;
  bias2: tf.Tensor;
}

/** Per-sample shape of the gates against an input of `x`'s rank: [N, 1, 1, C] for images, [N, C] otherwise. */
const perSample = (gates: tf.Tensor, x: tf.Tensor): tf.Tensor => (x.rank === 4 ? tf.reshape(gates, [gates.shape[0], 1, 1, gates.shape[1]!]) : gates);

function gfrGates_(x: tf.Tensor, weights: GateWeights, temperature: number): tf.Tensor2D {
  const spatial = x.rank === 4 ? x.shape[1]! * x.shape[2]! : 1;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, kernel1, bias1, kernel2, bias2] = args as tf.Tensor[];
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const z = (input.rank === 4 ? tf.mean(input, [1, 2]) : input) as tf.Tensor2D;
    // Plain products, not tf.fused.matMul: under a tape that leaves the relu out, and its reshapes to 3D and back
    // cost three kernels per product against the one Add of the bias.
    const h = tf.relu(tf.add(tf.matMul(z, kernel1 as tf.Tensor2D), bias1));
    const u = tf.add(tf.matMul(h, kernel2 as tf.Tensor2D), bias2);
    const gates = tf.sigmoid(temperature === 1 ? u : tf.div(u, temperature));
    save([z, h, gates]);
    const gradFunc = (ds: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [zs, hs, s] = saved;
      const dSigmoid = tf.mul(ds, tf.mul(s, tf.sub(1, s)));
      const du = temperature === 1 ? dSigmoid : tf.div(dSigmoid, temperature);
      const dKernel2 = tf.matMul(hs as tf.Tensor2D, du as tf.Tensor2D, true, false);
      const dBias2 = tf.sum(du, 0);
      const dh = tf.mul(tf.matMul(du as tf.Tensor2D, kernel2 as tf.Tensor2D, false, true), tf.step(hs));
      const dKernel1 = tf.matMul(zs as tf.Tensor2D, dh, true, false);
      const dBias1 = tf.sum(dh, 0);
      const dz = tf.matMul(dh, kernel1 as tf.Tensor2D, false, true);
      const dx = input.rank === 4 ? tf.broadcastTo(perSample(tf.div(dz, spatial), input), input.shape) : dz;
      return [dx, dKernel1, dBias1, dKernel2, dBias2];
    };
    return { value: gates, gradFunc };
  });
  return op(x, weights.kernel1, weights.bias1, weights.kernel2, weights.bias2) as tf.Tensor2D;
}

function applyGates_(x: tf.Tensor, gates: tf.Tensor2D): tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, s] = args as tf.Tensor[];
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const sampleGates = perSample(s, input);
    save([input, sampleGates]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xs, g] = saved;
      const dGates = input.rank === 4 ? tf.sum(tf.mul(dy, xs), [1, 2]) : tf.mul(dy, xs);
      return [tf.mul(dy, g), dGates];
    };
    return { value: tf.mul(input, sampleGates), gradFunc };
  });
  return op(x, gates);
}

/** s = sigmoid((relu(mean_HW(x)·W1 + b1)·W2 + b2) / τ) for a batch, [N, C], differentiable in x and the weights. */
export const gfrGates = tf.op({ gfrGates_ });

/** x ⊙ s with s per sample and channel, differentiable in both. */
export const applyGates = tf.op({ applyGates_ });
