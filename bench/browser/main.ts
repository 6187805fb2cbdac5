/** The bench page: runs one measurement in a worker and exposes the reply as window.benchResult. */
import { requestFromQuery, type BenchReply } from './protocol';

declare global {
  interface Window {
    benchResult?: BenchReply;
  }
}

const request = requestFromQuery(new URLSearchParams(location.search));
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const show = (reply: BenchReply) => {
  window.benchResult = reply;
  document.getElementById('result')!.textContent = JSON.stringify(reply, null, 2);
  worker.terminate();
};
worker.onmessage = (event: MessageEvent<BenchReply>) => show(event.data);
worker.onerror = (event) => show({ ok: false, error: `worker error: ${event.message}` });
worker.postMessage(request);
