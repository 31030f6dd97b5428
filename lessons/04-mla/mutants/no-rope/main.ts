/**
 * Lesson 04: one decode step of multi-head latent attention (MLA), two ways.
 *   decodeNaive:    attention over per-head keys and values cached for every token.
 *   decodeAbsorbed: attention straight over the latent cache, with W_UK and W_UV absorbed.
 * Both run on the page's backend: WGSL on WebGPU, ONNX graphs (onnxruntime-web) on WASM.
 */
import { backend, gpu, onnx, type Tensor } from 'lab';
import absorbedShader from './mla_absorbed.wgsl';
import naiveShader from './mla_naive.wgsl';

/** Elements MLA caches per token per layer, for latent dim dC and RoPE key dim dRope. */
export function mlaCacheElements(dC: number, dRope: number): number {
  // The latent c_kv (d_c) and the decoupled RoPE key k_pe (d_R): both shared by every head.
  return dC + dRope;
}

export interface Latent {
  q: Tensor; //    [h, d_h + d_R]       the new token's query: q_nope, then q_pe (already rotated)
  cKV: Tensor; //  [N, d_c]             latent cache
  kPe: Tensor; //  [N, d_R]             RoPE key cache, one per token, shared by all heads
  wkvB: Tensor; // [h, d_h + d_v, d_c]  V3's wkv_b: W_UK = wkvB[:, :d_h], W_UV = wkvB[:, d_h:]
}

/** Naive decode. q: [h, d_h + d_R]; k: [h, N, d_h + d_R]; v: [h, N, d_v] (head-major). Returns o: [h, d_v]. */
export async function decodeNaive(q: Tensor, k: Tensor, v: Tensor): Promise<Tensor> {
  const [h, n, dK] = k.shape;
  const dV = v.shape[2];
  const scale = 1 / Math.sqrt(dK);
  if (backend === 'webgpu') {
    const o = gpu.output([h, dV], 'o');
    await gpu.dispatch({
      code: naiveShader,
      bindings: [
        gpu.input(q, 'q'),
        gpu.input(k, 'k cache'),
        gpu.input(v, 'v cache'),
        gpu.scratch(h * n, 'scores'),
        o,
        gpu.uniform({ n: ['u32', n], dK: ['u32', dK], dV: ['u32', dV], scale: ['f32', scale] }, 'params')
      ],
      workgroups: [h] // one workgroup per head
    });
    return gpu.read(o);
  }
  const g = onnx.graph();
  const Q = g.reshape(g.input('q', [h, dK]), [h, 1, dK]);
  const K = g.input('k', [h, n, dK]);
  const V = g.input('v', [h, n, dV]);
  // Q·Kᵀ per head: [h,1,d_k] × [h,d_k,N]. (onnxruntime can fold this transpose into the MatMul.)
  const P = g.softmax(g.mul(g.matmul(Q, g.transpose(K, [0, 2, 1])), g.constant(scale))); // [h, 1, N]
  const out = g.reshape(g.matmul(P, V), [h, dV]);
  g.output(out);
  return (await onnx.run(g, { q, k, v }))[out.name];
}

/** Absorbed decode: the same o [h, d_v], reading only cKV and kPe from the cache. */
export async function decodeAbsorbed(x: Latent): Promise<Tensor> {
  const [n, dC] = x.cKV.shape;
  const dRope = x.kPe.shape[1];
  const [h, dQ] = x.q.shape;
  const dNope = dQ - dRope;
  const dV = x.wkvB.shape[1] - dNope;
  // Absorption moves matrices around; it does not change the scores, so the scale stays the naive one.
  const scale = 1 / Math.sqrt(dNope + dRope);
  if (backend === 'webgpu') {
    if (dC > 1024) throw new Error(`mla_absorbed.wgsl keeps q_abs in workgroup memory sized for d_c ≤ 1024, got ${dC}`);
    const o = gpu.output([h, dV], 'o');
    await gpu.dispatch({
      code: absorbedShader,
      bindings: [
        gpu.input(x.q, 'q'),
        gpu.input(x.wkvB, 'wkv_b'),
        gpu.input(x.cKV, 'c_kv cache'),
        gpu.input(x.kPe, 'k_pe cache'),
        gpu.scratch(h * n, 'scores'),
        o,
        gpu.uniform(
          {
            n: ['u32', n],
            dNope: ['u32', dNope],
            dRope: ['u32', dRope],
            dC: ['u32', dC],
            dV: ['u32', dV],
            scale: ['f32', scale]
          },
          'params'
        )
      ],
      workgroups: [h] // one workgroup per head
    });
    return gpu.read(o);
  }
  // The graph builder has no Slice, so q and wkv_b are split here, on the CPU (they do not grow with N).
  const g = onnx.graph();
  const qNope = g.input('q_nope', [h, 1, dNope]);
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const qPe = g.input('q_pe', [h, 1, dRope]);
  const wUK = g.input('w_uk', [h, dNope, dC]);
  const wUV = g.input('w_uv', [h, dV, dC]);
  const cKV = g.input('c_kv', [n, dC]);
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const kPe = g.input('k_pe', [n, dRope]);
  // 1. Absorb W_UK into the query: [h,1,d_h] × [h,d_h,d_c] → [h,1,d_c].
  const qAbs = g.matmul(qNope, wUK);
  // 2–3. Scores against the latents plus the RoPE term, then softmax:
  //      [h,1,d_c] × [d_c,N] + [h,1,d_R] × [d_R,N] → [h,1,N]. One latent cache serves every head.
  const scores = g.matmul(qAbs, g.transpose(cKV));
  const P = g.softmax(g.mul(scores, g.constant(scale)));
  // 4. Mix the latents: [h,1,N] × [N,d_c] → [h,1,d_c].
  const mix = g.matmul(P, cKV);
  // 5. The second absorption, W_UV once: [h,1,d_c] × [h,d_c,d_v] → [h,1,d_v].
  const out = g.reshape(g.matmul(mix, g.transpose(wUV, [0, 2, 1])), [h, dV]);
  g.output(out);
  const [qn, qp] = split(x.q, dNope);
  const [wk, wv] = split(x.wkvB, dNope);
  const feeds = {
    q_nope: reshape(qn, [h, 1, dNope]),
    q_pe: reshape(qp, [h, 1, dRope]),
    w_uk: wk,
    w_uv: wv,
    c_kv: x.cKV,
    k_pe: x.kPe
  };
  return (await onnx.run(g, feeds))[out.name];
}

/** Split a [h, rows, …] tensor along axis 1 at `at`: rows [0, at) and [at, rows). */
function split(t: Tensor, at: number): [Tensor, Tensor] {
  const [h, rows] = t.shape;
  const inner = t.data.length / (h * rows);
  const a = new Float32Array(h * at * inner);
  const b = new Float32Array(h * (rows - at) * inner);
  for (let i = 0; i < h; i++) {
    const row = t.data.subarray(i * rows * inner, (i + 1) * rows * inner);
    a.set(row.subarray(0, at * inner), i * at * inner);
    b.set(row.subarray(at * inner), i * (rows - at) * inner);
  }
  const rest = t.shape.slice(2);
  return [
    { shape: [h, at, ...rest], data: a },
    { shape: [h, rows - at, ...rest], data: b }
  ];
}

const reshape = (t: Tensor, shape: number[]): Tensor => ({ shape, data: t.data });
