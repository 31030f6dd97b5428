/**
 * Every lesson's AssemblyScript files (`*.as.ts`, starter and solution), in CI: each compiles with
 * the AssemblyScript compiler (`asc -O3 --enable simd`, as the page compiles it), and each
 * type-checks with TypeScript against the editor's declarations (runtime/simd/editor-types.ts),
 * so the editor shows no false errors on them. Cost: one compile per file, about a second each.
 */
import asc from 'assemblyscript/asc';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';
import { lessons } from '$lib/lessons/loader';
import { type Asc, compileSimd, isSimdFile } from '$lib/runtime/simd/compile';
import { ASSEMBLYSCRIPT_TYPES } from '$lib/runtime/simd/editor-types';

const files = lessons().flatMap((l) =>
  (['starter', 'solution'] as const).flatMap((which) =>
    Object.entries(l[which])
      .filter(([name]) => isSimdFile(name))
      .map(([name, text]) => [`${l.slug}/${which}/${name}`, name, text] as const)
  )
);

function typecheck(name: string, text: string): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    types: []
  };
  const virtual = new Map([
    ['/as/' + name, text],
    ['/as/assemblyscript.d.ts', ASSEMBLYSCRIPT_TYPES]
  ]);
  const host = ts.createCompilerHost(options);
  const getSource = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lang) => {
    const t = virtual.get(f);
    return t !== undefined ? ts.createSourceFile(f, t, lang) : getSource(f, lang);
  };
  const exists = host.fileExists.bind(host);
  host.fileExists = (f) => virtual.has(f) || exists(f);
  const program = ts.createProgram([...virtual.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1 : 0;
    return `${d.file?.fileName ?? ''}:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

test('some lesson has AssemblyScript files', () => {
  expect(files.length).toBeGreaterThan(0);
});

describe.each(files)('%s', (_, name, text) => {
  test('compiles with asc -O3 --enable simd', async () => {
    const r = await compileSimd(asc as unknown as Asc, { [name]: text });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(Object.keys(r.modules)).toEqual([name]);
  }, 60_000);

  test("type-checks against the editor's declarations", () => {
    expect(typecheck(name, text)).toEqual([]);
  });
});
