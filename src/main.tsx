import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { App } from './ui/App';
import { ErrorBoundary } from './ui/ErrorBoundary';
import './ui/styles.css';
import { startEngineWorker } from './worker/bridge';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element.');

// `?backend=wasm` (or webgl, cpu) starts the backend chain there: for tests,
// and for users whose GPU misbehaves.
const address = new URLSearchParams(window.location.search);
const requestedBackend = address.get('backend');
// `?threads=N`: the wasm backend's threads where the page is cross-origin isolated (src/worker/threadChoice.ts).
const requestedThreads = address.get('threads');
const engine = startEngineWorker();

createRoot(root).render(
  <StrictMode>
    <ErrorBoundary>
      <App engine={engine} requestedBackend={requestedBackend} requestedThreads={requestedThreads} />
    </ErrorBoundary>
  </StrictMode>,
);
