/**
 * The simd backend beside onnxruntime-web, in this Node process, one thread: lesson 05's
 * AssemblyScript solution against onnxruntime-web's wasm attention graph and its MatMul
 * (src/lib/runtime/simd/side-by-side.ts, loaded through Vite for its `$lib` imports). Writes
 * bench-results/simd.json and simd.md, and prints the table. `npm run bench` runs it after the
 * browser sweep; alone: node scripts/bench-simd.mjs [--simd-n 1024,4096,8192]
 * [--simd-big 16384,65536] [--simd-repeats 5]. Timings are never asserted anywhere: quote them with the machine they came from.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { gzipSync } from 'node:zlib';
import { createServer } from 'vite';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const list = (s) => (s ? s.split(',').map(Number) : []);
const n = [...list(arg('simd-n', '1024,4096,8192')), ...list(arg('simd-big', '16384,65536'))];
const repeats = Number(arg('simd-repeats', '5'));

export async function benchSimd() {
  const vite = await createServer({ server: { middlewareMode: true }, appType: 'custom', logLevel: 'error' });
  try {
    const { sideBySide } = await vite.ssrLoadModule('/src/lib/runtime/simd/side-by-side.ts');
    const asc = (await import('assemblyscript/asc')).default;
    const ort = await import('onnxruntime-web');
    const source = readFileSync('lessons/05-flash-attention/solution/flash.as.ts', 'utf8');
    const r = await sideBySide({ asc, ort, source, n, repeats, log: (line) => console.log(line) });
    const gzip = (p) => gzipSync(readFileSync(p)).length;
    const compilerGzip =
      gzip('node_modules/assemblyscript/dist/asc.js') +
      gzip('node_modules/assemblyscript/dist/assemblyscript.js') +
      gzip('node_modules/binaryen/index.js') +
      gzip('node_modules/long/index.js');
    const mib = (b) => (b === null ? '—' : `${(b / 1024 / 1024).toFixed(1)} MiB`);
    const fmt = (x, digits = 1) => (x === null ? '—' : x.toFixed(digits));
    const md =
      `# The simd backend beside onnxruntime-web (Node ${process.version}, one thread)\n\n` +
      `${os.cpus()[0]?.model ?? 'CPU'} × ${os.cpus().length}, ${new Date().toISOString().slice(0, 10)}. ` +
      `Lesson 05's AssemblyScript solution (key block ${r.rows[0]?.keyBlock}, d = ${r.rows[0]?.d}) against onnxruntime-web ` +
      `${ort.env.versions?.web ?? ''} wasm, numThreads = 1: lesson 01's attention graph. Medians of ${repeats} interleaved runs ` +
      `(one run past N = 8192). Memory: the module's linear memory; the graph's tensors as the lab counts them.\n\n` +
      '| N | AssemblyScript ms | onnxruntime graph ms | ratio (ort / AS) | AS memory | graph tensors | AS GFLOP/s (causal) |\n' +
      '|---:|---:|---:|---:|---:|---:|---:|\n' +
      r.rows
        .map(
          (x) =>
            `| ${x.n} | ${fmt(x.simdMs)} | ${fmt(x.ortMs)} | ${x.ratio === null ? '—' : `×${x.ratio.toFixed(2)}`} | ${mib(x.simdBytes)} | ${mib(x.ortBytes)} | ${fmt(x.simdGflops, 2)} |`
        )
        .join('\n') +
      `\n\nonnxruntime-web MatMul ${r.matmul.n}³, one thread: ${fmt(r.matmul.gflops, 2)} GFLOP/s (median ${fmt(r.matmul.medianMs)} ms).\n` +
      `Compiler: lesson 05's solution compiled in ${Math.round(r.compileMs)} ms to ${r.moduleBytes} bytes; ` +
      `the compiler's JavaScript and WebAssembly (asc, assemblyscript, binaryen, long) weigh ${mib(compilerGzip)} gzipped.\n`;
    mkdirSync('bench-results', { recursive: true });
    writeFileSync('bench-results/simd.json', JSON.stringify({ ...r, compilerGzipBytes: compilerGzip }, null, 2));
    writeFileSync('bench-results/simd.md', md);
    console.log(md);
    return md;
  } finally {
    await vite.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchSimd();
