/**
 * Lesson 15: SSD, the chunked algorithm of Mamba-2, for one sequence with H heads of width P:
 *   h_t = e^{Δ_t A} h_{t−1} + (Δ_t x_t) B_tᵀ,   y_t = h_t C_t   (B, C shared by the heads).
 * WebGPU: the passes of ssd.wgsl. WASM: ssd_minimal's steps 1–2 and 4 as ONNX graphs, step 3 as a
 * TypeScript loop from chunk to chunk. `toGla` writes one head as lesson 13's gated attention.
 */
import { backend, gpu, onnx, type Tensor } from 'lab';
import shader from './ssd.wgsl';

/** x: [L, H, P], dt: [L, H] (Δ > 0), A: [H] (< 0), B and C: [L, N_s]; returns y: [L, H, P]. */
export async function ssd(x: Tensor, dt: Tensor, A: Tensor, B: Tensor, C: Tensor, chunk = 64) {
  return backend === 'webgpu' ? onGpu(x, dt, A, B, C, chunk) : onWasm(x, dt, A, B, C, chunk);
}

/** Head h as gated linear attention (lesson 13): which tensors are q, k, v and the log decay g? */
export function toGla(x: Tensor, dt: Tensor, A: Tensor, B: Tensor, C: Tensor, h: number) {
  const [L, H, P] = x.shape;
  const v = new Float32Array(L * P);
  const g = new Float32Array(L);
  for (let t = 0; t < L; t++) {
    const step = dt.data[t * H + h];
    g[t] = step * A.data[h]; // a_t = e^{Δ_t A}: the decay is e^g
    for (let p = 0; p < P; p++) v[t * P + p] = step * x.data[(t * H + h) * P + p]; // Euler: ΔBx
  }
  return { q: C, k: B, v: { shape: [L, P], data: v }, g: { shape: [L], data: g } };
}

async function onGpu(x: Tensor, dt: Tensor, A: Tensor, B: Tensor, C: Tensor, chunk: number) {
  const [L, H, P] = x.shape;
  const N = B.shape[1];
  if (P > 64 || N > 128) throw new Error(`ssd.wgsl holds P ≤ 64 and N_s ≤ 128 numbers per thread: P = ${P}, N = ${N}`);
  const chunks = Math.ceil(L / chunk);
  const bindings = [
    gpu.uniform({ len: ['u32', L], h: ['u32', H], p: ['u32', P], n: ['u32', N], chunk: ['u32', chunk] }, 'params'),
    gpu.input(dt, 'dt'),
    gpu.input(A, 'A'),
    gpu.scratch(chunks * H * P * N, 'chunk states'),
    gpu.input(x, 'x'),
    gpu.input(B, 'B'),
    gpu.input(C, 'C'),
    gpu.output([L, H, P], 'y')
  ];
  // Every entry point gets all eight bindings, so that each keeps its layout while unfinished.
  const run = (entryPoint: string, workgroups: [number, number?]) =>
    gpu.dispatch({ code: shader, entryPoint, bindings, workgroups });
  await run('chunkStates', [Math.ceil((chunks * H * P) / 64)]); // step 2
  await run('passStates', [Math.ceil((H * P) / 64)]); // step 3
  await run('outputs', [Math.ceil(L / 64), H]); // steps 1 and 4
  return gpu.read(bindings[7]);
}

async function onWasm(x: Tensor, dt: Tensor, A: Tensor, B: Tensor, C: Tensor, Cs: number) {
  const [L, H, P] = x.shape;
  const N = B.shape[1];
  const n = Math.ceil(L / Cs); // chunks; padding tokens have Δ = 0, so they change nothing
  const pad = (t: Tensor, shape: number[]): Tensor => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    data.set(t.data);
    return { shape, data };
  };
  const upper: number[] = [];
  for (let r = 0; r < Cs; r++) for (let c = 0; c < Cs; c++) upper.push(r <= c ? 1 : 0);

  // Graph 1: steps 1 and 2, batched over heads and chunks as [H, n, C, ·].
  const a = onnx.graph();
  const X = a.transpose(a.input('x', [n, Cs, H, P]), [2, 0, 1, 3]); // [H, n, C, P]
  const Dt = a.transpose(a.input('dt', [n, Cs, H]), [2, 0, 1]); // [H, n, C]
  const logA = a.mul(Dt, a.reshape(a.input('A', [H]), [H, 1, 1])); // A_t = Δ_t A ≤ 0
  const Bc = a.input('B', [n, Cs, N]);
  const Cc = a.input('C', [n, Cs, N]);
  const Xdt = a.mul(X, a.reshape(Dt, [H, n, Cs, 1])); // Δ x
  const cum = a.matmul(logA, a.constant(upper, [Cs, Cs])); // a_l: cumulative sum inside the chunk
  const last = a.reduceSum(logA, 2); // [H, n, 1]: Σ ΔA over each whole chunk
  const future = a.less(a.reshape(a.range(Cs), [Cs, 1]), a.reshape(a.range(Cs), [1, Cs]));
  // Step 1: Y_diag = (L ⊙ C Bᵀ) Δx, L_ls = e^{a_l − a_s} (s ≤ l): lesson 13's decay mask.
  const diff = a.sub(a.reshape(cum, [H, n, Cs, 1]), a.reshape(cum, [H, n, 1, Cs]));
  const mask = a.where(future, a.constant(0), a.exp(diff));
  const CB = a.matmul(Cc, a.transpose(Bc, [0, 2, 1])); // [n, C, C], the same for every head
  const yDiag = a.matmul(a.mul(mask, CB), Xdt); // [H, n, C, P]
  // Step 2: states[c] = Σ_s e^{a_last − a_s} B_s (Δx_s)ᵀ, stored [H, n, N, P].
  const toEnd = a.reshape(a.exp(a.sub(last, cum)), [H, n, Cs, 1]);
  const states = a.matmul(a.transpose(Bc, [0, 2, 1]), a.mul(Xdt, toEnd));
  for (const v of [yDiag, states, cum, last]) a.output(v);
  const Cp = pad(C, [n, Cs, N]);
  const r1 = await onnx.run(a, {
    x: pad(x, [n, Cs, H, P]),
    dt: pad(dt, [n, Cs, H]),
    A,
    B: pad(B, [n, Cs, N]),
    C: Cp
  });

  // Step 3: the state entering each chunk, [H, n, N_s, P]; h_[0] = 0.
  const own = r1[states.name].data; // what each chunk adds by its end, [H, n, N_s, P]
  const sums = r1[last.name].data; // Σ ΔA over each chunk, [H, n]
  const size = N * P;
  const entering = new Float32Array(H * n * size);
  // h_[c] = e^{last[c−1]} h_[c−1] + states[c−1]
  for (let h = 0; h < H; h++) {
    for (let c = 1; c < n; c++) {
      const decay = Math.exp(sums[h * n + c - 1]);
      const at = (h * n + c) * size;
      const before = at - size; // chunk c − 1
      for (let e = 0; e < size; e++) entering[at + e] = decay * entering[before + e] + own[before + e];
    }
  }

  // Graph 2, step 4: Y_off = e^{a_l} C_l h_[c]; then y = Y_diag + Y_off back in [L, H, P] order.
  const z = onnx.graph();
  const Cz = z.input('C', [n, Cs, N]);
  const hz = z.input('h', [H, n, N, P]);
  const cumZ = z.input('cum', [H, n, Cs]);
  const yDiagZ = z.input('yDiag', [H, n, Cs, P]);
  const off = z.mul(z.matmul(Cz, hz), z.reshape(z.exp(cumZ), [H, n, Cs, 1]));
  const y = z.transpose(z.add(yDiagZ, off), [1, 2, 0, 3]);
  z.output(y);
  const h = { shape: [H, n, N, P], data: entering };
  const r2 = await onnx.run(z, { C: Cp, h, cum: r1[cum.name], yDiag: r1[yDiag.name] });
  return { shape: [L, H, P], data: r2[y.name].data.slice(0, L * H * P) };
}
