/**
 * The sandbox iframe's document. Its CSP forbids every network request; its only script relays
 * messages between the app and a fresh data: worker per run. It never runs learner code itself,
 * so it always stays responsive.
 */
const CSP = "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval' data:; worker-src data:";

export function sandboxDocument(workerSource: string): string {
  const bytes = new TextEncoder().encode(workerSource);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const url = `data:text/javascript;base64,${btoa(binary)}`;
  const relay = `
const WORKER_URL = ${JSON.stringify(url)};
let worker = null;
addEventListener('message', (e) => {
  if (e.source !== parent) return;
  const m = e.data;
  if (!m || m.v !== 1) return;
  if (m.type === 'run') {
    if (worker) worker.terminate();
    worker = new Worker(WORKER_URL);
    worker.onmessage = (w) => parent.postMessage(w.data, '*');
    worker.onerror = (w) => parent.postMessage({ v: 1, type: 'error', runId: m.runId, error: { kind: 'runtime', message: w.message || 'the run worker failed to start' } }, '*');
    worker.postMessage(m);
  } else if (m.type === 'stop') {
    if (worker) worker.terminate();
    worker = null;
  } else if (worker) {
    worker.postMessage(m);
  }
});
parent.postMessage({ v: 1, type: 'ready' }, '*');
`;
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${CSP}"></head><body><script>${relay.replace(/<\/script/gi, '<\\/script')}</script></body></html>`;
}
