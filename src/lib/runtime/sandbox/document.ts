/**
 * The sandbox frame's document. The app serves it as a file of its own and loads it in an
 * iframe with sandbox="allow-scripts": an opaque origin, and a CSP of its own (an srcdoc frame
 * would inherit the app's, which forbids what the sandbox needs: eval of learner code and data:
 * workers). Its CSP forbids every network request; the data: run workers inherit it. Its only
 * script, allowed by hash, is the frame's relay (frame.ts), given the run worker's source as a
 * data: URL (the only kind of worker that keeps WebGPU in an opaque-origin frame).
 */
export function sandboxDocument(
  frameScript: string,
  workerSource: string,
  sha256Base64: (text: string) => string
): string {
  const bytes = new TextEncoder().encode(workerSource);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const url = `data:text/javascript;base64,${btoa(binary)}`;
  const script = `${frameScript}\nSpeedLabFrame.start(${JSON.stringify(url)});`.replace(/<\/script/gi, '<\\/script');
  const csp = `default-src 'none'; script-src 'sha256-${sha256Base64(script)}' 'unsafe-eval'; worker-src data:`;
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><title>sandbox</title></head><body><script>${script}</script></body></html>`;
}
