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
const requestedBackend = new URLSearchParams(window.location.search).get('backend');
const engine = startEngineWorker();

createRoot(root).render(
  <StrictMode>
    <ErrorBoundary>
      <App engine={engine} requestedBackend={requestedBackend} />
    </ErrorBoundary>
  </StrictMode>,
);
