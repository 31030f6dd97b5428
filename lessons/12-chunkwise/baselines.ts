/**
 * The two forms that lesson 11 wrote, run by the harness beside the learner's chunkwise form
 * (unnormalised, q and k already feature-mapped, scale 1):
 * - recurrent: S_t = S_{t−1} + k_t v_tᵀ, o_t = S_tᵀ q_t. N steps in a row; O(N·dk·dv) work.
 *   WebGPU: one invocation per column of S (only dv of them). WASM: a TypeScript loop.
 * - parallel: (Q Kᵀ ⊙ M) V. O(N²·d) work and an N×N matrix, but no step waits for another.
 *   WebGPU: one invocation per query row, writing its row of the matrix. WASM: an ONNX graph.
 */
import type { Tensor } from 'lab';
import type { Lab, MemoryModel } from '$lib/lessons/types';

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
  var s: array<f32, 64>;
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

export async function recurrent(lab: Lab, q: Tensor, k: Tensor, v: Tensor): Promise<Tensor> {
  const [n, dk] = q.shape;
  const dv = v.shape[1];
  if (lab.backend === 'webgpu') {
    const { gpu } = lab;
    const o = gpu.output([n, dv], 'o');
    await gpu.dispatch({
      code: RECURRENT,
      file: 'recurrent.wgsl (lesson 11)',
      bindings: [
        gpu.input(q, 'q'),
        gpu.input(k, 'k'),
        gpu.input(v, 'v'),
        o,
        gpu.uniform({ n: ['u32', n], dk: ['u32', dk], dv: ['u32', dv] }, 'params')
      ],
      workgroups: [Math.ceil(dv / 64)]
    });
    return gpu.read(o);
  }
  const o = lab.tensors.zeros([n, dv]);
  const S = lab.tensors.zeros([dk, dv]).data;
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

export async function parallel(lab: Lab, q: Tensor, k: Tensor, v: Tensor): Promise<Tensor> {
  const [n, dk] = q.shape;
  const dv = v.shape[1];
  if (lab.backend === 'webgpu') {
    const { gpu } = lab;
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
        gpu.uniform({ n: ['u32', n], dk: ['u32', dk], dv: ['u32', dv] }, 'params')
      ],
      workgroups: [Math.ceil(n / 64)]
    });
    return gpu.read(o);
  }
  const g = lab.onnx.graph();
  const Q = g.input('q', [n, dk]);
  const K = g.input('k', [n, dk]);
  const V = g.input('v', [n, dv]);
  const t = g.reshape(g.range(n), [n, 1]);
  const s = g.reshape(g.range(n), [1, n]);
  const out = g.matmul(g.where(g.less(t, s), g.constant(0), g.matmul(Q, g.transpose(K))), V);
  g.output(out);
  return (await lab.onnx.run(g, { q, k, v }))[out.name];
}

/** Analytic bytes of one run: q, k, v, o, plus the N×N matrix for the parallel form. */
export function baselineMemory(form: 'recurrent' | 'parallel', d: number): MemoryModel {
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
