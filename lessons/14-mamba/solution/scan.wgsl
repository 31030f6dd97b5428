// The selective scan, sequential and streamed: one invocation per channel c walks t = 0 … N−1,
// keeping that channel's N_s states in registers. Nothing of size [N, D, N_s] is ever stored:
// this is what Mamba's fused kernel does with on-chip memory.
//   x_t[n] = ā · x_{t−1}[n] + b̄u          (ā, b̄u from discretise(), discretise.wgsl)
//   y_t    = Σ_n C_t[n] · x_t[n] + D · u_t
struct Params {
  L: u32,      // sequence length N
  D: u32,      // channels
  Ns: u32,     // states per channel, at most MAX_NS
  zoh_b: u32,  // 1: exact zero-order hold for B as well
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
      let step = discretise(dt, A[c * p.Ns + n], B[t * p.Ns + n], ut, p.zoh_b != 0u);
      // Update first, then read out: y_t sees x_t, which already includes token t.
      x[n] = step.x * x[n] + step.y;
      acc += C[t * p.Ns + n] * x[n];
    }
    y[t * p.D + c] = acc;
  }
}
