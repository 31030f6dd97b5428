// Discretisation of one (channel c, state n) pair at one step t: the pair (ā, b̄u) with
//   x_t = ā · x_{t−1} + b̄u.
// main.ts appends this file to the kernels that call it (WGSL has no #include).
//   dt = Δ_{t,c} > 0,  A_cn = A_{c,n} < 0,  B_tn = B_{t,n},  u_tc = u_{t,c}
// zoh_b = false is the convention of state-spaces/mamba's selective_scan_ref and mamba-minimal:
// exact zero-order hold for A, a plain Euler step for B. zoh_b = true holds B exactly too.
fn discretise(dt: f32, A_cn: f32, B_tn: f32, u_tc: f32, zoh_b: bool) -> vec2f {
  // TODO: this is an Euler step for A too. Hold A exactly over the step (zero-order hold): the
  // exact solution of x' = A·x over a step of length Δ. For A < 0 it must lie in (0, 1).
  let a = 1.0 + dt * A_cn;
  if (zoh_b) {
    // TODO: hold B exactly over the step too (README, Step 1). This is still Euler.
    return vec2f(a, dt * B_tn * u_tc);
  }
  // Euler step for B, as the reference code does: Δ·B·u.
  return vec2f(a, dt * B_tn * u_tc);
}
