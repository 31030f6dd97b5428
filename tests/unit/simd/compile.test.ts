/**
 * The AssemblyScript compile step in Node: modules come out for valid files, and compiler
 * diagnostics are located on the learner's own lines (the editor's markers read them).
 * Cost: a few compiles, about a second each.
 */
import asc from 'assemblyscript/asc';
import { describe, expect, test } from 'vitest';
import { type Asc, compileError, compileSimd, sourceHash } from '$lib/runtime/simd/compile';

const ok = `export function add(a: i32, b: i32): i32 {\n  return a + b;\n}\n`;

describe('compileSimd', () => {
  test('compiles each .as.ts file to a module and ignores the other files', async () => {
    const r = await compileSimd(asc as unknown as Asc, { 'k.as.ts': ok, 'main.ts': 'not AssemblyScript' });
    expect(r.diagnostics).toEqual([]);
    expect(Object.keys(r.modules)).toEqual(['k.as.ts']);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(r.modules['k.as.ts'] as Uint8Array<ArrayBuffer>), {
      env: { abort: () => undefined }
    });
    expect((instance.exports.add as (a: number, b: number) => number)(2, 3)).toBe(5);
  }, 60_000);

  test('a type error is reported at its line and column in the learner file', async () => {
    const bad = `export function f(): i32 {\n  const x: i32 = 1;\n  let y: f32 = "no";\n  return x;\n}\n`;
    const r = await compileSimd(asc as unknown as Asc, { 'k.as.ts': bad });
    expect(r.modules).toEqual({});
    const e = compileError(r.diagnostics);
    expect(e).toMatchObject({ kind: 'compile', file: 'k.as.ts', line: 3 });
    expect(e?.column).toBeGreaterThan(1);
    expect(e?.message).toMatch(/^k\.as\.ts:3:\d+: AS\d+: /);
  }, 60_000);

  test('the cache key changes with the source and only with AssemblyScript files', async () => {
    const a = await sourceHash({ 'k.as.ts': ok, 'main.ts': 'a' });
    expect(await sourceHash({ 'k.as.ts': ok, 'main.ts': 'b' })).toBe(a);
    expect(await sourceHash({ 'k.as.ts': ok + '\n' })).not.toBe(a);
  });
});
