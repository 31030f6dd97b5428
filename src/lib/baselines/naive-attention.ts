/**
 * The baseline later lessons race against: lesson 01's naive causal softmax attention for one
 * head, run by a lesson's harness (not the learner's files). On WebGPU it is the WGSL kernel that
 * stores the N×N scores in a storage buffer (naive-attention.wgsl); on WASM the MatMul/Softmax ONNX
 * graph, whose N×N tensors onnxruntime holds while it runs.
 * Cost: about 4·N²·d FLOPs (half with the causal mask) and 4·N² bytes of scores per head.
 */
import type { Graph, Tensor, Value } from 'lab';
import type { Lab, MemoryModel } from '$lib/lessons/types';
import shader from './naive-attention.wgsl?raw';

/** Causal softmax attention, q, k, v: [N, d] → o: [N, d], on the run's backend. */
export async function naiveAttention(lab: Lab, q: Tensor, k: Tensor, v: Tensor): Promise<Tensor> {
  return lab.backend === 'webgpu' ? naiveGpu(lab, q, k, v) : naiveOnnx(lab, q, k, v);
}

async function naiveGpu({ gpu }: Lab, q: Tensor, k: Tensor, v: Tensor): Promise<Tensor> {
  const [n, d] = q.shape;
  const o = gpu.output([n, d], 'o');
  await gpu.dispatch({
    code: shader,
    file: 'naive-attention.wgsl (lesson 01)',
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

/**
 * Lesson 01's attention graph on `g` (inputs q, k, v of [N, d]; the N×N scores, the additive
 * causal mask, Softmax, then PV), returning its output. Also the bench's onnxruntime side.
 */
export function naiveAttentionGraph(g: Graph, n: number, d: number): Value {
  const [Q, K, V] = [g.input('q', [n, d]), g.input('k', [n, d]), g.input('v', [n, d])];
  const scores = g.mul(g.matmul(Q, g.transpose(K)), g.constant(1 / Math.sqrt(d)));
  const i = g.reshape(g.range(n), [n, 1]);
  const j = g.reshape(g.range(n), [1, n]);
  const out = g.matmul(g.softmax(g.where(g.less(i, j), g.constant(-1e9), scores)), V);
  g.output(out);
  return out;
}

async function naiveOnnx({ onnx }: Lab, q: Tensor, k: Tensor, v: Tensor): Promise<Tensor> {
  const [n, d] = q.shape;
  const g = onnx.graph();
  const out = naiveAttentionGraph(g, n, d);
  return (await onnx.run(g, { q, k, v }))[out.name];
}

/** Lesson 01's analytic model for head dimension d: the N×N scores plus q, k, v and o. */
export function naiveAttentionMemory(d: number): MemoryModel {
  return {
    label: 'naive attention: 4·N² + 4·4·N·d bytes',
    buffers: (n) => [
      { name: 'scores (N×N)', bytes: 4 * n * n },
      { name: 'q, k, v, o', bytes: 4 * 4 * n * d },
      { name: 'params', bytes: 16 }
    ]
  };
}

/** Bytes of the naive ONNX graph's tensors at N, as the lab counts them (every tensor, no reuse). */
export function naiveOnnxBytes(n: number, d: number): number {
  // float32: q, k, v, kᵀ, out (5 N×d) and q·kᵀ, ·scale, where, softmax (4 N×N); bool: less (N×N);
  // int64: two ranges and their reshapes (4 N). The few scalar constants are left out.
  return 4 * (5 * n * d + 4 * n * n) + n * n + 8 * 4 * n;
}
