/**
 * Float64 references for lesson 16, from the shared kernel registry (src/lib/kernels): the delta
 * rule in its recurrent and chunkwise (WY/UT) forms, and linear attention for comparison. What
 * the registry lacks is written here: two wrong variants the checks use to recognise a typical
 * mistake and say so (writing like linear attention; reading the state before the write).
 * Gated DeltaNet comes from the registry's `gated_delta_rule`; its two typical wrong orders (decay
 * after the write; decay that misses the erase term) are written here, float64, O(T·dk·dv).
 */
import { runKernel, tensor } from '$lib/kernels';

type T = { shape: readonly number[]; data: ArrayLike<number> };

const toF64 = (x: T) => tensor([...x.shape], x.data);

/** The delta rule, o_t = S_tᵀ q_t (scale 1), in the given form. */
export function deltaReference(q: T, k: T, v: T, beta: T, form: 'recurrent' | 'chunk' = 'recurrent', chunkSize = 16) {
  return runKernel('delta_rule', { q: toF64(q), k: toF64(k), v: toF64(v), beta: toF64(beta) }, { form, chunkSize }).o;
}

/** Linear attention, S_t = S_{t−1} + k_t v_tᵀ: no erasing, old and new values add up. */
export function linearReference(q: T, k: T, v: T) {
  return runKernel('linear_attention', { q: toF64(q), k: toF64(k), v: toF64(v) }).o;
}

/** The starter's mistake: S_t = S_{t−1} + β_t k_t v_tᵀ, i.e. linear attention on β_t v_t. */
export function addingReference(q: T, k: T, v: T, beta: T) {
  const [, dv] = v.shape;
  const scaled = toF64(v);
  for (let i = 0; i < scaled.data.length; i++) scaled.data[i] *= beta.data[Math.floor(i / dv)];
  return runKernel('linear_attention', { q: toF64(q), k: toF64(k), v: scaled }).o;
}

/** Another mistake: the right update, but o_t = S_{t−1}ᵀ q_t read before the write. */
export function readBeforeWriteReference(q: T, k: T, v: T, beta: T) {
  const [n, dk] = q.shape;
  const dv = v.shape[1];
  const S = new Float64Array(dk * dv);
  const o = new Float64Array(n * dv);
  for (let t = 0; t < n; t++) {
    for (let j = 0; j < dv; j++) {
      let read = 0;
      let recalled = 0;
      for (let i = 0; i < dk; i++) {
        read += S[i * dv + j] * q.data[t * dk + i];
        recalled += S[i * dv + j] * k.data[t * dk + i];
      }
      o[t * dv + j] = read;
      const delta = beta.data[t] * (v.data[t * dv + j] - recalled);
      for (let i = 0; i < dk; i++) S[i * dv + j] += k.data[t * dk + i] * delta;
    }
  }
  return { shape: [n, dv], data: o };
}

/** Gated DeltaNet, S_t = e^{g_t} (I − β_t k_t k_tᵀ) S_{t−1} + β_t k_t v_tᵀ, o_t = S_tᵀ q_t (scale 1). */
export function gatedDeltaReference(q: T, k: T, v: T, beta: T, g: T) {
  return runKernel('gated_delta_rule', {
    q: toF64(q),
    k: toF64(k),
    v: toF64(v),
    beta: toF64(beta),
    g: toF64(g)
  }).o;
}

/**
 * Gated DeltaNet with the gate in the wrong place, for the checks' hints:
 * - 'after-write': S_t = e^{g_t} (S_{t−1} + β_t k_t (v_t − S_{t−1}ᵀ k_t)ᵀ), the new write fades too;
 * - 'erase-undecayed': S_t = e^{g_t} S_{t−1} + β_t k_t (v_t − S_{t−1}ᵀ k_t)ᵀ, the erase term unfaded.
 */
export function misplacedGateReference(q: T, k: T, v: T, beta: T, g: T, where: 'after-write' | 'erase-undecayed') {
  const [n, dk] = q.shape;
  const dv = v.shape[1];
  const S = new Float64Array(dk * dv);
  const o = new Float64Array(n * dv);
  const delta = new Float64Array(dv);
  for (let t = 0; t < n; t++) {
    const alpha = Math.exp(g.data[t]);
    for (let j = 0; j < dv; j++) {
      let recalled = 0;
      for (let i = 0; i < dk; i++) recalled += S[i * dv + j] * k.data[t * dk + i];
      delta[j] = beta.data[t] * (v.data[t * dv + j] - recalled);
    }
    for (let i = 0; i < dk; i++) {
      for (let j = 0; j < dv; j++) {
        const e = i * dv + j;
        S[e] =
          where === 'after-write'
            ? alpha * (S[e] + k.data[t * dk + i] * delta[j])
            : alpha * S[e] + k.data[t * dk + i] * delta[j];
      }
    }
    for (let j = 0; j < dv; j++) {
      let read = 0;
      for (let i = 0; i < dk; i++) read += S[i * dv + j] * q.data[t * dk + i];
      o[t * dv + j] = read;
    }
  }
  return { shape: [n, dv], data: o };
}
