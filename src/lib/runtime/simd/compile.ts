/**
 * Compiles the learner's AssemblyScript files (`*.as.ts`) to WebAssembly with SIMD: one module per
 * file, each file an entry (it may import the run's other `.as.ts` files). The compiler is handed
 * in by the caller, so this file never imports it: the browser's compiler worker loads it with a
 * dynamic import on first use, and Node's tests import it directly. Diagnostics come back located
 * in the learner's own file, line and column, for the editor's markers.
 *
 * Cost: the compiler itself is several MB of JavaScript and WebAssembly (loaded once per worker);
 * one compile of a 60-line kernel at -O3 takes about a second on a laptop core.
 */
import type { LearnerError } from '../protocol';

/** The part of the `assemblyscript/asc` API used here. */
export interface Asc {
  main(
    argv: string[],
    options: {
      readFile(name: string, baseDir: string): string | null;
      writeFile(name: string, contents: Uint8Array | string, baseDir: string): void;
      listFiles(dir: string, baseDir: string): string[] | null;
      reportDiagnostic(d: AscDiagnostic): void;
      stdout?: unknown;
      stderr?: unknown;
    }
  ): Promise<{ error: Error | null }>;
  createMemoryStream?(): unknown;
}

interface AscDiagnostic {
  code: number;
  /** 0 pedantic, 1 info, 2 warning, 3 error. */
  category: number;
  message: string;
  range: { start: number; end: number; source: { normalizedPath: string } | null } | null;
}

export type Diagnostic = NonNullable<LearnerError['more']>[number];

export interface CompileResult {
  /** Module bytes by file name, for the files that compiled. */
  modules: Record<string, Uint8Array>;
  /** Errors and warnings, in the learner's files where the compiler located them. */
  diagnostics: Diagnostic[];
  ms: number;
}

/** 64 KiB pages a module may grow to: the WASM backend's memory budget (512 MiB). */
export const SIMD_MAX_PAGES = 8192;

/** The compiler's flags: -O3, SIMD, the stub runtime (a bump allocator) with `__new` exported. */
export const ASC_FLAGS = [
  '--optimizeLevel',
  '3',
  '--shrinkLevel',
  '0',
  '--runtime',
  'stub',
  '--exportRuntime',
  '--enable',
  'simd',
  '--maximumMemory',
  String(SIMD_MAX_PAGES),
  '--noColors'
];

export const isSimdFile = (name: string) => name.endsWith('.as.ts');

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/** Compile every `*.as.ts` file of `files`; files with errors give diagnostics and no module. */
export async function compileSimd(asc: Asc, files: Record<string, string>): Promise<CompileResult> {
  const t0 = performance.now();
  const modules: Record<string, Uint8Array> = {};
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const entry of Object.keys(files).filter(isSimdFile).sort()) {
    // asc names sources without their extension; map each back to the learner's file name.
    const byPath = new Map(Object.keys(files).map((name) => [name.replace(/\.ts$/, ''), name]));
    let binary: Uint8Array | null = null;
    let failed = false;
    const out = await asc.main([entry, '--outFile', 'out.wasm', ...ASC_FLAGS], {
      readFile: (name) => (name in files ? files[name] : null),
      writeFile: (name, contents) => {
        if (name === 'out.wasm' && contents instanceof Uint8Array) binary = contents;
      },
      listFiles: () => [],
      reportDiagnostic: (d) => {
        if (d.category < 2) return;
        const path = d.range?.source?.normalizedPath.replace(/\.ts$/, '');
        const file = path !== undefined ? byPath.get(path) : undefined;
        if (d.category === 3) failed = true;
        if (!file || !d.range) {
          if (d.category === 3) {
            diagnostics.push({
              file: entry,
              line: 1,
              column: 1,
              message: `AS${d.code}: ${d.message}`,
              severity: 'error'
            });
          }
          return;
        }
        const { line, column } = lineColumn(files[file], d.range.start);
        const key = `${file}:${line}:${column}:${d.message}`;
        if (seen.has(key)) return; // an imported file's diagnostics come once per entry that imports it
        seen.add(key);
        diagnostics.push({
          file,
          line,
          column,
          message: `${file}:${line}:${column}: AS${d.code}: ${d.message}`,
          severity: d.category === 3 ? 'error' : 'warning'
        });
      },
      ...(asc.createMemoryStream && { stdout: asc.createMemoryStream(), stderr: asc.createMemoryStream() })
    });
    if (out.error && !failed) {
      diagnostics.push({
        file: entry,
        line: 1,
        column: 1,
        message: `${entry}: ${out.error.message}`,
        severity: 'error'
      });
      failed = true;
    }
    if (!failed && binary) modules[entry] = binary;
  }
  return { modules, diagnostics, ms: performance.now() - t0 };
}

/** The compile's errors as one learner error (kind 'compile'), or null when there are none. */
export function compileError(diagnostics: Diagnostic[]): LearnerError | null {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0) return null;
  const first = errors[0];
  return {
    kind: 'compile',
    file: first.file,
    line: first.line,
    column: first.column,
    message: errors.length > 1 ? `${first.message} (and ${errors.length - 1} more)` : first.message,
    more: diagnostics
  };
}

/** SHA-256 of the files a compile reads, as hex: the cache key of its modules. */
export async function sourceHash(files: Record<string, string>): Promise<string> {
  const names = Object.keys(files).filter(isSimdFile).sort();
  const text = JSON.stringify([ASC_FLAGS, names.map((n) => [n, files[n]])]);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
