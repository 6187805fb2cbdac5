/** Says that the last visit's work came back after a reload (docs/METHOD.md §8), with the worker's notes; dismissible. */
import { useStudio } from '../store/store';
import { Busy } from './status';

export function RestoredNote() {
  const restored = useStudio((s) => s.restored);
  const dismiss = useStudio((s) => s.dismissRestored);
  if (!restored) return null;
  if (restored.state === 'running') return <Busy>Looking for the work of your last visit…</Busy>;
  const failed = restored.state === 'failed';
  return (
    <section className={failed ? 'notice restored-note' : 'notice notice-ok restored-note'} role="status" aria-label="Last visit" data-testid="restored-note">
      <p>
        {failed ? (
          <strong>Your last visit's work could not be brought back; the demo is loaded instead.</strong>
        ) : (
          <>
            <strong>Your previous work was restored:</strong> {restored.summary}.
          </>
        )}{' '}
        <button type="button" className="link" onClick={dismiss} data-testid="restored-dismiss">
          Dismiss
        </button>
      </p>
      {restored.notes.length > 0 && (
        <ul aria-label="Notes on restoring" data-testid="restored-notes">
          {restored.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
