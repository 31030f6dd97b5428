/**
 * Full causal attention done the IO-aware way, for lessons that race a sparse kernel against it:
 * on WebGPU lesson 05's tiled FlashAttention-2 kernel (flash-attention.wgsl, block sizes from the
 * device's workgroup memory as FlashAttention-1's Algorithm 1 chooses them); on WASM, where a
 * key-block loop of ONNX calls loses to one big graph, lesson 01's naive MatMul/Softmax graph
 * (naive-attention.ts). Run by a lesson's harness, not by the learner's files.
 * Cost: about 2·N(N+1)·d FLOPs either way; memory 16·N·d bytes on WebGPU, about 17·N² on WASM.
 */
import type { Tensor } from 'lab';
import type { Lab, MemoryModel } from '$lib/lessons/types';
import { naiveAttention, naiveOnnxBytes } from './naive-attention';
import shader from './flash-attention.wgsl?raw';

/** Causal softmax attention, q, k, v: [N, d] → o: [N, d], on the run's backend. */
export async function flashAttention(lab: Lab, q: Tensor, k: Tensor, v: Tensor): Promise<Tensor> {
  return lab.backend === 'webgpu' ? flashGpu(lab, q, k, v) : naiveAttention(lab, q, k, v);
}

/** FlashAttention-1's block sizes: B_c = ⌈M/4d⌉ with M = bytes/4 floats, B_r = min(B_c, d). */
export function flashBlockSizes(d: number, workgroupBytes: number): { bc: number; br: number } {
  const bc = Math.ceil(Math.floor(workgroupBytes / 4) / (4 * d));
  return { bc, br: Math.min(bc, d) };
}

async function flashGpu({ gpu }: Lab, q: Tensor, k: Tensor, v: Tensor): Promise<Tensor> {
  const [n, d] = q.shape;
  const { bc, br } = flashBlockSizes(d, gpu.limits.maxComputeWorkgroupStorageSize);
  const code = shader
    .replace(/const D: u32 = \d+u;/, `const D: u32 = ${d}u;`)
    .replace(/const BR: u32 = \d+u;/, `const BR: u32 = ${br}u;`)
    .replace(/const BC: u32 = \d+u;/, `const BC: u32 = ${bc}u;`);
  const o = gpu.output([n, d], 'o');
  await gpu.dispatch({
    code,
    file: 'flash-attention.wgsl (lesson 05)',
    bindings: [
      gpu.input(q, 'q'),
      gpu.input(k, 'k'),
      gpu.input(v, 'v'),
      o,
      gpu.uniform({ n: ['u32', n], scale: ['f32', 1 / Math.sqrt(d)] }, 'params')
    ],
    workgroups: [Math.ceil(n / br)]
  });
  return gpu.read(o);
}

/** The analytic bytes of the backend's full-attention run: Q, K, V, O on WebGPU; the naive graph on WASM. */
export function flashAttentionMemory(backend: Lab['backend'], d: number): MemoryModel {
  if (backend !== 'webgpu') {
    return {
      label: 'naive ONNX graph: its tensors, about 17·N² bytes',
      buffers: (n) => [{ name: 'graph tensors', bytes: naiveOnnxBytes(n, d) }]
    };
  }
  return {
    label: 'FlashAttention: 16·N·d bytes',
    buffers: (n) => [
      { name: 'q, k, v, o', bytes: 4 * 4 * n * d },
      { name: 'params', bytes: 8 }
    ]
  };
}
