/**
 * Probes on a real WebGPU device (the webgpu project only): the lab, bundled from src/ for this
 * test, runs small kernels inside a probe, and the read counts its instrumented shaders report
 * must equal the counts worked out by hand; every lesson's WGSL must still compile instrumented.
 */
import { expect, test } from '@playwright/test';
import { readFileSync, readdirSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rolldown } from 'rolldown';

/** The lab and the WGSL instrumenter as one script (window.SpeedLab), built from the sources. */
async function bundleLab(): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'speedlab-probe-'));
  const entry = path.join(dir, 'entry.ts');
  const lab = path.resolve('src/lib/runtime/lab');
  writeFileSync(
    entry,
    `export { createLab } from ${JSON.stringify(`${lab}/index.ts`)};\nexport { instrumentReads } from ${JSON.stringify(`${lab}/wgsl-probe.ts`)};\n`
  );
  try {
    const bundle = await rolldown({
      input: entry,
      resolve: { alias: { $lib: path.resolve('src/lib') } },
      logLevel: 'warn'
    });
    const { output } = await bundle.generate({ format: 'iife', name: 'SpeedLab' });
    return output[0].code;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function wgslFiles(dir: string): { name: string; code: string }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.wgsl'))
    .sort()
    .map((f) => ({ name: path.join(dir, f), code: readFileSync(path.join(dir, f), 'utf8') }));
}

const GATHER = `struct Params { n: u32 }
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> o: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let i = id.x;
  if (i >= p.n) { return; }
  var s = 0.0;
  for (var j = 0u; j <= i; j++) { s += a[i] * b[j]; } // a[i] and b[j]: i + 1 reads each
  let t = idx[i];                                       // idx: 1
  o[i] = s + b[idx[i32(i) % 4]] + a[t];                  // b: 1 (u32 index), idx: 1, a: 1 (i32 index)
}
`;

// Two entry points, each binding a subset: the dispatch uses the automatic layout.
const TWO_ENTRIES = `@group(0) @binding(0) var<storage, read> x: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> y: array<vec4f>;
@group(0) @binding(2) var<storage, read> other: array<f32>;
@compute @workgroup_size(8) fn twice(@builtin(global_invocation_id) id: vec3u) { y[id.x] = x[id.x] * 2.0; }
@compute @workgroup_size(8) fn fill(@builtin(global_invocation_id) id: vec3u) { y[id.x] = vec4f(other[0]); }
`;

const WRITE_ONLY = `@group(0) @binding(0) var<storage, read_write> z: array<f32>;
@compute @workgroup_size(1) fn main() { z[0] = 7.0; }
`;

test('probe read counts are exact, outputs unchanged, and every lesson shader compiles instrumented', async ({
  page
}) => {
  test.skip(test.info().project.name !== 'webgpu', 'probes count reads on WebGPU');
  const script = await bundleLab();
  const shaders = [...wgslFiles('lessons'), ...wgslFiles('src/lib')];
  const FLASH = readFileSync('lessons/05-flash-attention/solution/flash.wgsl', 'utf8');
  await page.route('**/probe-test', (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>probes</title>' })
  );
  await page.goto('/probe-test');
  await page.addScriptTag({ content: script });

  const out = await page.evaluate(
    async ({ GATHER, TWO_ENTRIES, WRITE_ONLY, FLASH, shaders }) => {
      type Lab = import('../../src/lib/runtime/lab').LabInstance;
      const { createLab, instrumentReads } = (
        window as unknown as {
          SpeedLab: typeof import('../../src/lib/runtime/lab') & typeof import('../../src/lib/runtime/lab/wgsl-probe');
        }
      ).SpeedLab;
      const adapter = await navigator.gpu.requestAdapter();
      if (!adapter) throw new Error('no WebGPU adapter');
      const features: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
      const device = await adapter.requestDevice({ requiredFeatures: features });
      const lab: Lab = createLab({
        backend: 'webgpu',
        device,
        ortRun: () => Promise.reject(new Error('no onnxruntime here')),
        log: () => undefined,
        emitPoint: () => undefined,
        emitPlot: () => undefined,
        sweep: { n: [], warmup: 0, repeats: 1, budgetMs: 1000 },
        wasmBudgetBytes: 1 << 29,
        now: () => performance.now(),
        fileOf: () => undefined
      });
      const { gpu, tensors } = lab.module;

      // Kernel 1: n = 100 rows in 2 workgroups of 64 (28 invocations return at once), repeated twice.
      const n = 100;
      const a = tensors.randn([n], 1);
      const b = tensors.randn([n], 2);
      const idx = Array.from({ length: n }, (_, i) => (i * 7) % n);
      const bufs = {
        a: gpu.input(a, 'a'),
        b: gpu.input(b, 'b'),
        idx: gpu.input(tensors.zeros([n]), 'idx'),
        o: gpu.output([n], 'o'),
        p: gpu.uniform({ n: ['u32', n] }, 'params')
      };
      // Indices as i32: written through a u32 view of the same bits.
      gpu.write(bufs.idx, { shape: [n], data: new Float32Array(new Int32Array(idx).buffer) });
      const plain = await gpu.dispatch({
        code: GATHER,
        file: 'gather.wgsl',
        bindings: Object.values(bufs),
        workgroups: [2]
      });
      const expected = Array.from({ length: n }, (_, i) => {
        let s = 0;
        for (let j = 0; j <= i; j++) s += a.data[i] * b.data[j];
        return s + b.data[idx[i % 4]] + a.data[idx[i]];
      });
      const before = Array.from((await gpu.read(bufs.o)).data);

      const { record, result } = await lab.probe(async () => {
        const extra = gpu.output([4, 32], 'y');
        const x = gpu.input(tensors.randn([4, 32], 3), 'x');
        const z = gpu.output([1], 'z');
        await gpu.dispatch({
          code: GATHER,
          file: 'gather.wgsl',
          bindings: Object.values(bufs),
          workgroups: [2],
          repeat: 2
        });
        await gpu.dispatch({
          code: TWO_ENTRIES,
          file: 'two.wgsl',
          entryPoint: 'twice',
          bindings: [x, extra],
          workgroups: [4]
        });
        await gpu.dispatch({ code: WRITE_ONLY, file: 'write.wgsl', bindings: [z], workgroups: [1] });
        return Array.from((await gpu.read(bufs.o)).data);
      });
      const after = await lab.probe(() => undefined);

      // Lesson 05's FlashAttention kernel counts its own global reads in floats: the probe's count
      // of vec4 elements, times 4, must agree (N = 100, d = 16, blocks of 16 rows and 16 keys).
      const [N, d] = [100, 16];
      const code = FLASH.replace(/const D: u32 = \d+u;/, `const D: u32 = ${d}u;`)
        .replace(/const BR: u32 = \d+u;/, 'const BR: u32 = 16u;')
        .replace(/const BC: u32 = \d+u;/, 'const BC: u32 = 16u;');
      const flash = await lab.probe(async () => {
        const loads = gpu.output([1], 'loads', 'u32');
        const qkv = [1, 2, 3].map((seed) => gpu.input(tensors.randn([N, d], seed), `qkv${seed}`));
        const params = gpu.uniform({ n: ['u32', N], scale: ['f32', 0.25] }, 'params');
        const bindings = [...qkv, gpu.output([N, d], 'o'), loads, params];
        await gpu.dispatch({ code, file: 'flash.wgsl', bindings, workgroups: [Math.ceil(N / 16)] });
        return (await gpu.read(loads)).data[0];
      });

      // Every lesson and baseline shader: compiled as is, and instrumented for each entry point.
      const compile: { file: string; entry: string; problem: string }[] = [];
      let compiled = 0;
      for (const { name, code } of shaders) {
        const original = device.createShaderModule({ code });
        if ((await original.getCompilationInfo()).messages.some((m) => m.type === 'error')) continue;
        for (const m of code.matchAll(/@compute[^;{]*?fn\s+([A-Za-z_][A-Za-z0-9_]*)/g)) {
          const probe = instrumentReads(code, m[1]);
          if (!probe) {
            compile.push({ file: name, entry: m[1], problem: 'not instrumented' });
            continue;
          }
          if (probe.names.length === 0) continue;
          const module = device.createShaderModule({ code: probe.code });
          const errors = (await module.getCompilationInfo()).messages.filter((x) => x.type === 'error');
          if (errors.length) {
            compile.push({
              file: name,
              entry: m[1],
              problem: errors.map((e) => `${e.lineNum}: ${e.message}`).join('; ')
            });
            continue;
          }
          try {
            const pipe = await device.createComputePipelineAsync({
              layout: 'auto',
              compute: { module, entryPoint: m[1] }
            });
            pipe.getBindGroupLayout(0);
            compiled++;
          } catch (e) {
            compile.push({ file: name, entry: m[1], problem: String(e) });
          }
        }
      }
      const live = lab.finish();
      return { plain, before, expected, result, record, after: after.record, flash, compile, compiled, live };
    },
    { GATHER, TWO_ENTRIES, WRITE_ONLY, FLASH, shaders }
  );

  console.log(JSON.stringify({ dispatches: out.record.dispatches, flash: out.flash, compiled: out.compiled }));
  // Outside a probe the kernel is the learner's own; inside, the instrumented copy computes the same.
  out.expected.forEach((e, i) => expect(out.before[i]).toBeCloseTo(e, 3));
  expect(out.result).toEqual(out.before);
  // Rows i < 100, twice: a and b are read i + 2 times per row, idx twice.
  const rows = Array.from({ length: 100 }, (_, i) => i + 2).reduce((s, x) => s + x, 0);
  expect(out.record.dispatches).toEqual([
    {
      file: 'gather.wgsl',
      entryPoint: 'main',
      workgroups: [2, 1, 1],
      repeat: 2,
      reads: { a: 2 * rows, b: 2 * rows, idx: 400 }
    },
    { file: 'two.wgsl', entryPoint: 'twice', workgroups: [4, 1, 1], repeat: 1, reads: { x: 32, other: 0 } },
    { file: 'write.wgsl', entryPoint: 'main', workgroups: [1, 1, 1], repeat: 1, reads: {} }
  ]);
  // The learner's buffers with their requested bytes; the counters are the harness's and not listed.
  expect(out.record.allocations).toEqual([
    { kind: 'gpu', label: 'y', bytes: 512 },
    { kind: 'tensor', label: 'randn', bytes: 512 },
    { kind: 'gpu', label: 'x', bytes: 512 },
    { kind: 'gpu', label: 'z', bytes: 4 }
  ]);
  expect(out.record.graphs).toEqual([]);
  expect(out.after).toEqual({ allocations: [], dispatches: [], graphs: [] });
  const flashReads = out.flash.record.dispatches[0].reads!;
  expect(Object.keys(flashReads)).toEqual(['q', 'k', 'v']);
  expect(4 * (flashReads.q + flashReads.k + flashReads.v)).toBe(out.flash.result);
  expect(out.compile).toEqual([]);
  expect(out.compiled).toBeGreaterThan(10);
  expect(out.live).toBe(14);
});
