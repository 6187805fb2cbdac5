import { describe, expect, it } from 'vitest';

import { WorkerBridge, WorkerError } from './bridge';
import type { WorkerPort } from './bridge';
import type { InitResult, WorkerRequest, WorkerResponse } from './messages';

/** A stand-in for `Worker`: records what the page sends and lets the test answer. */
class FakePort extends EventTarget implements WorkerPort {
  sent: WorkerRequest[] = [];
  terminated = false;
  postMessage(message: WorkerRequest): void {
    this.sent.push(message);
  }
  reply(data: WorkerResponse): void {
    const event = new Event('message');
    Object.assign(event, { data });
    this.dispatchEvent(event);
  }
  crash(message: string): void {
    const event = new Event('error', { cancelable: true });
    Object.assign(event, { message });
    this.dispatchEvent(event);
  }
  terminate(): void {
    this.terminated = true;
  }
}

const INIT: InitResult = {
  backend: 'cpu',
  attempts: [{ backend: 'cpu', outcome: 'ok', reason: '' }],
  adapter: null,
  missingTrainingKernels: [],
  note: 'Running on plain JavaScript (cpu).',
  requested: 'cpu',
  tfjsVersion: '4.22.0',
};

describe('WorkerBridge', () => {
  it('matches results to calls by request id', async () => {
    const port = new FakePort();
    const bridge = new WorkerBridge(port);
    const first = bridge.call('init', { requested: 'cpu' });
    const second = bridge.call('init', { requested: null });
    const [a, b] = port.sent;
    expect(a).toMatchObject({ kind: 'call', method: 'init', params: { requested: 'cpu' } });
    expect(b.id).not.toBe(a.id);
    port.reply({ kind: 'result', id: b.id, result: { ...INIT, note: 'second' } });
    port.reply({ kind: 'result', id: a.id, result: INIT });
    await expect(first).resolves.toEqual(INIT);
    await expect(second).resolves.toMatchObject({ note: 'second' });
  });

  it("rejects with the worker's error name and message", async () => {
    const port = new FakePort();
    const bridge = new WorkerBridge(port);
    const call = bridge.call('selfTest', {});
    port.reply({ kind: 'error', id: port.sent[0].id, error: { name: 'UserError', message: 'bad model' } });
    const err = await call.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerError);
    expect(err).toMatchObject({ name: 'UserError', message: 'bad model' });
  });

  it('passes progress to the caller before the result', async () => {
    const port = new FakePort();
    const bridge = new WorkerBridge(port);
    const seen: number[] = [];
    const call = bridge.call('selfTest', {}, { onProgress: (p) => seen.push(p.done) });
    const { id } = port.sent[0];
    port.reply({ kind: 'progress', id, progress: { done: 0, total: 1 } });
    port.reply({ kind: 'progress', id, progress: { done: 1, total: 1 } });
    port.reply({ kind: 'error', id, error: { name: 'Error', message: 'x' } });
    await expect(call).rejects.toThrow('x');
    expect(seen).toEqual([0, 1]);
  });

  it('sends cancel to the worker and rejects when the signal aborts', async () => {
    const port = new FakePort();
    const bridge = new WorkerBridge(port);
    const controller = new AbortController();
    const call = bridge.call('selfTest', {}, { signal: controller.signal });
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: 'CancelledError' });
    expect(port.sent[1]).toEqual({ kind: 'cancel', id: port.sent[0].id });
    // A late answer for the cancelled call is ignored.
    port.reply({ kind: 'result', id: port.sent[0].id, result: INIT });
  });

  it('rejects every pending call, and later ones, when the worker dies', async () => {
    const port = new FakePort();
    const bridge = new WorkerBridge(port);
    const pending = bridge.call('init', {});
    port.crash('SyntaxError: bad chunk');
    await expect(pending).rejects.toThrow('The engine worker failed: SyntaxError: bad chunk.');
    await expect(bridge.call('selfTest', {})).rejects.toThrow('The engine worker failed');
  });

  it('explains a worker that fails without a message (a script that could not load)', async () => {
    const port = new FakePort();
    const bridge = new WorkerBridge(port);
    const pending = bridge.call('init', {});
    port.crash('');
    await expect(pending).rejects.toThrow(/could not be loaded/);
  });

  it('tells its listeners once when the worker dies, and restart starts a new worker that answers', async () => {
    const ports: FakePort[] = [];
    const bridge = new WorkerBridge(() => {
      ports.push(new FakePort());
      return ports[ports.length - 1];
    });
    const failures: string[] = [];
    bridge.onFailure((error) => failures.push(error.message));
    const pending = bridge.call('train', {} as never);
    ports[0].crash('Uncaught Error: the GPU device was lost');
    ports[0].crash('again');
    await expect(pending).rejects.toThrow(/GPU device was lost/);
    expect(failures).toEqual(['The engine worker failed: Uncaught Error: the GPU device was lost.']);
    expect(bridge.restart()).toBe(true);
    expect(ports[0].terminated).toBe(true);
    const init = bridge.call('init', { requested: 'wasm' });
    expect(ports[1].sent[0]).toMatchObject({ method: 'init', params: { requested: 'wasm' } });
    ports[1].reply({ kind: 'result', id: ports[1].sent[0].id, result: INIT });
    await expect(init).resolves.toEqual(INIT);
    // The old worker's late messages are ignored.
    ports[0].crash('late');
    expect(failures).toHaveLength(1);
    expect(new WorkerBridge(new FakePort()).restart()).toBe(false);
  });

  it('passes background notices to its listeners', () => {
    const port = new FakePort();
    const bridge = new WorkerBridge(port);
    const notices: unknown[] = [];
    bridge.onNotice((notice) => notices.push(notice));
    port.reply({ kind: 'notice', notice: { kind: 'failed', what: 'candidate #3', reason: 'full' } });
    expect(notices).toEqual([{ kind: 'failed', what: 'candidate #3', reason: 'full' }]);
  });
});
