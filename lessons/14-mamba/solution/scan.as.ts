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

/** ā = exp(ΔA): zero-order hold, in (0, 1) for any Δ > 0 when A < 0. dt is Δ in every lane. */
function discreteA(dt: v128, a: v128): v128 {
  return exp4(f32x4.mul(dt, a));
}

/** b̄u: the Euler step Δ·B·u of the reference code, or (zoh = 1) the exact hold (e^{ΔA} − 1)/A · B·u. */
function discreteBu(dt: v128, a: v128, b: v128, u: f32, zoh: i32): v128 {
  const bu = f32x4.mul(b, f32x4.splat(u));
  if (zoh) return f32x4.mul(f32x4.div(f32x4.sub(exp4(f32x4.mul(dt, a)), f32x4.splat(1)), a), bu);
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
      // Update first, then read out: y_t sees x_t, which already includes token t.
      let acc = f32x4.splat(0);
      for (let s = 0; s < ns; s += 4) {
        const at = (<usize>s) << 2;
        const av = v128.load(ac + at);
        const x = f32x4.add(
          f32x4.mul(discreteA(dt, av), v128.load(xc + at)),
          discreteBu(dt, av, v128.load(bt + at), ut, zoh)
        );
        v128.store(xc + at, x);
        acc = f32x4.add(acc, f32x4.mul(v128.load(ct + at), x));
      }
      const sum =
        f32x4.extract_lane(acc, 0) +
        f32x4.extract_lane(acc, 1) +
        f32x4.extract_lane(acc, 2) +
        f32x4.extract_lane(acc, 3);
      store<f32>(y + i, sum + skipTerm);
    }
  }
}
