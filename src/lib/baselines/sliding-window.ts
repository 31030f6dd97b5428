/**
 * Lesson 07's causal sliding-window attention for one head (query i sees keys i − w + 1 … i), as a
 * baseline that later lessons' harnesses run: on WebGPU the banded kernel (sliding-window.wgsl, one
 * workgroup per 16 query rows, loading only the keys of its band); on WASM one small ONNX graph per
 * block of 64 queries, fed only the 64 + w − 1 keys that block can see. One dispatch per call on
 * WebGPU; ⌈N/64⌉ graph runs per call on WASM.
 * Cost: O(N·w·d) work and O(N·d) memory (16·N·d bytes of Q, K, V, O) for a fixed window w.
 * Matches the float64 registry's `attention` with { causal: true, window }
 * (tests/unit/baselines/sliding-window.test.ts).
 */
import type { Graph, Tensor, Value } from 'lab';
import type { Lab, MemoryModel } from '$lib/lessons/types';
import shader from './sliding-window.wgsl?raw';

/** The file name the WebGPU dispatch reports (in probes and error messages). */
export const SWA_FILE = 'sliding-window.wgsl (lesson 07)';
/** Query rows per workgroup on WebGPU. */
const BR = 16;
/** Query rows per ONNX call on WASM: each call has a fixed cost, so blocks are larger than on a GPU. */
export const SWA_QUERY_BLOCK = 64;
/** The name of the WASM block graph's input that holds the block's first key (how a probe tells it apart). */
export const SWA_FIRST_INPUT = 'first';

/** Sliding-window causal attention, q, k, v: [N, d] → o: [N, d], window w ≥ 1, on the run's backend. */
export async function slidingWindowAttention(lab: Lab, q: Tensor, k: Tensor, v: Tensor, w: number): Promise<Tensor> {
  if (!Number.isInteger(w) || w < 1)
    throw new Error(`sliding-window attention: the window must be an integer ≥ 1, got ${w}`);
  return lab.backend === 'webgpu' ? bandedGpu(lab, q, k, v, w) : bandedOnnx(lab, q, k, v, w);
}

async function bandedGpu({ gpu }: Lab, q: Tensor, k: Tensor, v: Tensor, w: number): Promise<Tensor> {
  const [n, d] = q.shape;
  if (d % 4 !== 0) throw new Error(`sliding-window.wgsl reads rows as vec4s, so d must be a multiple of 4, got ${d}`);
  const code = shader.replace(/const D: u32 = \d+u;/, `const D: u32 = ${d}u;`);
  const o = gpu.output([n, d], 'o');
  await gpu.dispatch({
    code,
    file: SWA_FILE,
    bindings: [
      gpu.input(q, 'q'),
      gpu.input(k, 'k'),
      gpu.input(v, 'v'),
      o,
      gpu.uniform({ n: ['u32', n], w: ['u32', w], scale: ['f32', 1 / Math.sqrt(d)] }, 'params')
    ],
    workgroups: [Math.ceil(n / BR)]
  });
  return gpu.read(o);
}

// One graph call per block of b queries, each fed the b + w − 1 keys that end at the block's last
// row: the only keys its rows can see. Every call has the same shapes (the last query block and the
// keys before key 0 are padded with zeros), so one graph serves them all.
async function bandedOnnx(lab: Lab, q: Tensor, k: Tensor, v: Tensor, w: number): Promise<Tensor> {
  const [n, d] = q.shape;
  const b = SWA_QUERY_BLOCK;
  const span = b + w - 1;
  const g = blockGraph(lab, d, b, w);
  const o = new Float32Array(n * d);
  for (let r0 = 0; r0 < n; r0 += b) {
    const first = r0 - w + 1; // the block's keys: first … r0 + b − 1; those before 0 or past N − 1 are zeros
    const qBlock = new Float32Array(b * d);
    qBlock.set(q.data.subarray(r0 * d, Math.min(r0 + b, n) * d));
    const kBlock = new Float32Array(span * d);
    const vBlock = new Float32Array(span * d);
    const [from, to] = [Math.max(first, 0), Math.min(first + span, n)];
    kBlock.set(k.data.subarray(from * d, to * d), (from - first) * d);
    vBlock.set(v.data.subarray(from * d, to * d), (from - first) * d);
    const out = await lab.onnx.run(g.graph, {
      q: { shape: [b, d], data: qBlock },
      k: { shape: [span, d], data: kBlock },
      v: { shape: [span, d], data: vBlock },
      [SWA_FIRST_INPUT]: { shape: [1, 1], data: Float32Array.of(first) }
    });
    const rows = Math.min(b, n - r0);
    o.set(out[g.o.name].data.subarray(0, rows * d), r0 * d);
  }
  return { shape: [n, d], data: o };
}

// Graphs are built per lab (a Node test and a page each have their own) and per shape.
const graphs = new WeakMap<Lab['onnx'], Map<string, { graph: Graph; o: Value }>>();

/** b query rows r0 … r0 + b − 1 against keys r0 − w + 1 … r0 + b − 1 ([b, b + w − 1] scores). */
function blockGraph({ onnx }: Lab, d: number, b: number, w: number) {
  const cache = graphs.get(onnx) ?? new Map<string, { graph: Graph; o: Value }>();
  graphs.set(onnx, cache);
  const key = `${d}:${b}:${w}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const span = b + w - 1;
  const g = onnx.graph();
  const [Q, K, V, first] = [
    g.input('q', [b, d]),
    g.input('k', [span, d]),
    g.input('v', [span, d]),
    g.input(SWA_FIRST_INPUT, [1, 1])
  ];
  const s = g.mul(g.matmul(Q, g.transpose(K)), g.constant(1 / Math.sqrt(d))); // [b, span]
  // Row a is query first + w − 1 + a; column c is key first + c. It sees the key iff
  // a ≤ c ≤ a + w − 1 (the band, the same for every block) and the key exists (first + c ≥ 0).
  const a = g.constant(
    Array.from({ length: b }, (_, x) => x),
    [b, 1]
  );
  const c = g.constant(
    Array.from({ length: span }, (_, x) => x),
    [1, span]
  );
  const far = g.constant(-1e30);
  const past = g.where(g.less(c, a), far, s);
  const future = g.where(g.less(g.add(a, g.constant(w - 1)), c), far, past);
  const masked = g.where(g.less(g.add(first, c), g.constant(0)), far, future);
  const o = g.matmul(g.softmax(masked), V);
  g.output(o);
  const built = { graph: g, o };
  cache.set(key, built);
  return built;
}

/** Analytic bytes of one WebGPU run for head dimension d: Q, K, V and O, plus the uniform. */
export function slidingWindowMemory(d: number): MemoryModel {
  return {
    label: 'sliding-window attention: 16·N·d bytes',
    buffers: (n) => [
      { name: 'q, k, v, o', bytes: 4 * 4 * n * d },
      { name: 'params', bytes: 16 }
    ]
  };
}
