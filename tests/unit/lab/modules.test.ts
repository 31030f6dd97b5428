/** Learner files: compiled with their own line numbers, errors located, imports limited to 'lab' and their files. */
import { describe, expect, test } from 'vitest';
import { LabError } from '$lib/runtime/lab/errors';
import { loadModules, toLearnerError } from '$lib/runtime/sandbox/modules';

const lab = { answer: 42 };

describe('learner modules', () => {
  test('types are stripped; lab and sibling files resolve; shaders import as text', () => {
    const files = {
      'main.ts':
        "import { answer } from 'lab';\nimport shader from './k.wgsl';\nimport { twice } from './util';\nexport const out: number = twice(answer);\nexport const src = shader;\n",
      'util.ts': 'export function twice(x: number): number { return 2 * x; }\n',
      'k.wgsl': '@compute fn main() {}'
    };
    const m = loadModules(files, lab);
    expect(m.out).toBe(84);
    expect(m.src).toBe('@compute fn main() {}');
  });

  test('a syntax error names the file, line and column', () => {
    try {
      loadModules({ 'main.ts': 'const a = 1;\nconst b = ;\n' }, lab);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LabError);
      const d = (e as LabError).detail;
      expect(d).toMatchObject({ kind: 'compile', file: 'main.ts', line: 2 });
      expect(d.message).toMatch(/^main\.ts:2:\d+: /);
    }
  });

  test('a runtime error is located on the learner’s line', () => {
    const files = { 'main.ts': 'export function f() {\n  const o: { x: number } | null = null;\n  return o!.x;\n}\n' };
    const m = loadModules(files, lab);
    let err: unknown;
    try {
      (m.f as () => number)();
    } catch (e) {
      err = e;
    }
    const d = toLearnerError(err, files);
    expect(d).toMatchObject({ kind: 'runtime', file: 'main.ts', line: 3 });
    expect(d.message).toMatch(/TypeError/);
  });

  test('importing anything else is refused with the list of what can be imported', () => {
    expect(() => loadModules({ 'main.ts': "import fs from 'node:fs';\nexport const x = fs;\n" }, lab)).toThrow(
      "main.ts imports 'node:fs', but only 'lab' and this lesson's files (main.ts) can be imported"
    );
  });
});
