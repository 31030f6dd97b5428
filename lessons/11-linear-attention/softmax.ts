/**
 * The baseline this lesson races against: lesson 01's naive causal softmax attention for one head,
 * exactly as its solution runs it (the WGSL kernel that stores the N×N scores on WebGPU, the
 * MatMul/Softmax ONNX graph on WASM). It belongs to the lesson's harness, not to the learner's files.
 * Cost: about 4·N²·d FLOPs and 4·N² bytes of scores: quadratic in both.
 */
import type { Tensor } from 'lab';
import type { Lab, MemoryModel } from '$lib/lessons/types';

const SHADER = /* wgsl */ `
struct Params { n: u32, d: u32, scale: f32 }
@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read_write> scores: array<f32>;
@group(0) @binding(4) var<storage, read_write> o: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= p.n) { return; }
  let row = i * p.n;
  var m = -3.4e38;
  for (var j = 0u; j <= i; j++) {
    var s = 0.0;
    for (var c = 0u; c < p.d; c++) { s += q[i * p.d + c] * k[j * p.d + c]; }
    s *= p.scale;
    scores[row + j] = s;
    m = max(m, s);
  }
  var l = 0.0;
  for (var j = 0u; j <= i; j++) {
    let e = exp(scores[row + j] - m);
    scores[row + j] = e;
    l += e;
  }
  for (var c = 0u; c < p.d; c++) {
    var acc = 0.0;
    for (var j = 0u; j <= i; j++) { acc += scores[row + j] * v[j * p.d + c]; }
    o[i * p.d + c] = acc / l;
  }
}
`;

/** Causal softmax attention, q, k, v: [N, d] → o: [N, d], on the run's backend. */
export async function softmaxAttention(lab: Lab, q: Tensor, k: Tensor, v: Tensor): Promise<Tensor> {
  const [n, d] = q.shape;
  if (lab.backend === 'webgpu') {
    const { gpu } = lab;
    const o = gpu.output([n, d], 'o');
    await gpu.dispatch({
      code: SHADER,
      file: 'softmax-attention.wgsl (lesson 01)',
      bindings: [
        gpu.input(q, 'q'),
        gpu.input(k, 'k'),
        gpu.input(v, 'v'),
        gpu.scratch(n * n, 'scores'),
        o,
        gpu.uniform({ n: ['u32', n], d: ['u32', d], scale: ['f32', 1 / Math.sqrt(d)] }, 'params')
      ],
      workgroups: [Math.ceil(n / 64)]
    });
    return gpu.read(o);
  }
  const g = lab.onnx.graph();
  const Q = g.input('q', [n, d]);
  const K = g.input('k', [n, d]);
  const V = g.input('v', [n, d]);
  const scores = g.mul(g.matmul(Q, g.transpose(K)), g.constant(1 / Math.sqrt(d)));
  const i = g.reshape(g.range(n), [n, 1]);
  const j = g.reshape(g.range(n), [1, n]);
  const out = g.matmul(g.softmax(g.where(g.less(i, j), g.constant(-1e9), scores)), V);
  g.output(out);
  return (await lab.onnx.run(g, { q, k, v }))[out.name];
}

/** Lesson 01's analytic model: the N×N scores plus q, k, v and o. */
export function softmaxMemory(d: number): MemoryModel {
  return {
    label: 'softmax attention: 4·N² + 4·4·N·d bytes',
    buffers: (n) => [
      { name: 'scores (N×N)', bytes: 4 * n * n },
      { name: 'q', bytes: 4 * n * d },
      { name: 'k', bytes: 4 * n * d },
      { name: 'v', bytes: 4 * n * d },
      { name: 'o', bytes: 4 * n * d }
    ]
  };
}
