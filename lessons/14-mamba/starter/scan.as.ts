/**
 * Lesson 14 on the simd backend: the sequential selective scan in AssemblyScript, compiled to
 * WebAssembly with 128-bit SIMD (f32x4: four floats per instruction), one thread.
 *   x_t = exp(Δ_t A) ⊙ x_{t−1} + Δ_t B_t u_t,   y_t = C_t · x_t + D ⊙ u_t
 * u, delta and y are byte addresses of [n, d] float32 rows in this module's memory; a of A
 * [d, ns]; b and c of B and C [n, ns]; skip of D [d]; state of the [d, ns] state, zero on entry
 * (main.ts puts them there). ns is a multiple of 4 (main.ts pads the states with A = −1, B = C = 0,
 * which stay 0 and add nothing): each channel's states move on four at a time. The tokens go one
 * after another, and the [d, ns] state is all the memory the scan keeps, whatever n is.
 */

/** e^x in each lane (WebAssembly has no vector exp: four scalar ones). */
function exp4(x: v128): v128 {
  let r = f32x4.splat(Mathf.exp(f32x4.extract_lane(x, 0)));
  r = f32x4.replace_lane(r, 1, Mathf.exp(f32x4.extract_lane(x, 1)));
  r = f32x4.replace_lane(r, 2, Mathf.exp(f32x4.extract_lane(x, 2)));
  return f32x4.replace_lane(r, 3, Mathf.exp(f32x4.extract_lane(x, 3)));
}

/** ā, the decay of one step. dt is Δ in every lane. */
function discreteA(dt: v128, a: v128): v128 {
  // TODO: this is an Euler step. Hold A exactly over the step (zero-order hold), as
  // discretise.wgsl should: for A < 0 the result must lie in (0, 1) for every Δ > 0 (exp4).
  return f32x4.add(f32x4.splat(1), f32x4.mul(dt, a));
}

/** b̄u: the Euler step Δ·B·u of the reference code, or (zoh = 1) the exact hold. */
function discreteBu(dt: v128, a: v128, b: v128, u: f32, zoh: i32): v128 {
  const bu = f32x4.mul(b, f32x4.splat(u));
  // TODO: when zoh is 1, hold B exactly over the step too (README, Step 1).
  return f32x4.mul(dt, bu);
}

export function scan(
  u: usize,
  delta: usize,
  a: usize,
  b: usize,
  c: usize,
  skip: usize,
  y: usize,
  n: i32,
  d: i32,
  ns: i32,
  zoh: i32,
  state: usize
): void {
  const srow = (<usize>ns) << 2; // bytes per row of A, B, C and the state
  for (let t = 0; t < n; t++) {
    const bt = b + <usize>t * srow;
    const ct = c + <usize>t * srow;
    for (let ch = 0; ch < d; ch++) {
      const i = (<usize>t * <usize>d + <usize>ch) << 2; // byte offset of (t, ch) in u, delta and y
      const ut = load<f32>(u + i);
      const dt = f32x4.splat(load<f32>(delta + i));
      const ac = a + <usize>ch * srow;
      const xc = state + <usize>ch * srow; // this channel's ns states
      const skipTerm = load<f32>(skip + ((<usize>ch) << 2)) * ut;
      // TODO: move this channel's ns states (at xc) on by token t, four at a time: each state's
      // step comes from discreteA and discreteBu, with A's row at ac and B_t at bt. Then add to
      // y_t what it reads out of them through C_t (at ct). y_t must see token t itself. Keep the
      // state as the only memory: nothing of size n·d·ns.
      const sum: f32 = 0;
      store<f32>(y + i, sum + skipTerm);
    }
  }
}
