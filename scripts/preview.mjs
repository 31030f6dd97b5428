/** The built site served by `vite preview` on a port, for the scripts: resolves once it answers; stop() ends it. */
import { spawn } from 'node:child_process';

export async function startPreview(port) {
  const server = spawn('npx', ['vite', 'preview', '--port', String(port), '--strictPort'], {
    stdio: 'ignore',
    detached: true
  });
  const stop = () => {
    try {
      process.kill(-server.pid);
    } catch {
      /* already gone */
    }
  };
  process.on('exit', stop);
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://localhost:${port}/`)).ok) return { stop };
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  stop();
  throw new Error('the preview server did not start');
}
