/** Which backend the engine worker runs, why not a better one, and the self-test. */
import { useStudio } from '../store/store';

const format = (value: number, digits = 4): string => (Number.isFinite(value) ? value.toPrecision(digits) : String(value));

export function EngineBar() {
  const engine = useStudio((s) => s.engine);
  const runSelfTest = useStudio((s) => s.runSelfTest);
  return (
    <section className="engine" aria-labelledby="engine-title">
      <h2 id="engine-title" className="visually-hidden">
        Engine
      </h2>
      <div className="engine-row">
        <EngineStatus />
        <div className="self-test">
          <button
            type="button"
            className="secondary"
            onClick={() => void runSelfTest()}
            disabled={engine.state !== 'done' || engine.selfTest.state === 'running'}
            aria-describedby="self-test-help"
          >
            {engine.selfTest.state === 'running' ? 'Running self-test…' : 'Run self-test'}
          </button>
          <p id="self-test-help" className="hint">
            A small convolution and one gradient step in the worker, checked against plain JavaScript.
          </p>
        </div>
      </div>
      <SelfTestOutcome />
    </section>
  );
}

function EngineStatus() {
  const { state, info, error } = useStudio((s) => s.engine);
  if (state === 'error') {
    return (
      <p className="status status-error" role="alert" data-testid="backend-error">
        The engine could not start: {error}
      </p>
    );
  }
  if (!info) {
    return (
      <p className="status" role="status">
        Starting the engine worker and choosing a backend…
      </p>
    );
  }
  const { backend, note, attempts, adapter, tfjsVersion, wasmThreads } = info;
  const software = backend === 'webgpu' && adapter?.software === true;
  const fellBack = backend !== 'webgpu';
  return (
    <div role="status" className="engine-status">
      <p className="status">
        Backend:{' '}
        <strong className={fellBack || software ? 'badge badge-warn' : 'badge'} data-testid="backend">
          {backend}
        </strong>
        {wasmThreads && (
          <>
            {' '}
            <span className="hint" data-testid="wasm-threads">
              {wasmThreads.label}
            </span>
          </>
        )}
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
            WebGPU adapter: vendor “{adapter.vendor || 'not given'}”, architecture “{adapter.architecture || 'not given'}”,
            description “{adapter.description || adapter.device || 'not given'}”, fallback adapter:{' '}
            {adapter.isFallbackAdapter ? 'yes' : 'no'}.
          </p>
        )}
        <p>TensorFlow.js {tfjsVersion}</p>
      </details>
    </div>
  );
}

function SelfTestOutcome() {
  const selfTest = useStudio((s) => s.engine.selfTest);
  if (selfTest.state === 'error') {
    return (
      <p className="status status-error" role="alert" data-testid="selftest-error">
        Self-test failed: {selfTest.error}
      </p>
    );
  }
  if (selfTest.state !== 'done' || !selfTest.result) return null;
  const r = selfTest.result;
  const stepOk = r.stepSkipped !== null || (r.lossAfter !== null && r.lossAfter < r.lossBefore);
  const passed = r.maxAbsError < 1e-3 && stepOk && r.leakedTensors === 0;
  return (
    <div aria-live="polite" className="self-test-outcome">
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
