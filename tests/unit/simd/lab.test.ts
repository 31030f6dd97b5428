/**
 * lab.simd in Node, through the same `execute` as the sandbox: tensors in and out of a compiled
 * AssemblyScript module, its memory counted by the lab, an abort located on the learner's line, a
 * module that grows its memory to the limit stopped with the reason, and compile errors located.
 * Cost: a handful of small compiles (about a second each).
 */
import { describe, expect, test } from 'vitest';
import { runInNode } from '../../support/run-in-node';

const kernel = `
export function scale(x: usize, y: usize, n: i32, s: f32): void {
  const v = f32x4.splat(s);
  for (let i = 0; i < n; i += 4) v128.store(y + (<usize>i << 2), f32x4.mul(v128.load(x + (<usize>i << 2)), v));
}
export function check(n: i32): i32 {
  assert(n > 0, "n must be positive");
  return n;
}
export function grow(): void {
  while (true) __new(64 << 20, 1);
}
`;

const main = (body: string) => `import { simd, tensors, log, time } from 'lab';
export async function main() {
  const m = simd.instantiate('k.as.ts');
${body}
}
`;

async function run(body: string, files: Record<string, string> = {}) {
  const { messages } = await runInNode({
    backend: 'simd',
    mode: 'run',
    files: { 'k.as.ts': kernel, 'main.ts': main(body), ...files }
  });
  return {
    logs: messages.flatMap((m) => (m.type === 'log' ? [m.text] : [])),
    errors: messages.flatMap((m) => (m.type === 'error' ? [m.error] : []))
  };
}

describe('lab.simd', () => {
  test('put, call, get: a SIMD kernel scales a tensor', async () => {
    const r = await run(`
  const x = tensors.from([8], [1, 2, 3, 4, 5, 6, 7, 8]);
  const [px, py] = [m.put(x), m.alloc(8)];
  m.exports.scale(px, py, 8, 0.5);
  log(Array.from(m.get(py, [8]).data).join(','), px % 16, py % 16, m.memoryBytes);`);
    expect(r.errors).toEqual([]);
    expect(r.logs).toEqual(['0.5,1,1.5,2,2.5,3,3.5,4 0 0 65536']);
  }, 60_000);

  test("the module's memory counts in a sweep point's peak bytes", async () => {
    const { messages } = await runInNode({
      backend: 'simd',
      mode: 'run',
      files: {
        'k.as.ts': kernel,
        'main.ts': main(`
  await sweep({ n: [1 << 20], setup: () => null, run: (_, n) => simd.instantiate('k.as.ts').alloc(n), warmup: 0, repeats: 1 });`).replace(
          'log, time',
          'sweep'
        )
      }
    });
    const point = messages.find((m) => m.type === 'point');
    expect(point?.type === 'point' && point.point.status).toBe('measured');
    // 4 MiB of floats, in a memory that grew by whole 64 KiB pages.
    expect(point?.type === 'point' && point.point.peakBytes).toBeGreaterThanOrEqual(4 << 20);
  }, 60_000);

  test("an assertion in the module is reported at the learner's line", async () => {
    const r = await run(`  m.exports.check(0);`);
    expect(r.errors[0]).toMatchObject({ kind: 'runtime', file: 'k.as.ts', line: 7 });
    expect(r.errors[0].message).toContain('n must be positive');
  }, 60_000);

  test('a module that grows its memory to the limit is stopped with the reason', async () => {
    const r = await run(`  m.exports.grow();`);
    expect(r.errors[0].message).toMatch(/k\.as\.ts: the module trapped/);
  }, 120_000);

  test("a compile error comes back located in the learner's file", async () => {
    const { messages } = await runInNode({
      backend: 'simd',
      mode: 'run',
      files: { 'k.as.ts': 'export function f(): i32 {\n  return undefinedName;\n}\n', 'main.ts': main('') }
    });
    const e = messages.find((m) => m.type === 'error');
    expect(e?.type === 'error' && e.error).toMatchObject({ kind: 'compile', file: 'k.as.ts', line: 2 });
  }, 60_000);

  test('instantiate names the compiled files when asked for another', async () => {
    const r = await run(`  simd.instantiate('nope.as.ts');`);
    expect(r.errors[0].message).toContain('no compiled module by that name (compiled: k.as.ts)');
  }, 60_000);
});
