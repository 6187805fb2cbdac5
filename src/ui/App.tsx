/**
 * The studio: one page, three stages that follow the method (docs/METHOD.md §8).
 * All tensor work runs in the engine worker; this page only holds plain data
 * in one zustand store (./store) and draws it.
 */
import { useEffect, useState, type ReactNode } from 'react';

import type { WorkerBridge } from '../worker/bridge';
import { warmUpCharts } from './charts/chartWarmUp';
import { DropTarget } from './components/DropTarget';
import { RestoredNote } from './components/RestoredNote';
import { SavedWorkBar } from './components/SavedWorkBar';
import { CompressExportPanel } from './panels/CompressExportPanel';
import { EngineBar } from './panels/EngineBar';
import { ModelDataPanel } from './panels/ModelDataPanel';
import { TrainScorePanel } from './panels/TrainScorePanel';
import { createStudioStore, selectInputsReady, StudioProvider, useStudio } from './store/store';

export interface AppProps {
  engine: WorkerBridge;
  /** The `?backend=` value of the page address, passed to the worker as is. */
  requestedBackend: string | null;
  /** The `?threads=` value of the page address (wasm threads), passed to the worker as is. */
  requestedThreads?: string | null;
}

export function App({ engine, requestedBackend, requestedThreads = null }: AppProps) {
  const [store] = useState(() => createStudioStore({ engine, requestedBackend, requestedThreads, restartEngine: () => engine.restart() }));
  useEffect(() => {
    const stopNotices = engine.onNotice((notice) => store.getState().storageNotice(notice));
    const stopFailures = engine.onFailure((error) => void store.getState().recoverEngine(error.message));
    void store.getState().startEngine();
    void store.getState().requestPersistentStorage();
    warmUpCharts();
    return () => {
      stopNotices();
      stopFailures();
    };
  }, [store, engine]);
  return (
    <StudioProvider store={store}>
      <Studio />
    </StudioProvider>
  );
}

function Studio() {
  return (
    <main className="page">
      <header className="masthead">
        <h1>GFR Studio</h1>
        <p className="lede">
          Make a convolutional network smaller and faster without leaving your browser. The studio adds a gate to every
          BatchNormalization layer, trains it sparse on your own GPU, ranks every channel by how much it matters, and searches for
          the largest share of channels it can remove without fine-tuning, then hands you back a standard TensorFlow.js model.
          Nothing is uploaded.
        </p>
      </header>
      <EngineBar />
      <SavedWorkBar />
      <RestoredNote />
      <DropTarget />
      <div className="stages">
        <Stage n={1} title="Model & data" done={useStudio(selectInputsReady)}
          text="Choose the network to compress and the images to train and measure it on. The studio finds which channels can be removed and which must go together (a shortcut or a depthwise layer ties them).">
          <ModelDataPanel />
        </Stage>
        <Stage n={2} title="Train & score" done={useStudio((s) => s.scores.result !== null)}
          text="Sparse training pushes unneeded channels towards zero while a gate after each BN learns how much each channel matters (sr). Each channel then gets an importance, |γ| × sr, and one global ranking.">
          <TrainScorePanel />
        </Stage>
        <Stage n={3} title="Compress & export" done={useStudio((s) => s.exported.state === 'done')}
          text="For each ratio of a grid, the lowest-ranked channels are cut without fine-tuning, BN statistics are re-estimated, and the smaller model is measured. Keep the largest cut that stays within your tolerance, then download it.">
          <CompressExportPanel />
        </Stage>
      </div>
    </main>
  );
}

function Stage({ n, title, text, done, children }: { n: number; title: string; text: string; done: boolean; children: ReactNode }) {
  return (
    <section className="stage" aria-labelledby={`stage-${n}`} data-testid={`stage-${n}`}>
      <h2 id={`stage-${n}`}>
        <span className={done ? 'stage-number stage-done' : 'stage-number'} aria-hidden="true">
          {done ? '✓' : n}
        </span>{' '}
        {title}
      </h2>
      <p className="stage-text">{text}</p>
      {children}
    </section>
  );
}
