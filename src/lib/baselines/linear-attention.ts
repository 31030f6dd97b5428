/**
 * Lesson 11's two forms of linear attention for one head, as baselines later lessons race
 * against (lesson 12's chunkwise form): unnormalised, scale 1, q and k already feature-mapped,
 *   o_t = Σ_{s≤t} (q_t·k_s) v_s,   q, k: [N, dk], v: [N, dv] → o: [N, dv].
 * Run by a lesson's harness, not the learner's files.
 *
 * - recurrent: S_t = S_{t−1} + k_t v_tᵀ, o_t = S_tᵀ q_t. O(N·dk·dv) work and a dk×dv state, but N
 *   steps that must run one after another. WebGPU: one invocation per column of S (only dv of
 *   them; dk ≤ 64). WASM: a TypeScript loop (the lab's ONNX graphs have no loop op).
 * - parallel: (Q Kᵀ ⊙ M) V. O(N²·(dk + dv)) work and an N×N matrix (4·N² bytes), but no step waits
 *   for another. WebGPU: one invocation per query row, writing its row of the matrix. WASM: an
 *   ONNX graph, whose N×N tensors onnxruntime holds while it runs.
 */
import type { Tensor } from 'lab';
import type { Lab, MemoryModel } from '$lib/lessons/types';

export type LinearForm = 'recurrent' | 'parallel';

const MAX_DK = 64;

const RECURRENT = /* wgsl */ `
struct Params { n: u32, dk: u32, dv: u32 }
@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read_write> o: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let j = gid.x;
  if (j >= p.dv) { return; }
  var s: array<f32, ${MAX_DK}>; // column j of S
  for (var t = 0u; t < p.n; t++) {
    let vtj = v[t * p.dv + j];
    var acc = 0.0;
    for (var i = 0u; i < p.dk; i++) {
      s[i] += k[t * p.dk + i] * vtj;
      acc += q[t * p.dk + i] * s[i];
    }
    o[t * p.dv + j] = acc;
  }
}
`;

const PARALLEL = /* wgsl */ `
struct Params { n: u32, dk: u32, dv: u32 }
@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read_write> scores: array<f32>;
@group(0) @binding(4) var<storage, read_write> o: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let t = gid.x;
  if (t >= p.n) { return; }
  let row = t * p.n;
  for (var s = 0u; s <= t; s++) {
    var a = 0.0;
    for (var i = 0u; i < p.dk; i++) { a += q[t * p.dk + i] * k[s * p.dk + i]; }
    scores[row + s] = a;
  }
  for (var j = 0u; j < p.dv; j++) {
    var acc = 0.0;
    for (var s = 0u; s <= t; s++) { acc += scores[row + s] * v[s * p.dv + j]; }
    o[t * p.dv + j] = acc;
  }
}
`;

/** Linear attention in the given form, on the run's backend. */
export async function linearAttention(lab: Lab, form: LinearForm, q: Tensor, k: Tensor, v: Tensor): Promise<Tensor> {
  if (lab.backend === 'webgpu') return form === 'recurrent' ? recurrentGpu(lab, q, k, v) : parallelGpu(lab, q, k, v);
  return form === 'recurrent' ? recurrentCpu(lab, q, k, v) : parallelOnnx(lab, q, k, v);
}

const params = ({ gpu }: Lab, n: number, dk: number, dv: number) =>
  gpu.uniform({ n: ['u32', n], dk: ['u32', dk], dv: ['u32', dv] }, 'params');

async function recurrentGpu(lab: Lab, q: Tensor, k: Tensor, v: Tensor): Promise<Tensor> {
  const { gpu } = lab;
  const [n, dk] = q.shape;
  const dv = v.shape[1];
  if (dk > MAX_DK) throw new Error(`the recurrent baseline keeps a column of S in ${MAX_DK} registers; dk = ${dk}`);
  const o = gpu.output([n, dv], 'o');
  await gpu.dispatch({
    code: RECURRENT,
    file: 'recurrent.wgsl (lesson 11)',
    bindings: [gpu.input(q, 'q'), gpu.input(k, 'k'), gpu.input(v, 'v'), o, params(lab, n, dk, dv)],
    workgroups: [Math.ceil(dv / 64)]
  });
  return gpu.read(o);
}

async function parallelGpu(lab: Lab, q: Tensor, k: Tensor, v: Tensor): Promise<Tensor> {
  const { gpu } = lab;
  const [n, dk] = q.shape;
  const dv = v.shape[1];
  const o = gpu.output([n, dv], 'o');
  await gpu.dispatch({
    code: PARALLEL,
    file: 'parallel.wgsl (lesson 11)',
    bindings: [
      gpu.input(q, 'q'),
      gpu.input(k, 'k'),
      gpu.input(v, 'v'),
      gpu.scratch(n * n, 'scores A'),
      o,
      params(lab, n, dk, dv)
    ],
    workgroups: [Math.ceil(n / 64)]
  });
  return gpu.read(o);
}

function recurrentCpu({ tensors }: Lab, q: Tensor, k: Tensor, v: Tensor): Tensor {
  const [n, dk] = q.shape;
  const dv = v.shape[1];
  const o = tensors.zeros([n, dv]);
  const S = tensors.zeros([dk, dv]).data; // the whole memory of the past, whatever N is
  for (let t = 0; t < n; t++) {
    for (let i = 0; i < dk; i++) {
      const ki = k.data[t * dk + i];
      for (let j = 0; j < dv; j++) S[i * dv + j] += ki * v.data[t * dv + j];
    }
    for (let i = 0; i < dk; i++) {
      const qi = q.data[t * dk + i];
      for (let j = 0; j < dv; j++) o.data[t * dv + j] += qi * S[i * dv + j];
    }
  }
  return o;
}

async function parallelOnnx({ onnx }: Lab, q: Tensor, k: Tensor, v: Tensor): Promise<Tensor> {
  const [n, dk] = q.shape;
  const dv = v.shape[1];
  const g = onnx.graph();
  const [Q, K, V] = [g.input('q', [n, dk]), g.input('k', [n, dk]), g.input('v', [n, dv])];
  // The causal mask: A_ts = 0 where s > t (no softmax, so masked entries are 0, not −∞).
  const t = g.reshape(g.range(n), [n, 1]);
  const s = g.reshape(g.range(n), [1, n]);
  const out = g.matmul(g.where(g.less(t, s), g.constant(0), g.matmul(Q, g.transpose(K))), V);
  g.output(out);
  return (await onnx.run(g, { q, k, v }))[out.name];
}

/** Analytic bytes of one run, head dimension d (dk = dv = d): q, k, v, o, and the N×N matrix of the parallel form. */
export function linearAttentionMemory(form: LinearForm, d: number): MemoryModel {
  return {
    label: form,
    buffers: (n) => [
      ...(form === 'parallel' ? [{ name: 'A (N×N)', bytes: 4 * n * n }] : []),
      { name: 'q', bytes: 4 * n * d },
      { name: 'k', bytes: 4 * n * d },
      { name: 'v', bytes: 4 * n * d },
      { name: 'o', bytes: 4 * n * d }
    ]
  };
}
