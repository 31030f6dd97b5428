/**
 * The float64 reference for this lesson: linear attention o_t = Σ_{s≤t} (q_t·k_s) v_s (scale 1,
 * q and k already feature-mapped), from the shared registry's `linear_attention`. The claim the
 * checks test is "chunkwise = recurrent", so the reference is the registry's recurrent form; its
 * chunk form is checked equal to it by the registry's own unit tests.
 *
 * `mistake` recomputes the chunkwise output with the typical slips switched on (the state read by
 * a chunk includes the chunk itself; no causal mask inside a chunk, or one that hides token t from
 * itself; no inter-chunk term, or no intra-chunk term, at all), by direct float64 loops. The checks use it only to name the slip in their messages.
 * Cost: O(N·C·d + N·d²) per call.
 */
import { runKernel, tensor } from '$lib/kernels';

type T = { shape: readonly number[]; data: ArrayLike<number> };
type F64 = { shape: number[]; data: Float64Array };

const f64 = (t: T): F64 => tensor([...t.shape], t.data);

export function reference(q: T, k: T, v: T): F64 {
  return runKernel('linear_attention', { q: f64(q), k: f64(k), v: f64(v) }, { form: 'recurrent' }).o;
}

export interface Slips {
  /** S_[c] includes chunk c's own ΔS (an inclusive scan). */
  inclusive: boolean;
  /** Token t sees every token of its chunk, not only s ≤ t. */
  unmasked: boolean;
  /** No inter-chunk term: every chunk starts from an empty state. */
  noState: boolean;
  /** Inside a chunk, token t sees only s < t: the mask hides t from itself. */
  selfExcluded?: boolean;
  /** No intra-chunk term: the tokens of chunk c reach it only through the state (if at all). */
  noIntra?: boolean;
}

export function mistake(q: T, k: T, v: T, chunkSize: number, slips: Slips): F64 {
  const [n, dk] = q.shape;
  const dv = v.shape[1];
  const o = { shape: [n, dv], data: new Float64Array(n * dv) };
  const dot = (t: number, s: number) => {
    let a = 0;
    for (let i = 0; i < dk; i++) a += q.data[t * dk + i] * k.data[s * dk + i];
    return a;
  };
  for (let t = 0; t < n; t++) {
    const start = Math.floor(t / chunkSize) * chunkSize;
    const end = Math.min(start + chunkSize, n);
    // Through the state: tokens of earlier chunks (and of this chunk too, with an inclusive scan).
    const stateEnd = slips.noState ? 0 : slips.inclusive ? end : start;
    // Directly: this chunk's tokens up to t (or all of them, without the mask).
    const directEnd = slips.noIntra ? start : slips.unmasked ? end : slips.selfExcluded ? t : t + 1;
    for (let s = 0; s < stateEnd; s++)
      for (let j = 0; j < dv; j++) o.data[t * dv + j] += dot(t, s) * v.data[s * dv + j];
    for (let s = start; s < directEnd; s++)
      for (let j = 0; j < dv; j++) o.data[t * dv + j] += dot(t, s) * v.data[s * dv + j];
  }
  return o;
}
