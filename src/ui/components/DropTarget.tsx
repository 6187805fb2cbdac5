/**
 * The whole page takes dropped files: a model (model.json + shards, a zip
 * holding one, a .keras, .h5 or .onnx file), data (IDX files, image folders or zips), or both at once.
 */
import { useEffect, useState } from 'react';

import { readAndSort, takeDropped } from '../lib/files';
import { selectBusy, useStudio } from '../store/store';

export function DropTarget() {
  const [over, setOver] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const loadModelFiles = useStudio((s) => s.loadModelFiles);
  const loadDataFiles = useStudio((s) => s.loadDataFiles);
  const busy = useStudio(selectBusy);
  const ready = useStudio((s) => s.engine.state === 'done');

  useEffect(() => {
    let depth = 0;
    const hasFiles = (event: DragEvent): boolean => Array.from(event.dataTransfer?.types ?? []).includes('Files');
    const onEnter = (event: DragEvent): void => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth++;
      setOver(true);
    };
    const onOver = (event: DragEvent): void => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = busy || !ready ? 'none' : 'copy';
    };
    const onLeave = (): void => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const onDrop = (event: DragEvent): void => {
      event.preventDefault();
      depth = 0;
      setOver(false);
      if (!event.dataTransfer) return;
      if (busy || !ready) {
        setNote('The studio is busy; drop the files again when training or the search has stopped.');
        return;
      }
      const taken = takeDropped(event.dataTransfer);
      void (async () => {
        const sorted = await readAndSort(await taken);
        const parts = [
          sorted.model.length ? `${sorted.model.length} model file${sorted.model.length > 1 ? 's' : ''}` : '',
          sorted.data.length ? `${sorted.data.length} data file${sorted.data.length > 1 ? 's' : ''}` : '',
        ].filter(Boolean);
        setNote(parts.length ? `Dropped ${parts.join(' and ')}.` : 'The drop held no files.');
        // The model first: data is checked against the model's input.
        if (sorted.model.length) await loadModelFiles(sorted.model);
        if (sorted.data.length) await loadDataFiles(sorted.data);
      })();
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragover', onOver);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('drop', onDrop);
    };
  }, [busy, ready, loadModelFiles, loadDataFiles]);

  return (
    <>
      {over && (
        <div className="drop-overlay" aria-hidden="true">
          <div>
            <strong>Drop to load</strong>
            <span>a model (model.json with its .bin files, a zip, a .keras, an .h5 or an .onnx file) and/or data (IDX files, or images in one folder per class)</span>
          </div>
        </div>
      )}
      <p className="visually-hidden" role="status" data-testid="drop-note">
        {note}
      </p>
      {note && (
        <p className="drop-note" aria-hidden="true">
          {note}{' '}
          <button type="button" className="link" onClick={() => setNote(null)}>
            Dismiss
          </button>
        </p>
      )}
    </>
  );
}
