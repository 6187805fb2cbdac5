/**
 * Placeholder page until the studio's panels land: it names the three stages,
 * shows which backend the engine worker runs (and why not a better one), and
 * offers a self-test. No tensor code here: only the bridge and its types.
 */

import { useEffect, useState } from 'react';

import type { WorkerBridge } from '../worker/bridge';
import type { InitResult, SelfTestResult } from '../worker/messages';

type Load<T> =
  | { state: 'idle' }
  | { state: 'running' }
  | { state: 'done'; value: T }
  | { state: 'error'; message: string };

const STAGES = [
  {
    title: 'Model & data',
    text: 'Pick a built-in network and dataset, or drop in your own TensorFlow.js model and images.',
  },
  {
    title: 'Train & score',
    text: 'Sparse training with a GFR gate after every BatchNormalization layer, with live charts, then a global channel ranking.',
  },
  {
    title: 'Compress & export',
    text: 'A grid search over pruning ratios without fine-tuning, then download the smaller model and its report.',
  },
];

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function format(value: number, digits = 4): string {
  return Number.isFinite(value) ? value.toPrecision(digits) : String(value);
}

export interface AppProps {
  engine: WorkerBridge;
  /** The `?backend=` value of the page address, passed to the worker as is. */
  requestedBackend: string | null;
}

export function App({ engine, requestedBackend }: AppProps) {
  const [init, setInit] = useState<Load<InitResult>>({ state: 'running' });
  const [selfTest, setSelfTest] = useState<Load<SelfTestResult>>({ state: 'idle' });

  useEffect(() => {
    let live = true;
    engine.call('init', { requested: requestedBackend }).then(
      (value) => {
        if (live) setInit({ state: 'done', value });
      },
      (err: unknown) => {
        if (live) setInit({ state: 'error', message: messageOf(err) });
      },
    );
    return () => {
      live = false;
    };
  }, [engine, requestedBackend]);

  const runSelfTest = (): void => {
    setSelfTest({ state: 'running' });
    engine.call('selfTest', {}).then(
      (value) => setSelfTest({ state: 'done', value }),
      (err: unknown) => setSelfTest({ state: 'error', message: messageOf(err) }),
    );
  };

  return (
    <main className="page">
      <header className="masthead">
        <h1>GFR Studio</h1>
        <p className="lede">
          Make a convolutional network smaller and faster without leaving your browser. The studio adds a
          gate to every BatchNormalization layer, trains it sparse on your own GPU, ranks every channel by
          how much it matters, and searches for the largest share of channels it can remove without
          fine-tuning — then hands you back a standard TensorFlow.js model. Nothing is uploaded.
        </p>
      </header>

      <section className="engine" aria-labelledby="engine-title">
        <h2 id="engine-title">Engine</h2>
        <EngineStatus init={init} />
        <div className="self-test">
          <button
            type="button"
            onClick={runSelfTest}
            disabled={init.state !== 'done' || selfTest.state === 'running'}
            aria-describedby="self-test-help"
          >
            {selfTest.state === 'running' ? 'Running self-test…' : 'Run self-test'}
          </button>
          <p id="self-test-help" className="hint">
            A small convolution and one gradient step in the worker, checked against plain JavaScript.
          </p>
          <SelfTestOutcome selfTest={selfTest} />
        </div>
      </section>

      <ol className="stages">
        {STAGES.map((stage, i) => (
          <li key={stage.title} className="stage">
            <section aria-labelledby={`stage-${i}`}>
              <h2 id={`stage-${i}`}>
                <span className="stage-number">{i + 1}</span> {stage.title}
              </h2>
              <p>{stage.text}</p>
              <p className="soon">Coming soon</p>
            </section>
          </li>
        ))}
      </ol>
    </main>
  );
}

function EngineStatus({ init }: { init: Load<InitResult> }) {
  if (init.state === 'running' || init.state === 'idle') {
    return (
      <p className="status" role="status">
        Starting the engine worker and choosing a backend…
      </p>
    );
  }
  if (init.state === 'error') {
    return (
      <p className="status status-error" role="alert" data-testid="backend-error">
        The engine could not start: {init.message}
      </p>
    );
  }
  const { backend, note, attempts, adapter, tfjsVersion } = init.value;
  const software = backend === 'webgpu' && adapter?.software === true;
  const fellBack = backend !== 'webgpu';
  return (
    <div role="status">
      <p className="status">
        Backend:{' '}
        <strong className={fellBack || software ? 'badge badge-warn' : 'badge'} data-testid="backend">
          {backend}
        </strong>
      </p>
      <p className="note" data-testid="backend-note">
        {note}
      </p>
      <details>
        <summary>What was tried</summary>
        <ul className="attempts">
          {attempts.map((a) => (
            <li key={a.backend}>
              <code>{a.backend}</code>: {a.outcome === 'ok' ? 'works' : `${a.outcome} — ${a.reason}`}
            </li>
          ))}
        </ul>
        {adapter && (
          <p>
            WebGPU adapter: vendor “{adapter.vendor || 'not given'}”, architecture “
            {adapter.architecture || 'not given'}”, description “{adapter.description || adapter.device || 'not given'}”,
            fallback adapter: {adapter.isFallbackAdapter ? 'yes' : 'no'}.
          </p>
        )}
        <p>TensorFlow.js {tfjsVersion}</p>
      </details>
    </div>
  );
}

function SelfTestOutcome({ selfTest }: { selfTest: Load<SelfTestResult> }) {
  if (selfTest.state === 'error') {
    return (
      <p className="status status-error" role="alert" data-testid="selftest-error">
        Self-test failed: {selfTest.message}
      </p>
    );
  }
  if (selfTest.state !== 'done') return null;
  const r = selfTest.value;
  const stepOk = r.stepSkipped !== null || (r.lossAfter !== null && r.lossAfter < r.lossBefore);
  const passed = r.maxAbsError < 1e-3 && stepOk && r.leakedTensors === 0;
  return (
    <div aria-live="polite">
      <p className={passed ? 'status status-ok' : 'status status-error'} data-testid="selftest-verdict">
        {passed ? 'Self-test passed' : 'Self-test gave unexpected numbers'} on {r.backend} in {r.ms.toFixed(0)} ms
        {r.stepSkipped !== null && ' (forward pass only)'}.
      </p>
      {r.stepSkipped !== null && (
        <p className="hint" data-testid="selftest-skipped">
          Gradient step not run: {r.stepSkipped}.
        </p>
      )}
      <dl className="figures" data-testid="selftest-result">
        <dt>Loss before the step</dt>
        <dd data-testid="selftest-loss-before">{format(r.lossBefore)}</dd>
        <dt>Loss after the step</dt>
        <dd data-testid="selftest-loss-after">{r.lossAfter === null ? '—' : format(r.lossAfter)}</dd>
        <dt>Gradient norm</dt>
        <dd>{r.gradNorm === null ? '—' : format(r.gradNorm)}</dd>
        <dt>Largest error against plain JavaScript</dt>
        <dd data-testid="selftest-max-error">{r.maxAbsError.toExponential(1)}</dd>
        <dt>Tensors left behind</dt>
        <dd>{r.leakedTensors}</dd>
      </dl>
    </div>
  );
}
