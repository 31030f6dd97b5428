// Gated DeltaNet for one head: the delta rule under a forget gate α_t = e^{g_t} ∈ (0, 1],
//   S_t = α_t (I − β_t k_t k_tᵀ) S_{t−1} + β_t k_t v_tᵀ,   o_t = S_tᵀ q_t.
// As delta.wgsl: one invocation per value column j, the column in private memory, the T tokens in
// order. The gate costs dk multiplies per token and column: forget first, then edit.
struct Params {
  t: u32,   // sequence length T
  dk: u32,  // key dimension (at most MAX_DK)
  dv: u32,  // value dimension: one invocation per value column
}

const MAX_DK = 128u;

@group(0) @binding(0) var<storage, read> q: array<f32>;           // [T, dk]
@group(0) @binding(1) var<storage, read> k: array<f32>;           // [T, dk], unit rows
@group(0) @binding(2) var<storage, read> v: array<f32>;           // [T, dv]
@group(0) @binding(3) var<storage, read> beta: array<f32>;        // [T], in (0, 1)
@group(0) @binding(4) var<storage, read> g: array<f32>;           // [T], log gates ≤ 0
@group(0) @binding(5) var<storage, read_write> o: array<f32>;     // [T, dv]
@group(0) @binding(6) var<uniform> p: Params;

@compute @workgroup_size(16)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let j = gid.x;
  if (j >= p.dv) {
    return;
  }
  var s: array<f32, MAX_DK>;  // column j of S, zero at the start

  for (var t = 0u; t < p.t; t++) {
    let row = t * p.dk;

    // Forget, then recall from what is left: (α_t S_{t−1})ᵀ k_t, column j.
    let alpha = exp(g[t]);
    var recalled = 0.0;
    for (var i = 0u; i < p.dk; i++) {
      s[i] *= alpha;
      recalled += s[i] * k[row + i];
    }
    let delta = beta[t] * (v[t * p.dv + j] - recalled);

    // S += k_t δᵀ, then read the updated state: o_t = S_tᵀ q_t.
    var out = 0.0;
    for (var i = 0u; i < p.dk; i++) {
      s[i] += k[row + i] * delta;
      out += s[i] * q[row + i];
    }
    o[t * p.dv + j] = out;
  }
}
