// Mamba's selective scan (syllabus §2.12), as state-spaces/mamba's `selective_scan_ref`,
// for one sequence with time first: for each channel c and state index n,
//   x_t[c,n] = exp(δ_{t,c} A_{c,n}) · x_{t−1}[c,n] + δ_{t,c} B_{t,n} u_{t,c}
//   y_{t,c}  = Σ_n C_{t,n} x_t[c,n] + D_c u_{t,c}
// A is discretised exactly (zero-order hold); B with an Euler step, δ·B, as the reference
// does. Test vectors must make the same choice: exact-ZOH B gives quite different numbers.
// Cost: O(L·D·N) for the sequential form with an O(D·N) state; the parallel form does
// O(L·log L·D·N) work in ⌈log₂ L⌉ dependent steps and materialises [L, D, N] arrays, the
// memory cost the fused CUDA kernel avoids by keeping the expanded state on chip.
// Differs from gated.ts: the decay is per channel and per state (exp(δA) is a [D, N] grid,
// not one scalar per token), and δ, B, C play the roles of gate, key and query. With A the
// same along n it is exactly gated linear attention with q = C, k = B, v = δ·u, g = δ·A.

import { tensor, type Tensor } from './tensor';
import { expectForm, expectSameDim, expectShape } from './validate';

export type ScanForm = 'sequential' | 'parallel';
export const SCAN_FORMS: readonly ScanForm[] = ['sequential', 'parallel'];

export interface SelectiveScanInputs {
  u: Tensor; // [L, D] input
  delta: Tensor; // [L, D] step size Δ (softplus-ed already; > 0 in Mamba)
  A: Tensor; // [D, N] (negative in Mamba, −exp(A_log))
  B: Tensor; // [L, N]
  C: Tensor; // [L, N]
  D?: Tensor; // [D] skip connection, optional
}

export interface SelectiveScanOptions {
  /** Default 'sequential'. */
  form?: ScanForm;
}

export function selectiveScan(inputs: SelectiveScanInputs, options: SelectiveScanOptions = {}): { y: Tensor } {
  const kernel = 'selective_scan';
  const { u, delta, A, B, C, D } = inputs;
  expectShape(kernel, 'u', u, ['L', 'D']);
  expectShape(kernel, 'delta', delta, ['L', 'D']);
  expectShape(kernel, 'A', A, ['D', 'N']);
  expectShape(kernel, 'B', B, ['L', 'N']);
  expectShape(kernel, 'C', C, ['L', 'N']);
  expectSameDim(kernel, 'u', u, 0, 'delta', delta, 0, 'L');
  expectSameDim(kernel, 'u', u, 1, 'delta', delta, 1, 'D');
  expectSameDim(kernel, 'u', u, 1, 'A', A, 0, 'D');
  expectSameDim(kernel, 'u', u, 0, 'B', B, 0, 'L');
  expectSameDim(kernel, 'A', A, 1, 'B', B, 1, 'N');
  expectSameDim(kernel, 'u', u, 0, 'C', C, 0, 'L');
  expectSameDim(kernel, 'A', A, 1, 'C', C, 1, 'N');
  if (D !== undefined) {
    expectShape(kernel, 'D', D, ['D']);
    expectSameDim(kernel, 'u', u, 1, 'D', D, 0, 'D');
  }
  const form = expectForm(kernel, options.form ?? 'sequential', SCAN_FORMS);

  const [L, channels] = u.shape;
  const N = A.shape[1];
  // x[t, c, n] for every t: the sequential form could keep only the current [D, N] slice,
  // but both forms then share the read-out below, which keeps the comparison honest.
  const x = form === 'sequential' ? sequentialStates(inputs, L, channels, N) : parallelStates(inputs, L, channels, N);

  const y = tensor([L, channels]);
  for (let t = 0; t < L; t++) {
    for (let c = 0; c < channels; c++) {
      let sum = D !== undefined ? D.data[c] * u.data[t * channels + c] : 0;
      for (let n = 0; n < N; n++) sum += C.data[t * N + n] * x[(t * channels + c) * N + n];
      y.data[t * channels + c] = sum;
    }
  }
  return { y };
}

/** The per-step pair (a, b) with x_t = a_t·x_{t−1} + b_t, laid out [L, D, N]. */
function discretise({ u, delta, A, B }: SelectiveScanInputs, L: number, channels: number, N: number) {
  const a = new Float64Array(L * channels * N);
  const b = new Float64Array(L * channels * N);
  for (let t = 0; t < L; t++) {
    for (let c = 0; c < channels; c++) {
      const dt = delta.data[t * channels + c];
      for (let n = 0; n < N; n++) {
        const at = (t * channels + c) * N + n;
        a[at] = Math.exp(dt * A.data[c * N + n]);
        b[at] = dt * B.data[t * N + n] * u.data[t * channels + c];
      }
    }
  }
  return { a, b };
}

// One step after another: L dependent steps, as in decoding.
function sequentialStates(inputs: SelectiveScanInputs, L: number, channels: number, N: number): Float64Array {
  const { a, b } = discretise(inputs, L, channels, N);
  const width = channels * N;
  const x = new Float64Array(L * width);
  for (let t = 0; t < L; t++) {
    for (let i = 0; i < width; i++) {
      const previous = t > 0 ? x[(t - 1) * width + i] : 0;
      x[t * width + i] = a[t * width + i] * previous + b[t * width + i];
    }
  }
  return x;
}

// Hillis–Steele inclusive scan. The steps x ↦ a·x + b compose associatively: applying
// (a1, b1) then (a2, b2) is (a1, b1) ∘ (a2, b2) = (a1·a2, a2·b1 + b2). After the round with
// offset 2^r, element t holds the composition of steps t − 2^{r+1} + 1 .. t, so ⌈log₂ L⌉
// rounds reach back to step 0 and the b part is x_t (x_{−1} = 0). Each round reads only the
// previous round's values, as parallel threads would; hence the copies. Unlike Blelloch's
// scan (alxndrTL/mamba.py's pscan) it needs no power-of-two padding, at O(L log L) work.
function parallelStates(inputs: SelectiveScanInputs, L: number, channels: number, N: number): Float64Array {
  const { a, b } = discretise(inputs, L, channels, N);
  const width = channels * N;
  for (let offset = 1; offset < L; offset *= 2) {
    const prevA = a.slice();
    const prevB = b.slice();
    for (let t = offset; t < L; t++) {
      for (let i = 0; i < width; i++) {
        const earlier = (t - offset) * width + i;
        const current = t * width + i;
        a[current] = prevA[earlier] * prevA[current];
        b[current] = prevA[current] * prevB[earlier] + prevB[current];
      }
    }
  }
  return b;
}
