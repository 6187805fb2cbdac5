/**
 * Where the work is kept: a save that failed (what was not saved, and what a
 * reload would bring back instead), the engine starting again after a crash,
 * whether the browser promised to keep the storage, and forgetting it all.
 */
import { useStudio } from '../store/store';

export function SavedWorkBar() {
  const saving = useStudio((s) => s.saving);
  const recovery = useStudio((s) => s.engine.recovery);
  const busy = useStudio((s) => s.engine.state !== 'done' || s.training.state === 'running' || s.search.state === 'running');
  const dismiss = useStudio((s) => s.dismissSaveFailure);
  const forget = useStudio((s) => s.forgetSavedWork);
  const { failure } = saving;
  return (
    <section className="saved-work" aria-label="Saved work">
      {recovery && (
        <p className={recovery.state === 'done' ? 'notice notice-ok' : 'notice'} role="alert" data-testid="engine-recovery" data-state={recovery.state}>
          {recovery.text}
        </p>
      )}
      {failure && (
        <p className="notice" role="alert" data-testid="save-failed">
          <strong>Not saved: {failure.what}</strong> ({failure.reason}
          {failure.count > 1 ? `; ${failure.count} saves have failed` : ''}). Your work here is intact, but a reload now would bring back
          only what was saved before. Free some space for this site, or download what you need.{' '}
          <button type="button" className="link" onClick={dismiss}>
            Dismiss
          </button>
        </p>
      )}
      <p className="hint">
        Your work is kept in this browser, so a reload or a crash loses nothing
        {saving.persisted === true ? ' (the browser keeps it until you forget it)' : saving.persisted === false ? ' (the browser may clear it if space runs low)' : ''}
        .{' '}
        <button type="button" className="link" onClick={() => void forget()} disabled={busy} data-testid="forget-saved-work">
          Forget saved work
        </button>{' '}
        (and start afresh with the demo).
        {saving.error && <span role="alert"> {saving.error}</span>}
      </p>
    </section>
  );
}
