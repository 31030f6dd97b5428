/**
 * The baseline: lesson 01's naive causal attention, run by this lesson's sweep beside the
 * learner's tiled version. On WebGPU it is lesson 01's WGSL kernel (naive.wgsl, which writes the
 * N×N scores to a storage buffer); on WASM it is lesson 01's ONNX graph (MatMul, Mul, Where,
 * Softmax, MatMul), whose N×N tensors onnxruntime holds while it runs.
 * Cost: O(N²d) time and O(N²) memory; the N×N buffer is what stops it at the device's limit.
 */
import type { Tensor } from 'lab';
import type { Lab, MemoryModel } from '$lib/lessons/types';
import { D } from './memory';
import naiveShader from './naive.wgsl?raw';

export const naiveMemory: MemoryModel = {
  label: 'analytic (naive): 4·N² + 4·4·N·d bytes',
  buffers: (n) => [
    { name: 'scores (N×N)', bytes: 4 * n * n },
    { name: 'q, k, v, o', bytes: 4 * 4 * n * D },
    { name: 'params', bytes: 16 }
  ]
};

export async function naiveAttention(lab: Lab, q: Tensor, k: Tensor, v: Tensor): Promise<Tensor> {
  return lab.backend === 'webgpu' ? naiveGpu(lab, q, k, v) : naiveOnnx(lab, q, k, v);
}

async function naiveGpu({ gpu }: Lab, q: Tensor, k: Tensor, v: Tensor): Promise<Tensor> {
  const [n, d] = q.shape;
  const o = gpu.output([n, d], 'o');
  await gpu.dispatch({
    code: naiveShader,
    file: 'naive.wgsl',
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

async function naiveOnnx({ onnx }: Lab, q: Tensor, k: Tensor, v: Tensor): Promise<Tensor> {
  const [n, d] = q.shape;
  const g = onnx.graph();
  const [Q, K, V] = [g.input('q', [n, d]), g.input('k', [n, d]), g.input('v', [n, d])];
  const scores = g.mul(g.matmul(Q, g.transpose(K)), g.constant(1 / Math.sqrt(d)));
  const i = g.reshape(g.range(n), [n, 1]);
  const j = g.reshape(g.range(n), [1, n]);
  const out = g.matmul(g.softmax(g.where(g.less(i, j), g.constant(-1e9), scores)), V);
  g.output(out);
  return (await onnx.run(g, { q, k, v }))[out.name];
}

/** Bytes of the naive ONNX graph's tensors at N, as the lab counts them (every tensor, no reuse). */
export function naiveOnnxBytes(n: number, d = D): number {
  // float32: q, k, v, kᵀ, out (5 N×d) and q·kᵀ, ·scale, where, softmax (4 N×N); bool: less (N×N);
  // int64: two ranges and their reshapes (4 N). The few scalar constants are left out.
  return 4 * (5 * n * d + 4 * n * n) + n * n + 8 * 4 * n;
}
