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
  // TODO: each head decays at its own rate. This is head 0's γ for every head.
  return 1 - 2 ** -5;
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
  // TODO 1: b [n, C], the log decay from the chunk's start to each token (itself included), and
  // bLast [n, 1], the whole chunk's. The graph has no cumulative-sum op: which product of G with
  // a constant C×C matrix sums each row up to a position? Here: no decay at all.
  const b = a.mul(G, a.constant(0));
  const bLast = a.reduceSum(b, 1);
  const future = a.less(a.reshape(a.range(C), [C, 1]), a.reshape(a.range(C), [1, C])); // s > t
  // TODO 2: the decay mask D [n, C, C]: D_ts is how much of token s is left at token t, for s ≤ t,
  // and 0 for the future. With strong gates b falls to −300 in a chunk: every exp must stay finite.
  // Here: lesson 12's 0/1 mask.
  const D = a.where(future, a.constant(0), a.constant(1));
  const intra = a.matmul(a.mul(a.matmul(Q, a.transpose(K, [0, 2, 1])), D), V); // [n, C, dv]
  // What each chunk adds to the state by its end: Σ_s e^{b_last − b_s} k_s v_sᵀ.
  const kDecayed = K; // TODO 3: key s, as much of it as is left at the chunk's end
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
    const keep = 1; // TODO 4: what is left of the state after a whole chunk (last[c − 1] is its b_last)
    for (let e = 0; e < size; e++) S[now + e] = keep * S[before + e] + add[before + e];
  }

  // Graph 2: o = scale · (intra + (q ⊙ e^b) S_[c]).
  const z = onnx.graph();
  const Qz = z.input('q', [n, C, dk]);
  const Bz = z.input('b', [n, C]);
  const Sz = z.input('s', [n, dk, dv]);
  const Iz = z.input('intra', [n, C, dv]);
  const qDecayed = Qz; // TODO 5: the state has decayed since the chunk began, by token t (Bz is b)
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
    // TODO 1: by the chunk's end, row i of the old state has decayed by all of channel i's gates
    // in the chunk (G[r·dk + i]); decay it. bLast may help.
    // TODO 2: key r enters row i decayed by channel i's gates after r, up to the chunk's end. With
    // strong gates the sums reach −300 in a chunk: every exp you take must stay finite.
    // Here: lesson 12's update, no decay.
    for (let r = start; r < end; r++) {
      for (let i = 0; i < dk; i++) {
        const w = K[r * dk + i];
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
      // TODO 3: b, per channel, the log decay from the chunk's start to token tt (itself included).
      for (let i = 0; i < dk; i++) {
        const qi = Q[tt * dk + i]; // TODO 4: by token tt, row i of the state that entered has decayed
        for (let j = 0; j < dv; j++) O[tt * dv + j] += qi * H[c * dk * dv + i * dv + j];
      }
      bs.fill(0);
      for (let s = start; s <= tt; s++) {
        let dot = 0;
        // TODO 5: channel i of the score carries how much of channel i is left from s to tt.
        for (let i = 0; i < dk; i++) {
          dot += Q[tt * dk + i] * K[s * dk + i];
        }
        for (let j = 0; j < dv; j++) O[tt * dv + j] += dot * V[s * dv + j];
      }
      for (let j = 0; j < dv; j++) O[tt * dv + j] *= scale;
    }
  }
  return o;
}
