// Step 1 of the parallel form: materialise every step's pair, deltaA = ā and deltaB_u = b̄u,
// as [N, D, N_s] arrays (what mamba-minimal computes with two einsums). One invocation per
// element (t, c, n), flattened as i = (t·D + c)·N_s + n. discretise() is in discretise.wgsl.
struct Params {
  L: u32,
  D: u32,
  Ns: u32,
  zoh_b: u32,
}

@group(0) @binding(0) var<storage, read> u: array<f32>;             // [N, D]
@group(0) @binding(1) var<storage, read> delta: array<f32>;         // [N, D]
@group(0) @binding(2) var<storage, read> A: array<f32>;             // [D, N_s]
@group(0) @binding(3) var<storage, read> B: array<f32>;             // [N, N_s]
@group(0) @binding(4) var<storage, read_write> deltaA: array<f32>;  // [N, D, N_s]
@group(0) @binding(5) var<storage, read_write> deltaBu: array<f32>; // [N, D, N_s]
@group(0) @binding(6) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= p.L * p.D * p.Ns) {
    return;
  }
  let n = i % p.Ns;
  let c = (i / p.Ns) % p.D;
  let t = i / (p.Ns * p.D);
  let step = discretise(delta[t * p.D + c], A[c * p.Ns + n], B[t * p.Ns + n], u[t * p.D + c], p.zoh_b != 0u);
  deltaA[i] = step.x;
  deltaBu[i] = step.y;
}
