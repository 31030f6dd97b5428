/**
 * Lesson 11: linear attention, the RNN view. Replace exp(q·k) by φ(q)·φ(k) and the sum over past
 * tokens folds into a fixed-size state:
 *   o_t = Σ_{s≤t} (φ(q_t)·φ(k_s)) v_s = S_tᵀ φ(q_t),   S_t = S_{t−1} + φ(k_t) v_tᵀ   (dk×dv)
 * normalised: o_t = S_tᵀ φ(q_t) / φ(q_t)·z_t, with z_t = z_{t−1} + φ(k_t).
 * WebGPU runs your WGSL. WASM runs the recurrence as plain TypeScript loops (a recurrence is a loop,
 * and the lab's ONNX graphs have no loop op) and the parallel form as an ONNX graph. The simd
 * backend runs the recurrence as recurrent.as.ts, AssemblyScript compiled to WebAssembly with SIMD
 * (φ and the parallel form as on WASM).
 */
import { backend, gpu, onnx, simd, tensors, type GpuBuffer, type Tensor } from 'lab';
import phiShader from './phi.wgsl';
import recurrentShader from './recurrent.wgsl';
import parallelShader from './parallel.wgsl';

export type FeatureMap = 'identity' | 'elu1';
export interface Options {
  featureMap: FeatureMap;
  normalize: boolean;
}

/** φ of one number, on the CPU. */
function phi(x: number, kind: FeatureMap): number {
  if (kind === 'identity') return x;
  // elu(x) + 1: x + 1 above zero, e^x at or below it. Always positive, like exp.
  return x > 0 ? x + 1 : Math.exp(x);
}

/** φ applied to every element of x (phi.wgsl on WebGPU). */
export async function featureMap(x: Tensor, kind: FeatureMap): Promise<Tensor> {
  if (backend === 'webgpu') return gpu.read(await phiOnGpu(x, kind, 'φ(x)'));
  const y = tensors.zeros(x.shape);
  for (let i = 0; i < y.data.length; i++) y.data[i] = phi(x.data[i], kind);
  return y;
}

/** Recurrent form: one token at a time, carrying only S (dk×dv) and z (dk). q, k: [N, dk]; v: [N, dv]. */
export async function recurrent(q: Tensor, k: Tensor, v: Tensor, options: Options): Promise<Tensor> {
  const [n, dk] = q.shape;
  const dv = v.shape[1];
  if (backend === 'simd') return recurrentSimd(q, k, v, options);
  if (backend === 'webgpu') {
    if (dk > 64) throw new Error(`recurrent.wgsl keeps a column of S in MAX_DK = 64 registers; dk = ${dk}`);
    const o = gpu.output([n, dv], 'o');
    await gpu.dispatch({
      code: recurrentShader,
      bindings: [
        await phiOnGpu(q, options.featureMap, 'φ(q)'),
        await phiOnGpu(k, options.featureMap, 'φ(k)'),
        gpu.input(v, 'v'),
        o,
        params(n, dk, dv, options)
      ],
      workgroups: [Math.ceil(dv / 64)] // one invocation per column of S: only dv of them
    });
    return gpu.read(o);
  }
  const fq = await featureMap(q, options.featureMap);
  const fk = await featureMap(k, options.featureMap);
  const o = tensors.zeros([n, dv]);
  const S = tensors.zeros([dk, dv]).data; // the whole memory of the past: dk×dv, whatever N is
  const z = tensors.zeros([dk]).data;
  for (let t = 0; t < n; t++) {
    // Token t joins the memory first (its output sees s ≤ t): S += φ(k_t) v_tᵀ, z += φ(k_t).
    for (let i = 0; i < dk; i++) {
      const ki = fk.data[t * dk + i];
      z[i] += ki;
      for (let j = 0; j < dv; j++) S[i * dv + j] += ki * v.data[t * dv + j];
    }
    // Then read it out: o_t = Sᵀ φ(q_t), divided by φ(q_t)·z when normalising.
    let den = 0;
    for (let i = 0; i < dk; i++) den += fq.data[t * dk + i] * z[i];
    for (let j = 0; j < dv; j++) {
      let num = 0;
      for (let i = 0; i < dk; i++) num += fq.data[t * dk + i] * S[i * dv + j];
      o.data[t * dv + j] = options.normalize ? num / den : num;
    }
  }
  return o;
}

/**
 * The simd backend: φ(q), φ(k) and v into the module's memory with a zeroed state S (dk×dv) and z
 * (dk), one call of recurrent.as.ts, o back out.
 */
async function recurrentSimd(q: Tensor, k: Tensor, v: Tensor, options: Options): Promise<Tensor> {
  const [n, dk] = q.shape;
  const dv = v.shape[1];
  if (dv % 4 !== 0)
    throw new Error(`recurrent.as.ts reads rows of S as f32x4s, so dv must be a multiple of 4, got ${dv}`);
  const fq = await featureMap(q, options.featureMap);
  const fk = await featureMap(k, options.featureMap);
  const m = simd.instantiate('recurrent.as.ts');
  const [pq, pk, pv, po] = [m.put(fq), m.put(fk), m.put(v), m.alloc(n * dv)];
  const [S, z] = [m.alloc(dk * dv), m.alloc(dk)]; // the whole memory of the past, whatever N is
  m.exports.recurrent(pq, pk, pv, po, n, dk, dv, options.normalize ? 1 : 0, S, z);
  return m.get(po, [n, dv]);
}

/** Parallel form: (φ(Q)φ(K)ᵀ ⊙ M) V, every pair s ≤ t at once: N² scores, no state. */
export async function parallel(q: Tensor, k: Tensor, v: Tensor, options: Options): Promise<Tensor> {
  const [n, dk] = q.shape;
  const dv = v.shape[1];
  if (backend === 'webgpu') {
    const o = gpu.output([n, dv], 'o');
    await gpu.dispatch({
      code: parallelShader,
      bindings: [
        await phiOnGpu(q, options.featureMap, 'φ(q)'),
        await phiOnGpu(k, options.featureMap, 'φ(k)'),
        gpu.input(v, 'v'),
        gpu.scratch(n * n, 'scores A'),
        o,
        params(n, dk, dv, options)
      ],
      workgroups: [Math.ceil(n / 64)] // one invocation per query row
    });
    return gpu.read(o);
  }
  const g = onnx.graph();
  const Q = g.input('q', [n, dk]);
  const K = g.input('k', [n, dk]);
  const V = g.input('v', [n, dv]);
  // The causal mask: A_ts = 0 where s > t. No softmax, so masked entries are 0, not −∞.
  const t = g.reshape(g.range(n), [n, 1]);
  const s = g.reshape(g.range(n), [1, n]);
  const A = g.where(g.less(t, s), g.constant(0), g.matmul(Q, g.transpose(K)));
  let out = g.matmul(A, V);
  if (options.normalize) out = g.div(out, g.reduceSum(A, 1)); // row sums: φ(q_t)·z_t
  g.output(out);
  const fq = await featureMap(q, options.featureMap);
  const fk = await featureMap(k, options.featureMap);
  return (await onnx.run(g, { q: fq, k: fk, v }))[out.name];
}

// φ on the GPU, from a tensor to a buffer that the next kernel reads without a trip to the CPU.
async function phiOnGpu(x: Tensor, kind: FeatureMap, label: string): Promise<GpuBuffer> {
  const y = gpu.output(x.shape, label);
  const len = tensors.size(x.shape);
  await gpu.dispatch({
    code: phiShader,
    bindings: [
      gpu.input(x, `${label} input`),
      y,
      gpu.uniform({ len: ['u32', len], kind: ['u32', kind === 'elu1' ? 1 : 0] }, `${label} params`)
    ],
    workgroups: [Math.max(1, Math.ceil(len / 256))]
  });
  return y;
}

function params(n: number, dk: number, dv: number, options: Options): GpuBuffer {
  return gpu.uniform(
    { n: ['u32', n], dk: ['u32', dk], dv: ['u32', dv], normalize: ['u32', options.normalize ? 1 : 0] },
    'params'
  );
}
