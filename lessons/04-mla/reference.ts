/**
 * Float64 references for one MLA decode step (one new token attending to N cached tokens), ported
 * from DeepSeek-V3's inference/model.py `MLA.forward`, both branches:
 *   naive:  up-project every cached latent to per-head keys and values (k = [W_UK c ; k_pe],
 *           v = W_UV c), then ordinary multi-head attention. O(N·h·(d_h + d_R + d_v)).
 *   absorb: q̃ = W_UKᵀ q_nope, score against the latents themselves, mix latents, then W_UV once.
 *           O(N·h·(2·d_c + d_R)) and it reads only the latent cache.
 * The shared registry has attention and GQA but no MLA, so the lesson carries its own.
 * Layouts follow the V3 code: wkv_b is [h, d_h + d_v, d_c], W_UK = wkv_b[:, :d_h] and
 * W_UV = wkv_b[:, -d_v:]; the query is [q_nope ; q_pe] per head. The naive caches are head-major, [h, N, ·], so that each head's keys are contiguous
 * (V3 keeps [batch, N, h, ·]; the layout changes no number). The new token is the last position,
 * so it sees every cached token and no causal mask is needed.
 */
import type { Tensor as LabTensor } from 'lab';
import { type Tensor, tensor } from '$lib/kernels';
import type { Lab } from '$lib/lessons/types';

type T = { shape: readonly number[]; data: ArrayLike<number> };

export interface MlaInputs<X = T> {
  q: X; //    [h, d_h + d_R]: q_nope then q_pe (RoPE already applied), as V3 splits it
  cKV: X; //  [N, d_c]        the latent cache
  kPe: X; //  [N, d_R]        the RoPE key cache, shared by all heads
  wkvB: X; // [h, d_h + d_v, d_c]: W_UK = wkv_b[:, :d_h], W_UV = wkv_b[:, -d_v:]
}

function dims(x: MlaInputs) {
  const [n, dC] = x.cKV.shape;
  const dRope = x.kPe.shape[1];
  const [h, dQ] = x.q.shape;
  const dNope = dQ - dRope;
  const dV = x.wkvB.shape[1] - dNope;
  return { h, dNope, dRope, n, dC, dV };
}

function softmaxInPlace(s: Float64Array): void {
  let m = -Infinity;
  for (const x of s) m = Math.max(m, x);
  let l = 0;
  for (let t = 0; t < s.length; t++) l += s[t] = Math.exp(s[t] - m);
  for (let t = 0; t < s.length; t++) s[t] /= l;
}

/** The naive path's cache: per-head keys [h, N, d_h + d_R] and values [h, N, d_v], from the latents. */
export function expandCache(x: MlaInputs): { k: Tensor; v: Tensor } {
  const { h, dNope, dRope, n, dC, dV } = dims(x);
  const c = x.cKV.data,
    kpe = x.kPe.data,
    w = x.wkvB.data;
  const dk = dNope + dRope;
  const rows = dNope + dV; // rows of wkv_b per head
  const k = new Float64Array(n * h * dk);
  const v = new Float64Array(n * h * dV);
  for (let t = 0; t < n; t++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < dNope; j++) {
        let acc = 0;
        for (let a = 0; a < dC; a++) acc += w[(i * rows + j) * dC + a] * c[t * dC + a];
        k[(i * n + t) * dk + j] = acc;
      }
      // k_pe is the same for every head ("k_pe.expand(-1, -1, n_local_heads, -1)").
      for (let r = 0; r < dRope; r++) k[(i * n + t) * dk + dNope + r] = kpe[t * dRope + r];
      for (let j = 0; j < dV; j++) {
        let acc = 0;
        for (let a = 0; a < dC; a++) acc += w[(i * rows + dNope + j) * dC + a] * c[t * dC + a];
        v[(i * n + t) * dV + j] = acc;
      }
    }
  }
  return { k: { shape: [h, n, dk], data: k }, v: { shape: [h, n, dV], data: v } };
}

/** Naive decode: o[i] = softmax(q_i · k_{t,i} · scale) · v_{t,i}, with q_i = [q_nope ; q_pe]. */
export function naiveDecode(x: MlaInputs, options: { scale?: number } = {}): Tensor {
  const { h, dNope, dRope, n, dV } = dims(x);
  const { k, v } = expandCache(x);
  const dk = dNope + dRope;
  const scale = options.scale ?? 1 / Math.sqrt(dk);
  const o = new Float64Array(h * dV);
  const s = new Float64Array(n);
  for (let i = 0; i < h; i++) {
    for (let t = 0; t < n; t++) {
      let acc = 0;
      for (let j = 0; j < dk; j++) acc += x.q.data[i * dk + j] * k.data[(i * n + t) * dk + j];
      s[t] = acc * scale;
    }
    softmaxInPlace(s);
    for (let t = 0; t < n; t++) for (let j = 0; j < dV; j++) o[i * dV + j] += s[t] * v.data[(i * n + t) * dV + j];
  }
  return { shape: [h, dV], data: o };
}

/** Absorbed decode, the same numbers in exact arithmetic (V3's attn_impl="absorb"). */
export function absorbedDecode(x: MlaInputs): Tensor {
  const { h, dNope, dRope, n, dC, dV } = dims(x);
  const c = x.cKV.data,
    kpe = x.kPe.data,
    w = x.wkvB.data,
    q = x.q.data;
  const dk = dNope + dRope;
  const rows = dNope + dV;
  const scale = 1 / Math.sqrt(dk);
  const o = new Float64Array(h * dV);
  const s = new Float64Array(n);
  for (let i = 0; i < h; i++) {
    const qAbs = new Float64Array(dC); // "bshd,hdc->bshc"
    for (let j = 0; j < dNope; j++) for (let a = 0; a < dC; a++) qAbs[a] += q[i * dk + j] * w[(i * rows + j) * dC + a];
    for (let t = 0; t < n; t++) {
      let acc = 0;
      for (let a = 0; a < dC; a++) acc += qAbs[a] * c[t * dC + a];
      for (let r = 0; r < dRope; r++) acc += q[i * dk + dNope + r] * kpe[t * dRope + r];
      s[t] = acc * scale;
    }
    softmaxInPlace(s);
    const mix = new Float64Array(dC); // "bsht,btc->bshc"
    for (let t = 0; t < n; t++) for (let a = 0; a < dC; a++) mix[a] += s[t] * c[t * dC + a];
    for (let j = 0; j < dV; j++) {
      let acc = 0; // "bshc,hdc->bshd"
      for (let a = 0; a < dC; a++) acc += w[(i * rows + dNope + j) * dC + a] * mix[a];
      o[i * dV + j] = acc;
    }
  }
  return { shape: [h, dV], data: o };
}

/** Widen float32 learner inputs to float64. */
export function widen(x: MlaInputs): MlaInputs<Tensor> {
  const f64 = (t: T) => tensor([...t.shape], t.data);
  return { q: f64(x.q), cKV: f64(x.cKV), kPe: f64(x.kPe), wkvB: f64(x.wkvB) };
}

/** A case's shapes: N cached tokens, h heads, d_h, d_R, d_v, and the latent d_c. */
export type Shape = { n: number; heads: number; dNope: number; dRope: number; dV: number; dC: number };

/** Seeded float32 inputs; the up-projections are scaled by 1/√d_c so that keys and scores are O(1). */
export function inputs(lab: Lab, c: Shape, seed: number): MlaInputs<LabTensor> {
  const x = {
    q: lab.tensors.randn([c.heads, c.dNope + c.dRope], seed),
    cKV: lab.tensors.randn([c.n, c.dC], seed + 1),
    kPe: lab.tensors.randn([c.n, c.dRope], seed + 2),
    wkvB: lab.tensors.randn([c.heads, c.dNope + c.dV, c.dC], seed + 3)
  };
  x.wkvB.data.forEach((w, i) => (x.wkvB.data[i] = w / Math.sqrt(c.dC)));
  return x;
}
