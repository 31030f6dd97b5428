/**
 * Lesson 12: chunkwise-parallel linear attention (the algorithm behind flash-linear-attention),
 * o_t = Σ_{s≤t} (q_t·k_s) v_s. Cut the N tokens into chunks of C; for chunk c,
 *   O_[c] = Q_[c] S_[c−1] + (Q_[c] K_[c]ᵀ ⊙ M) V_[c],     S_[c] = S_[c−1] + K_[c]ᵀ V_[c]
 * inter-chunk: all earlier chunks through the dk×dv state S_[c−1]; intra-chunk: a small causal product.
 * q and k are taken as already feature-mapped (lesson 11); scale 1 and no normaliser.
 * WebGPU runs chunk.wgsl's three passes; WASM runs the same three passes as TypeScript loops.
 */
import { backend, gpu, tensors, type Tensor } from 'lab';
import shader from './chunk.wgsl';

/** q, k: [N, dk]; v: [N, dv]; chunkSize: C ≥ 1. Returns o: [N, dv]. */
export async function chunkwise(q: Tensor, k: Tensor, v: Tensor, chunkSize: number): Promise<Tensor> {
  const [n, dk] = q.shape;
  const dv = v.shape[1];
  const chunks = Math.ceil(n / chunkSize);
  const size = dk * dv;
  if (backend === 'webgpu') {
    if (dv > 64) throw new Error(`chunk.wgsl accumulates a row of o in MAX_DV = 64 registers; dv = ${dv}`);
    const u = (x: number) => ['u32', x] as const;
    const params = gpu.uniform({ n: u(n), dk: u(dk), dv: u(dv), c: u(chunkSize), chunks: u(chunks) }, 'params');
    const states = gpu.scratch(chunks * size, 'chunk states');
    const kb = gpu.input(k, 'k');
    const vb = gpu.input(v, 'v');
    // 1. ΔS_c = K_[c]ᵀ V_[c] for every chunk at once: one invocation per entry (c, i, j).
    await gpu.dispatch({
      code: shader,
      entryPoint: 'chunk_states',
      bindings: [params, states, kb, vb],
      workgroups: [Math.ceil((chunks * size) / 256)]
    });
    // 2. The state before each chunk: a scan over the chunks, one invocation per entry (i, j).
    await gpu.dispatch({
      code: shader,
      entryPoint: 'scan_states',
      bindings: [params, states],
      workgroups: [Math.ceil(size / 64)]
    });
    // 3. Every token at once: through the state, then inside its chunk.
    const o = gpu.output([n, dv], 'o');
    await gpu.dispatch({
      code: shader,
      entryPoint: 'chunk_output',
      bindings: [params, states, kb, vb, gpu.input(q, 'q'), o],
      workgroups: [Math.ceil(n / 64)]
    });
    return gpu.read(o);
  }

  // 1. ΔS_c = K_[c]ᵀ V_[c]: token s adds k_s v_sᵀ to the state of its chunk.
  const states = tensors.zeros([chunks, dk, dv]).data;
  for (let s = 0; s < n; s++) {
    const base = Math.floor(s / chunkSize) * size;
    for (let i = 0; i < dk; i++) {
      const ki = k.data[s * dk + i];
      for (let j = 0; j < dv; j++) states[base + i * dv + j] += ki * v.data[s * dv + j];
    }
  }
  // 2. The scan: replace ΔS_c by S_[c−1] = ΔS_0 + … + ΔS_{c−1}, the state before chunk c.
  const running = tensors.zeros([dk, dv]).data;
  for (let c = 0; c < chunks; c++) {
    for (let e = 0; e < size; e++) {
      const delta = states[c * size + e];
      states[c * size + e] = running[e]; // exclusive: what the chunks before c wrote
      running[e] += delta;
    }
  }
  // 3. o_t = S_[c−1]ᵀ q_t + Σ_{s in chunk c, s ≤ t} (q_t·k_s) v_s.
  const o = tensors.zeros([n, dv]);
  for (let t = 0; t < n; t++) {
    const c = Math.floor(t / chunkSize);
    const ot = t * dv; // row t of o
    for (let s = c * chunkSize; s <= t; s++) {
      let score = 0;
      for (let i = 0; i < dk; i++) score += q.data[t * dk + i] * k.data[s * dk + i];
      for (let j = 0; j < dv; j++) o.data[ot + j] += score * v.data[s * dv + j];
    }
  }
  return o;
}
