/**
 * Lesson 13: gated linear attention in chunks, with g_t = ln α_t ≤ 0 the log decay of token t:
 *   S_t = e^{g_t}·S_{t−1} + k_t v_tᵀ,   o_t = scale·S_tᵀ q_t.
 * WebGPU: the two passes of gla.wgsl. WASM: two ONNX graphs (all the work that is parallel over
 * chunks) around a short TypeScript loop from chunk to chunk.
 */
import { backend, gpu, onnx, type Tensor } from 'lab';
import shader from './gla.wgsl';

/** RetNet's fixed decay for head h = 0, 1, 2, …: γ_h = 1 − 2^(−5−h). */
export function retnetGamma(h: number): number {
  return 1 - 2 ** (-5 - h);
}

/** q, k: [T, dk]; v: [T, dv]; g: [T] log decays ≤ 0; returns o: [T, dv]. */
export async function gatedAttention(q: Tensor, k: Tensor, v: Tensor, g: Tensor, chunk = 64) {
  return backend === 'webgpu' ? onGpu(q, k, v, g, chunk) : onWasm(q, k, v, g, chunk);
}

async function onGpu(q: Tensor, k: Tensor, v: Tensor, g: Tensor, C: number): Promise<Tensor> {
  const [t, dk] = q.shape;
  const dv = v.shape[1];
  if (dv > 64) throw new Error(`gla.wgsl holds a row of dv values in registers: dv = ${dv} > 64`);
  const scale = 1 / Math.sqrt(dk);
  const shared = [
    gpu.input(k, 'k'),
    gpu.input(v, 'v'),
    gpu.input(g, 'g'),
    gpu.scratch(Math.ceil(t / C) * dk * dv, 'chunk states'),
    gpu.uniform({ t: ['u32', t], dk: ['u32', dk], dv: ['u32', dv], chunk: ['u32', C], scale: ['f32', scale] }, 'params')
  ];
  const o = gpu.output([t, dv], 'o');
  const pass = (entryPoint: string, bindings: typeof shared, workgroups: number) =>
    gpu.dispatch({ code: shader, entryPoint, bindings, workgroups: [workgroups] });
  await pass('states', shared, Math.ceil(dk / 16)); // one invocation per state row, 16 per group
  await pass('outputs', [...shared, gpu.input(q, 'q'), o], Math.ceil(t / 64)); // one per token
  return gpu.read(o);
}

async function onWasm(q: Tensor, k: Tensor, v: Tensor, g: Tensor, C: number): Promise<Tensor> {
  const [t, dk] = q.shape;
  const dv = v.shape[1];
  const n = Math.ceil(t / C); // chunks; the last is padded with tokens that add nothing (k = v = 0)
  const chunked = (x: Tensor, shape: number[]): Tensor => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    data.set(x.data);
    return { shape, data };
  };

  // Graph 1: all the work that is parallel over chunks, batched as [n, C, ·].
  const a = onnx.graph();
  const Q = a.input('q', [n, C, dk]);
  const K = a.input('k', [n, C, dk]);
  const V = a.input('v', [n, C, dv]);
  const G = a.input('g', [n, C]);
  const upper: number[] = [];
  for (let r = 0; r < C; r++) for (let c = 0; c < C; c++) upper.push(r <= c ? 1 : 0);
  const b = a.matmul(G, a.constant(upper, [C, C])); // b_t = Σ_{r ≤ t} g_r in the chunk: a cumsum
  const bLast = a.reduceSum(G, 1); // [n, 1]
  const future = a.less(a.reshape(a.range(C), [C, 1]), a.reshape(a.range(C), [1, C])); // s > t
  // Decay mask D_ts = e^{b_t − b_s} for s ≤ t, else 0 (where() drops the future's e^{>0}).
  const D = a.where(future, a.constant(0), a.constant(1));
  const intra = a.matmul(a.mul(a.matmul(Q, a.transpose(K, [0, 2, 1])), D), V); // [n, C, dv]
  // What each chunk adds to the state by its end: Σ_s e^{b_last − b_s} k_s v_sᵀ.
  const kDecayed = a.mul(K, a.reshape(a.exp(a.sub(bLast, b)), [n, C, 1]));
  const added = a.matmul(a.transpose(kDecayed, [0, 2, 1]), V); // [n, dk, dv]
  for (const x of [intra, added, b, bLast]) a.output(x);
  const qs = chunked(q, [n, C, dk]);
  const r1 = await onnx.run(a, {
    q: qs,
    k: chunked(k, [n, C, dk]),
    v: chunked(v, [n, C, dv]),
    g: chunked(g, [n, C])
  });

  // From chunk to chunk it is an RNN with n steps: S_[c+1] = e^{b_last} S_[c] + added_c.
  const size = dk * dv;
  const S = new Float32Array(n * size); // S_[c]: the state entering chunk c
  const add = r1[added.name].data;
  const last = r1[bLast.name].data;
  for (let c = 1; c < n; c++) {
    const [now, before] = [c * size, (c - 1) * size];
    const keep = Math.exp(last[c - 1]); // a whole chunk decays the state by e^{b_last}
    for (let e = 0; e < size; e++) S[now + e] = keep * S[before + e] + add[before + e];
  }

  // Graph 2: o = scale · (intra + (q ⊙ e^b) S_[c]).
  const z = onnx.graph();
  const Qz = z.input('q', [n, C, dk]);
  const Bz = z.input('b', [n, C]);
  const Sz = z.input('s', [n, dk, dv]);
  const Iz = z.input('intra', [n, C, dv]);
  const qDecayed = z.mul(Qz, z.reshape(z.exp(Bz), [n, C, 1])); // the state has decayed by e^{b_t}
  const out = z.mul(z.add(Iz, z.matmul(qDecayed, Sz)), z.constant(1 / Math.sqrt(dk)));
  z.output(out);
  const S_ = { shape: [n, dk, dv], data: S };
  const r2 = await onnx.run(z, { q: qs, b: r1[b.name], s: S_, intra: r1[intra.name] });
  return { shape: [t, dv], data: r2[out.name].data.slice(0, t * dv) };
}
