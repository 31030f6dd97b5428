/**
 * The float64 references for this lesson. `reference` is the shared registry's `selective_scan`
 * (src/lib/kernels/ssm.ts): state-spaces/mamba's `selective_scan_ref` convention, ā = exp(ΔA)
 * (zero-order hold) and b̄u = Δ·B·u (an Euler step), for one sequence laid out time first as in
 * mamba-minimal. Cost O(N·D·N_s).
 *
 * The registry has no switch for the exact zero-order hold of B, and no way to reproduce the
 * typical mistakes, so `variant` is a plain float64 loop with those switches: the ZOH-B toggle is
 * checked against it, and the checks use it to recognise what a wrong answer did. With every
 * switch at its canonical value it is the registry's kernel (the checks rely on that agreement).
 *
 * `makeInputs` makes the Mamba-like float32 inputs that the checks and the sweep use.
 */
import type { Tensor } from 'lab';
import { runKernel, tensor, type Tensor as F64Tensor } from '$lib/kernels';
import type { Lab } from '$lib/lessons/types';

type T = { shape: readonly number[]; data: ArrayLike<number> };

const toF64 = (x: T) => tensor([...x.shape], x.data);

export interface ScanInputs {
  u: T; // [N, D]
  delta: T; // [N, D], Δ > 0
  A: T; // [D, N_s], A < 0
  B: T; // [N, N_s]
  C: T; // [N, N_s]
  D?: T; // [D]
}

/** The canonical selective scan (Euler step for B), from the shared registry. */
export function reference(x: ScanInputs, form: 'sequential' | 'parallel' = 'sequential'): F64Tensor {
  const inputs: Record<string, F64Tensor> = {
    u: toF64(x.u),
    delta: toF64(x.delta),
    A: toF64(x.A),
    B: toF64(x.B),
    C: toF64(x.C)
  };
  if (x.D) inputs.D = toF64(x.D);
  return runKernel('selective_scan', inputs, { form }).y;
}

export interface Variant {
  /** 'zoh': ā = exp(ΔA). 'euler': ā = 1 + ΔA. */
  a: 'zoh' | 'euler';
  /** 'euler': b̄u = Δ·B·u (the reference). 'zoh': b̄u = (exp(ΔA) − 1)/A · B·u (exact). */
  b: 'euler' | 'zoh';
  /** 'after': y_t = C_t·x_t (the reference). 'before': y_t = C_t·x_{t−1}. */
  readout: 'after' | 'before';
  /** Whether y includes the skip term D ⊙ u. */
  skip: boolean;
  /** true: x_t = ā·x_{t−1} + b̄u. false: x_t = x_{t−1} + b̄u, a running sum that never decays. */
  decay: boolean;
}

export const CANONICAL: Variant = { a: 'zoh', b: 'euler', readout: 'after', skip: true, decay: true };

/** The selective scan in float64 with the switches above. */
export function variant(x: ScanInputs, v: Partial<Variant> = {}): F64Tensor {
  const { a: aRule, b: bRule, readout, skip, decay } = { ...CANONICAL, ...v };
  const [n, d] = x.u.shape;
  const ns = x.A.shape[1];
  const state = new Float64Array(d * ns);
  const y = new Float64Array(n * d);
  for (let t = 0; t < n; t++) {
    for (let c = 0; c < d; c++) {
      const dt = x.delta.data[t * d + c];
      const u = x.u.data[t * d + c];
      let sum = skip && x.D ? x.D.data[c] * u : 0;
      for (let s = 0; s < ns; s++) {
        const A = x.A.data[c * ns + s];
        const B = x.B.data[t * ns + s];
        const C = x.C.data[t * ns + s];
        const abar = aRule === 'zoh' ? Math.exp(dt * A) : 1 + dt * A;
        const bu = bRule === 'euler' ? dt * B * u : (Math.expm1(dt * A) / A) * B * u;
        const i = c * ns + s;
        if (readout === 'before') sum += C * state[i];
        state[i] = (decay ? abar : 1) * state[i] + bu;
        if (readout === 'after') sum += C * state[i];
      }
      y[t * d + c] = sum;
    }
  }
  return { shape: [n, d], data: y };
}

/** The learner-facing inputs: float32 tensors, D optional. */
export type Inputs = { u: Tensor; delta: Tensor; A: Tensor; B: Tensor; C: Tensor; D?: Tensor };
/** One case: N tokens, D channels, N_s states per channel; skip = false leaves D out. */
export type Shape = { n: number; d: number; ns: number; skip?: boolean };

/** Mamba-like inputs: Δ = softplus(N(0, 1)) > 0 and A_{c,n} = −(n + 1), i.e. A = −exp(A_log) with A_log = log(1 … N_s). */
export function makeInputs(lab: Lab, { n, d, ns, skip = true }: Shape, seed: number): Inputs {
  const t = lab.tensors;
  const delta = t.from(
    [n, d],
    Array.from(t.randn([n, d], seed + 1).data, (z) => Math.log1p(Math.exp(z)))
  );
  const A = t.from(
    [d, ns],
    Array.from({ length: d * ns }, (_, i) => -((i % ns) + 1))
  );
  const x: Inputs = {
    u: t.randn([n, d], seed),
    delta,
    A,
    B: t.randn([n, ns], seed + 2),
    C: t.randn([n, ns], seed + 3)
  };
  if (skip) x.D = t.randn([d], seed + 4);
  return x;
}
