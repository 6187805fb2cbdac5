// The wasm backend starts once per process; Vitest gives each test file its own, so this file starts it threaded.
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';

import { useNodeBackend } from './node';

const require = createRequire(import.meta.url);

describe('the threaded wasm build in Node', () => {
  it('starts two threads and computes a convolution as the cpu backend does', async () => {
    const workerThreads = require('node:worker_threads') as { Worker: unknown };
    const os = require('node:os') as { cpus: unknown };
    const [NodeWorker, cpus] = [workerThreads.Worker, os.cpus];
    expect(await useNodeBackend('wasm', { threads: 2 })).toBe('wasm');
    expect(getThreadsCount()).toBe(2);
    // What it patched to start is back as it was.
    expect(workerThreads.Worker).toBe(NodeWorker);
    expect(os.cpus).toBe(cpus);

    const input = tf.tidy(() => tf.randomUniform([2, 9, 9, 8], -1, 1, 'float32', 1)) as tf.Tensor4D;
    const filter = tf.tidy(() => tf.randomUniform([3, 3, 8, 16], -1, 1, 'float32', 2)) as tf.Tensor4D;
    const threaded = tf.conv2d(input, filter, 1, 'same');
    const values = await threaded.data();
    const [x, f] = [await input.array(), await filter.array()];
    tf.dispose([input, filter, threaded]);

    await useNodeBackend('cpu');
    const reference = tf.tidy(() => tf.conv2d(tf.tensor4d(x), tf.tensor4d(f), 1, 'same').dataSync());
    expect(values.length).toBe(2 * 9 * 9 * 16);
    let worst = 0;
    for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(values[i] - reference[i]));
    expect(worst).toBeLessThan(1e-4);

    // The first call fixed the threads: asking for other threads later says so.
    await expect(useNodeBackend('wasm', { threads: 1 })).rejects.toThrow(/runs on 2 thread\(s\), not 1/);
  });
});
