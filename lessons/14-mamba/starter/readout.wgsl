// Step 3 of the parallel form: y_t = Σ_n C_t[n] · x_t[n] + D · u_t, one invocation per (t, c).
// x is the scanned [N, D, N_s] array (the b half of the scan's pairs).
struct Params {
  L: u32,
  D: u32,
  Ns: u32,
  zoh_b: u32,  // unused here; the same uniform as the other kernels
}

@group(0) @binding(0) var<storage, read> x: array<f32>;        // [N, D, N_s]
@group(0) @binding(1) var<storage, read> C: array<f32>;        // [N, N_s]
@group(0) @binding(2) var<storage, read> u: array<f32>;        // [N, D]
@group(0) @binding(3) var<storage, read> skip: array<f32>;     // [D]
@group(0) @binding(4) var<storage, read_write> y: array<f32>;  // [N, D]
@group(0) @binding(5) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;  // i = t·D + c
  if (i >= p.L * p.D) {
    return;
  }
  let t = i / p.D;
  let c = i % p.D;
  var acc = skip[c] * u[i];
  for (var n = 0u; n < p.Ns; n++) {
    acc += C[t * p.Ns + n] * x[i * p.Ns + n];
  }
  y[i] = acc;
}
