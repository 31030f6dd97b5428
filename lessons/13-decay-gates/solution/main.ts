/**
 * Lesson 13: gated linear attention in chunks, with g_t = ln α_t ≤ 0 the log decay of token t:
 *   S_t = e^{g_t}·S_{t−1} + k_t v_tᵀ,   o_t = scale·S_tᵀ q_t.
 * WebGPU: the two passes of gla.wgsl. WASM: two ONNX graphs (all the work that is parallel over
 * chunks) around a short TypeScript loop from chunk to chunk.
 * `vectorGatedAttention` is GLA's vector gate (one log decay per key channel, g [T, dk]): on WebGPU
 * the two passes of gla-vector.wgsl, on WASM the same two passes in TypeScript.
 */
import { backend, gpu, onnx, tensors, type Tensor } from 'lab';
import shader from './gla.wgsl';
import vectorShader from './gla-vector.wgsl';

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
  const diff = a.sub(a.reshape(b, [n, C, 1]), a.reshape(b, [n, 1, C]));
  const D = a.where(future, a.constant(0), a.exp(diff));
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

// ---------------------------------------------------------------------------------------------
// GLA's vector gate: one log decay per key channel, g [T, dk], S_t = diag(e^{g_t}) S_{t−1} + k_t v_tᵀ.
// Row i of S (key channel i) decays by its own e^{g_ti}: the same chunked form, one channel at a
// time. Cost: O(T·C·(dk + dv)) inside the chunks and O(T·dk·dv) through the states, as above.

/** q, k: [T, dk]; v: [T, dv]; g: [T, dk] per-channel log decays ≤ 0; returns o: [T, dv]. */
export async function vectorGatedAttention(q: Tensor, k: Tensor, v: Tensor, g: Tensor, chunk = 64) {
  return backend === 'webgpu' ? vectorOnGpu(q, k, v, g, chunk) : vectorOnCpu(q, k, v, g, chunk);
}

async function vectorOnGpu(q: Tensor, k: Tensor, v: Tensor, g: Tensor, C: number): Promise<Tensor> {
  const [t, dk] = q.shape;
  const dv = v.shape[1];
  if (dk > 64 || dv > 64) throw new Error(`gla-vector.wgsl holds 64 values in registers: dk = ${dk}, dv = ${dv}`);
  const shared = [
    gpu.input(k, 'k'),
    gpu.input(v, 'v'),
    gpu.input(g, 'g'),
    gpu.scratch(Math.ceil(t / C) * dk * dv, 'chunk states'),
    gpu.uniform(
      { t: ['u32', t], dk: ['u32', dk], dv: ['u32', dv], chunk: ['u32', C], scale: ['f32', 1 / Math.sqrt(dk)] },
      'params'
    )
  ];
  const o = gpu.output([t, dv], 'o');
  const pass = (entryPoint: string, bindings: typeof shared, workgroups: number) =>
    gpu.dispatch({ code: vectorShader, entryPoint, bindings, workgroups: [workgroups] });
  await pass('states', shared, Math.ceil(dk / 16)); // one invocation per key channel (state row)
  await pass('outputs', [...shared, gpu.input(q, 'q'), o], Math.ceil(t / 64)); // one per token
  return gpu.read(o);
}

/** The same two passes in TypeScript: the states entering each chunk, then every token's output. */
function vectorOnCpu(q: Tensor, k: Tensor, v: Tensor, g: Tensor, C: number): Tensor {
  const [t, dk] = q.shape;
  const dv = v.shape[1];
  const n = Math.ceil(t / C);
  const states = tensors.zeros([n, dk, dv]); // S_[c]: the state entering chunk c
  const o = tensors.zeros([t, dv]);
  const [Q, K, V, G, H, O] = [q.data, k.data, v.data, g.data, states.data, o.data];
  const S = new Float32Array(dk * dv);
  const b = new Float32Array(dk); // per channel: the log decay from the chunk's start
  const bLast = new Float32Array(dk); // per channel: the whole chunk's log decay

  // Pass 1, from chunk to chunk: S ← diag(e^{b_last}) S + Σ_r diag(e^{b_last − b_r}) k_r v_rᵀ.
  for (let c = 0; c < n; c++) {
    const [start, end] = [c * C, Math.min(c * C + C, t)];
    H.set(S, c * dk * dv);
    bLast.fill(0);
    for (let r = start; r < end; r++) for (let i = 0; i < dk; i++) bLast[i] += G[r * dk + i];
    for (let i = 0; i < dk; i++) {
      const keep = Math.exp(bLast[i]); // row i of the old state, through the whole chunk
      for (let j = 0; j < dv; j++) S[i * dv + j] *= keep;
    }
    b.fill(0);
    for (let r = start; r < end; r++) {
      for (let i = 0; i < dk; i++) {
        b[i] += G[r * dk + i];
        const w = Math.exp(bLast[i] - b[i]) * K[r * dk + i]; // one exp of a difference ≤ 0
        for (let j = 0; j < dv; j++) S[i * dv + j] += w * V[r * dv + j];
      }
    }
  }

  // Pass 2, every token t: o_t = scale·(Σ_i e^{b_ti} q_ti S_[c][i, :] + Σ_{s ≤ t} Σ_i q_ti k_si e^{b_ti − b_si} v_s).
  const scale = 1 / Math.sqrt(dk);
  const bs = new Float32Array(dk);
  for (let c = 0; c < n; c++) {
    const [start, end] = [c * C, Math.min(c * C + C, t)];
    b.fill(0);
    for (let tt = start; tt < end; tt++) {
      for (let i = 0; i < dk; i++) b[i] += G[tt * dk + i]; // b_t, channel by channel
      for (let i = 0; i < dk; i++) {
        const qi = Math.exp(b[i]) * Q[tt * dk + i];
        for (let j = 0; j < dv; j++) O[tt * dv + j] += qi * H[c * dk * dv + i * dv + j];
      }
      bs.fill(0);
      for (let s = start; s <= tt; s++) {
        let dot = 0;
        for (let i = 0; i < dk; i++) {
          bs[i] += G[s * dk + i];
          dot += Q[tt * dk + i] * K[s * dk + i] * Math.exp(b[i] - bs[i]);
        }
        for (let j = 0; j < dv; j++) O[tt * dv + j] += dot * V[s * dv + j];
      }
      for (let j = 0; j < dv; j++) O[tt * dv + j] *= scale;
    }
  }
  return o;
}
