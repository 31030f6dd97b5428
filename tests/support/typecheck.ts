/**
 * Type-checks a lesson's files as the learner's editor sees them: one folder of files (starter/, or
 * starter/ with solution/ laid over it), importing only 'lab' (src/lib/lab/lab.d.ts) and each other.
 * The solution is an overlay, so its files cannot be checked in place: they import starter files.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ts from 'typescript';

const LAB = resolve('src/lib/lab/lab.d.ts');
const WEBGPU = resolve('node_modules/@webgpu/types/dist/index.d.ts');
const options: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  types: [],
  noEmit: true,
  skipLibCheck: true,
  allowImportingTsExtensions: true
};

// Library files are parsed once for every program.
const cache = new Map<string, ts.SourceFile>();

/** Diagnostics as "file:line: message", for the learner files only (empty when they type-check). */
export function typecheck(files: Record<string, string>): string[] {
  const root = resolve('.lesson-typecheck');
  const virtual = new Map(Object.entries(files).map(([name, text]) => [resolve(root, name), text]));
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  host.readFile = (f) => virtual.get(resolve(f)) ?? read(f);
  host.fileExists = (
    (exists) => (f: string) =>
      virtual.has(resolve(f)) || exists(f)
  )(host.fileExists.bind(host));
  host.directoryExists = (
    (exists) => (d: string) =>
      resolve(d) === root || (exists?.(d) ?? false)
  )(host.directoryExists?.bind(host));
  const getSource = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lang) => {
    const text = virtual.get(resolve(f));
    if (text !== undefined) return ts.createSourceFile(f, text, lang);
    let s = cache.get(f);
    if (!s) {
      s = getSource(f, lang);
      if (s) cache.set(f, s);
    }
    return s;
  };
  // AssemblyScript files (*.as.ts) are checked by the AssemblyScript compiler (tests/unit/simd/).
  const roots = [...virtual.keys()].filter((f) => f.endsWith('.ts') && !f.endsWith('.as.ts'));
  const program = ts.createProgram([LAB, WEBGPU, ...roots], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => !d.file || virtual.has(resolve(d.file.fileName)) || d.file.fileName === LAB)
    .map((d) => {
      const where = d.file
        ? `${d.file.fileName.replace(root + '/', '')}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: `
        : '';
      return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
    });
}

export const labDeclarations = () => readFileSync(LAB, 'utf8');
