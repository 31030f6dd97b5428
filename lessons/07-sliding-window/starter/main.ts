/**
 * Lesson 07: causal sliding-window attention for one head, query i seeing keys i − w + 1 … i.
 * Step 1 (the masks and their count) is mask.ts; step 2 is banded.wgsl on WebGPU, and on WASM one
 * small ONNX graph per block of queries, fed only the keys that block can see (the loop at the
 * bottom of this file); step 4 (decoding with a ring buffer) is ring.ts.
 * Cost: O(N·w·d) time and O(N·d) memory for a fixed window w, against O(N²·d) for full attention.
 */
import { backend, gpu, onnx, tensors, type Graph, type Tensor, type Value } from 'lab';
import shader from './banded.wgsl';

export { buildMask, swaNonzeros } from './mask';
export { decode } from './ring';

/** banded.wgsl's block sizes: query rows per workgroup, keys per tile. */
const BR = 16;

/** Sliding-window causal attention: q, k, v are [N, d]; each query sees its w most recent keys. */
export async function attention(q: Tensor, k: Tensor, v: Tensor, w: number): Promise<Tensor> {
  return backend === 'webgpu' ? bandedWebGpu(q, k, v, w) : bandedOnnx(q, k, v, w);
}

async function bandedWebGpu(q: Tensor, k: Tensor, v: Tensor, w: number): Promise<Tensor> {
  const [n, d] = q.shape;
  if (d % 4 !== 0) throw new Error(`banded.wgsl reads rows as vec4s, so d must be a multiple of 4, got ${d}`);
  // WGSL array sizes must be constants: write this run's head dimension into the source.
  const code = shader.replace(/const D: u32 = \d+u;/, `const D: u32 = ${d}u;`);
  const o = gpu.output([n, d], 'o');
  await gpu.dispatch({
    code,
    file: 'banded.wgsl',
    bindings: [
      gpu.input(q, 'q'),
      gpu.input(k, 'k'),
      gpu.input(v, 'v'),
      o,
      gpu.uniform({ n: ['u32', n], w: ['u32', w], scale: ['f32', 1 / Math.sqrt(d)] }, 'params')
    ],
    workgroups: [Math.ceil(n / BR)] // one workgroup per block of BR query rows
  });
  return gpu.read(o);
}

/** Query rows per ONNX call on WASM: each call has a fixed cost, so blocks are larger than on a GPU. */
const QUERY_BLOCK = 64;

// One graph call per block of QUERY_BLOCK queries, each fed the QUERY_BLOCK + w − 1 keys that end
// at the block's last row: the only keys its rows can see. Every call has the same shapes (the
// last query block and the keys before key 0 are padded with zeros), so one graph serves them all.
async function bandedOnnx(q: Tensor, k: Tensor, v: Tensor, w: number): Promise<Tensor> {
  const [n, d] = q.shape;
  const b = QUERY_BLOCK;
  const span = b + w - 1; // keys a block of b queries can see
  const g = blockGraph(d, b, w);
  const o = new Float32Array(n * d);
  for (let r0 = 0; r0 < n; r0 += b) {
    // TODO (2d): the block's keys. Queries r0 … r0 + b − 1 see keys r0 − w + 1 … r0 + b − 1 and
    // no others: `first` is the first of those span keys. Copy the rows of K and V that exist
    // (0 ≤ j < n) into kBlock and vBlock, key first + c going to row c; rows for keys before key 0
    // stay zero (the graph masks them). The starter sends no keys at all.
    const first = r0 - w + 1;
    const qBlock = new Float32Array(b * d);
    qBlock.set(q.data.subarray(r0 * d, Math.min(r0 + b, n) * d));
    const kBlock = new Float32Array(span * d);
    const vBlock = new Float32Array(span * d);
    const out = await onnx.run(g.graph, {
      q: { shape: [b, d], data: qBlock },
      k: { shape: [span, d], data: kBlock },
      v: { shape: [span, d], data: vBlock },
      first: tensors.from([1, 1], [first])
    });
    const rows = Math.min(b, n - r0);
    o.set(out[g.o.name].data.subarray(0, rows * d), r0 * d);
  }
  return { shape: [n, d], data: o };
}

const graphs = new Map<string, { graph: Graph; o: Value }>();

/** b query rows r0 … r0 + b − 1 against keys r0 − w + 1 … r0 + b − 1 ([b, b + w − 1] scores). */
function blockGraph(d: number, b: number, w: number) {
  const key = `${d}:${b}:${w}`;
  const hit = graphs.get(key);
  if (hit) return hit;
  const span = b + w - 1;
  const g = onnx.graph();
  const [Q, K, V, first] = [
    g.input('q', [b, d]),
    g.input('k', [span, d]),
    g.input('v', [span, d]),
    g.input('first', [1, 1])
  ];
  const s = g.mul(g.matmul(Q, g.transpose(K)), g.constant(1 / Math.sqrt(d))); // [b, span]
  // TODO (2e): the band, in the block's coordinates. Row a is query r0 + a = first + w − 1 + a,
  // column c is key first + c (first is an input: [1, 1]). Put −1e30 into the scores s of every
  // key the row must not see (past its window, in its future, or before key 0), so that softmax
  // gives it 0. The starter masks nothing.
  const masked = g.add(s, g.mul(first, g.constant(0)));
  const o = g.matmul(g.softmax(masked), V);
  g.output(o);
  const built = { graph: g, o };
  graphs.set(key, built);
  return built;
}
