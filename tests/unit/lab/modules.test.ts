/** Learner files: compiled with their own line numbers, errors located, imports limited to 'lab' and their files. */
import { describe, expect, test } from 'vitest';
import { LabError } from '$lib/runtime/lab/errors';
import { loadModules, toLearnerError } from '$lib/runtime/sandbox/modules';
import { nodeLab } from '../../support/run-in-node';

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

describe('the frozen lab', () => {
  test('a module that patches the lab fails with a message naming what it patched', () => {
    const lab = nodeLab().module;
    const files = {
      'main.ts':
        "import { gpu, onnx } from 'lab';\nexport function patch() {\n  gpu.dispatch = async () => ({ gpuMs: 0 });\n}\nexport function unrun() {\n  delete (onnx as { run?: unknown }).run;\n}\n"
    };
    const m = loadModules(files, lab);
    const failure = (fn: unknown) => {
      try {
        (fn as () => void)();
      } catch (e) {
        return toLearnerError(e, files);
      }
      throw new Error('expected the module to throw');
    };
    expect(failure(m.patch)).toMatchObject({
      kind: 'runtime',
      file: 'main.ts',
      line: 3,
      message:
        'main.ts:3: lab is read-only: your code assigned to lab.gpu.dispatch (lab.gpu.dispatch cannot be replaced or patched)'
    });
    expect(failure(m.unrun).message).toBe(
      'main.ts:6: lab is read-only: your code deleted lab.onnx.run (lab.onnx.run cannot be replaced or patched)'
    );
  });

  test('a module that patches the lab while it loads fails the same way', () => {
    const lab = nodeLab().module;
    const files = { 'main.ts': "import * as lab from 'lab';\nlab.tensors.randn = () => null as never;\n" };
    let err: unknown;
    try {
      loadModules(files, lab);
    } catch (e) {
      err = e;
    }
    expect(toLearnerError(err, files).message).toBe(
      'main.ts:2: lab is read-only: your code assigned to lab.tensors.randn (lab.tensors.randn cannot be replaced or patched)'
    );
  });
});
