/** Read counting for probes: the WGSL rewrite (pure strings; the GPU side is tested in tests/e2e/probes.spec.ts). */
import { describe, expect, test } from 'vitest';
import { blankComments, instrumentReads, readCounts } from '$lib/runtime/lab/wgsl-probe';

const KERNEL = `struct Params { n: u32, k: u32 }
@group(0) @binding(0) var<storage, read> q: array<f32>;
@binding(1) @group(0) var<storage> idx: array<i32>;
@group(0) @binding(2) var<storage, read_write> o: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let i = id.x;
  // q[i] in a comment stays as it is
  o[i] = q[i] + q [ idx[i] ] + f32(p.k); /* and q[0] here too */
}
`;

/** The rewritten body, without the declarations appended after the learner's code. */
const body = (code: string) => code.slice(0, code.indexOf('\n\n@group(0) @binding(4)'));

describe('instrumentReads', () => {
  test('every indexed read of a read-only buffer goes through the counter, index written once', () => {
    const probe = instrumentReads(KERNEL, 'main');
    expect(probe).not.toBeNull();
    const { code, names, binding, bytes } = probe!;
    expect(names).toEqual(['q', 'idx']);
    expect(binding).toBe(4);
    expect(bytes).toBe(16);
    expect(body(code)).toContain(
      'o[i] = q[select(0, i, speedlab_probe_count(0u))] + q [select(0,  idx[select(0, i, speedlab_probe_count(1u))] , speedlab_probe_count(0u))] + f32(p.k); /* and q[0] here too */'
    );
    // Comments, declarations, writable buffers and uniforms are untouched.
    expect(code).toContain('// q[i] in a comment stays as it is');
    expect(code).toContain('@group(0) @binding(0) var<storage, read> q: array<f32>;');
    expect(code).toContain('struct Params { n: u32, k: u32 }');
    expect(code).toContain('o[i] = ');
    // The entry point names the counters, on its own first line.
    expect(code).toContain(
      'fn main(@builtin(global_invocation_id) id: vec3u) { _ = arrayLength(&speedlab_probe_reads);'
    );
    expect(code).toContain('@group(0) @binding(4) var<storage, read_write> speedlab_probe_reads: array<atomic<u32>>;');
    expect(code).toMatch(/fn speedlab_probe_count\(slot: u32\) -> bool \{/);
  });

  test('the learner’s lines keep their numbers', () => {
    const { code } = instrumentReads(KERNEL, 'main')!;
    const before = KERNEL.split('\n');
    const after = code.split('\n');
    before.forEach((line, i) => {
      if (!line.includes('q') && !line.includes('fn main')) expect(after[i]).toBe(line);
    });
    expect(after[10]).toMatch(/^ {2}o\[i\] = q\[select/);
  });

  test('member accesses, other names and longer names that start the same are left alone', () => {
    const code = `@group(0) @binding(0) var<storage, read> k: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
struct S { k: array<f32, 4> }
fn helper(s: S, i: u32) -> f32 { return s.k[i] + k[i]; }
@compute @workgroup_size(1) fn run() { let kk = array<f32, 2>(1.0, 2.0); out[0] = kk[1] + helper(S(), 0u) + k[k2()]; }
fn k2() -> u32 { return 0u; }`;
    const probe = instrumentReads(code, 'run')!;
    expect(probe.code).toContain('return s.k[i] + k[select(0, i, speedlab_probe_count(0u))];');
    expect(probe.code).toContain('out[0] = kk[1] + helper(S(), 0u) + k[select(0, k2(), speedlab_probe_count(0u))];');
    expect(probe.code).toContain('fn run() { _ = arrayLength(&speedlab_probe_reads); let kk');
  });

  test('nested brackets inside an index are balanced', () => {
    const code = `@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read_write> b: array<f32>;
@compute @workgroup_size(1) fn main() { let t = array<u32, 2>(0u, 1u); b[0] = a[t[1] + (t[0] * 2u)]; }`;
    expect(instrumentReads(code, 'main')!.code).toContain(
      'b[0] = a[select(0, t[1] + (t[0] * 2u), speedlab_probe_count(0u))];'
    );
  });

  test('the counter binding follows the highest declared binding, and names avoid the learner’s', () => {
    const code = `@group(0) @binding(0) var<storage, read> speedlab_probe_reads: array<f32>;
@group(0) @binding(6) var<storage, read_write> o: array<f32>;
@compute @workgroup_size(1) fn main() { o[0] = speedlab_probe_reads[0]; }`;
    const probe = instrumentReads(code, 'main')!;
    expect(probe.binding).toBe(7);
    expect(probe.code).toContain('var<storage, read_write> speedlab_probe_reads_1: array<atomic<u32>>;');
    expect(probe.code).toContain('o[0] = speedlab_probe_reads[select(0, 0, speedlab_probe_count(0u))];');
  });

  test('a shader with no read-only storage buffer comes back unchanged, with nothing to count', () => {
    const code = `@group(0) @binding(0) var<storage, read_write> o: array<f32>;
@compute @workgroup_size(1) fn main() { o[0] = 1.0; }`;
    expect(instrumentReads(code, 'main')).toEqual({ code, names: [], binding: -1, bytes: 0 });
  });

  test('what cannot be instrumented is refused (null), never guessed', () => {
    const decl = '@group(0) @binding(0) var<storage, read> x: array<f32>;\n';
    // an unclosed bracket, an unclosed comment, a missing entry point
    expect(instrumentReads(`${decl}@compute @workgroup_size(1) fn main() { let a = x[0; }`, 'main')).toBeNull();
    expect(instrumentReads(`${decl}/* open /* nested */ comment\n`, 'main')).toBeNull();
    expect(instrumentReads(`${decl}@compute @workgroup_size(1) fn other() { _ = x[0]; }`, 'main')).toBeNull();
    // a local with the buffer's name: some of its accesses are not the buffer's reads
    expect(
      instrumentReads(`${decl}@compute @workgroup_size(1) fn main() { let x = array<f32, 1>(0.0); _ = x[0]; }`, 'main')
    ).toBeNull();
  });

  test('a parameter named like a buffer hides it in its own function only', () => {
    const code = `@group(0) @binding(0) var<storage, read> v: array<f32>;
@group(0) @binding(1) var<storage, read_write> o: array<f32>;
fn first(v: array<f32, 2>) -> f32 { return v[0]; }
@compute @workgroup_size(1) fn main() { o[0] = first(array<f32, 2>(v[1], 0.0)); }`;
    const out = instrumentReads(code, 'main')!.code;
    expect(out).toContain('fn first(v: array<f32, 2>) -> f32 { return v[0]; }');
    expect(out).toContain('o[0] = first(array<f32, 2>(v[select(0, 1, speedlab_probe_count(0u))], 0.0));');
  });

  test('blankComments keeps offsets and newlines, and handles nested block comments', () => {
    const src = 'a /* b /* c */ d */ e // f\ng';
    const out = blankComments(src)!;
    expect(out).toHaveLength(src.length);
    expect(out.replace(/ +/g, ' ')).toBe('a e \ng');
  });

  test('readCounts joins the low and high words of each slot', () => {
    const probe = instrumentReads(KERNEL, 'main')!;
    expect(readCounts(probe, new Uint32Array([7, 0, 0xffffffff, 2]))).toEqual({ q: 7, idx: 3 * 2 ** 32 - 1 });
  });
});
