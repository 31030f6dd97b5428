/**
 * Lesson 06: quantized attention, the SageAttention idea, simulated in f32. Q and K are quantized
 * per block of tokens to b-bit integers and dequantized before QKᵀ; K is first "smoothed" by
 * subtracting the mean key, which removes channel-wise outliers and leaves softmax unchanged.
 * quantizeQK returns the dequantized Q̂ and K̂; the lesson hands them, with V, to lesson 01's
 * naive causal attention (exact float32 attention on the values your quantizer produced).
 * WebGPU: quant.wgsl. WASM: plain TypeScript (the ONNX graph builder has no Round).
 */
import { backend, gpu, tensors, type GpuBuffer, type Tensor } from 'lab';
import quantShader from './quant.wgsl';

/** Tokens per quantization block: one scale δ each (SageAttention quantizes per block). */
export const BLOCK = 64;

/** K minus the mean key over tokens. Every score q_i·k_j then drops by q_i·mean, the same for all j. */
export function smoothK(k: Tensor): Tensor {
  const [n, d] = k.shape;
  const mean = new Float64Array(d);
  for (let t = 0; t < n; t++) for (let c = 0; c < d; c++) mean[c] += k.data[t * d + c];
  const out = tensors.zeros([n, d]);
  for (let t = 0; t < n; t++) for (let c = 0; c < d; c++) out.data[t * d + c] = k.data[t * d + c];
  return out;
}

const qmax = (bits: number) => 2 ** (bits - 1) - 1;

/** Per-block quantize–dequantize of x [N, d] to `bits` bits, one scale per `block` tokens. */
export async function quantize(x: Tensor, bits: number, block = BLOCK): Promise<Tensor> {
  if (backend !== 'webgpu') return quantizeCpu(x, bits, block);
  const y = await quantizeGpu(gpu.input(x, 'x'), x.shape, bits, block);
  return gpu.read(y);
}

async function quantizeGpu(x: GpuBuffer, shape: readonly number[], bits: number, block: number): Promise<GpuBuffer> {
  const [n, d] = shape;
  const y = gpu.output([n, d], `${x.label}, quantized`);
  await gpu.dispatch({
    code: quantShader,
    bindings: [
      x,
      y,
      gpu.uniform({ n: ['u32', n], d: ['u32', d], block: ['u32', block], qmax: ['f32', qmax(bits)] }, 'quant params')
    ],
    workgroups: [Math.ceil(n / block)] // one workgroup per block of tokens
  });
  return y;
}

/** The same on the CPU: the block's largest |x| sets δ; round(x/δ) is the stored integer. */
function quantizeCpu(x: Tensor, bits: number, block: number): Tensor {
  const [n, d] = x.shape;
  const y = tensors.zeros([n, d]);
  for (let r0 = 0; r0 < n; r0 += block) {
    const [start, end] = [r0 * d, Math.min(n, r0 + block) * d];
    let amax = 0;
    for (let i = start; i < end; i++) amax = Math.max(amax, Math.abs(x.data[i]));
    const delta = amax / qmax(bits);
    for (let i = start; i < end; i++) y.data[i] = delta > 0 ? Math.round(x.data[i] / delta) * delta : 0;
  }
  return y;
}

export interface QuantOptions {
  /** Bits per element of Q and K (8 for INT8); leave out for exact float32 attention. */
  bits?: number;
  /** Subtract the mean key before quantizing. */
  smooth: boolean;
  block?: number;
}

/**
 * Q and K as attention will see them: K smoothed when asked, then both quantized per block and
 * dequantized when `bits` is given (without bits, exact float32). q, k: [N, d].
 */
export async function quantizeQK(q: Tensor, k: Tensor, opts: QuantOptions): Promise<{ q: Tensor; k: Tensor }> {
  const ks = opts.smooth ? smoothK(k) : k;
  if (opts.bits === undefined) return { q, k: ks };
  const block = opts.block ?? BLOCK;
  return { q: await quantize(q, opts.bits, block), k: await quantize(ks, opts.bits, block) };
}
