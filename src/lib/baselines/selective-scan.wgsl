// Lesson 14's selective scan (its sequential, streamed solution), the baseline later lessons
// reuse: one invocation per channel c walks t = 0 … N−1 and keeps that channel's N_s states in
// registers, so nothing of size [N, D, N_s] (and nothing N×N) is ever stored.
//   x_t[n] = exp(Δ_{t,c} A_{c,n}) · x_{t−1}[n] + Δ_{t,c} B_t[n] u_{t,c}   (Euler step for B, as
//            state-spaces/mamba's selective_scan_ref and mamba-minimal)
//   y_{t,c} = Σ_n C_t[n] · x_t[n] + D_c · u_{t,c}
// Cost: O(N·D·N_s) work in N dependent steps per channel; memory O(N·(D + N_s)).
struct Params {
  L: u32,   // sequence length N
  D: u32,   // channels
  Ns: u32,  // states per channel, at most MAX_NS
}

const MAX_NS = 16u;

@group(0) @binding(0) var<storage, read> u: array<f32>;        // [N, D]
@group(0) @binding(1) var<storage, read> delta: array<f32>;    // [N, D]
@group(0) @binding(2) var<storage, read> A: array<f32>;        // [D, N_s]
@group(0) @binding(3) var<storage, read> B: array<f32>;        // [N, N_s]
@group(0) @binding(4) var<storage, read> C: array<f32>;        // [N, N_s]
@group(0) @binding(5) var<storage, read> skip: array<f32>;     // [D], Mamba's D
@group(0) @binding(6) var<storage, read_write> y: array<f32>;  // [N, D]
@group(0) @binding(7) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= p.D) {
    return;
  }
  var x: array<f32, MAX_NS>;  // this channel's state; zero before the first token
  for (var t = 0u; t < p.L; t++) {
    let ut = u[t * p.D + c];
    let dt = delta[t * p.D + c];
    var acc = skip[c] * ut;
    for (var n = 0u; n < p.Ns; n++) {
      // Update first, then read out: y_t sees x_t, which already includes token t.
      x[n] = exp(dt * A[c * p.Ns + n]) * x[n] + dt * B[t * p.Ns + n] * ut;
      acc += C[t * p.Ns + n] * x[n];
    }
    y[t * p.D + c] = acc;
  }
}
