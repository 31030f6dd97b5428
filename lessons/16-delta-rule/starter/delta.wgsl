// The recurrent delta rule (DeltaNet) for one head, with the state S ∈ R^{dk×dv} in fla's layout:
//   S_t = S_{t−1} + β_t k_t (v_t − S_{t−1}ᵀ k_t)ᵀ,   o_t = S_tᵀ q_t.
// Column j of S only ever meets column j of v and of o, so the dv columns are independent:
// one invocation owns one column, keeps it in private memory (registers), and walks the T tokens
// in order. Parallel over dv, sequential over T: the price of a state that reads itself.
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
@group(0) @binding(4) var<storage, read_write> o: array<f32>;     // [T, dv]
@group(0) @binding(5) var<uniform> p: Params;

@compute @workgroup_size(16)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let j = gid.x;
  if (j >= p.dv) {
    return;
  }
  var s: array<f32, MAX_DK>;  // column j of S, zero at the start

  for (var t = 0u; t < p.t; t++) {
    let row = t * p.dk;

    // TODO: this writes β_t v_t on top of whatever S already stores under k_t: that is linear
    // attention, where old and new values pile up. Make `delta` the delta rule's write: after
    // the update, what column j returns for k_t must have moved a fraction β_t of the way from
    // what it returned before the write to v_t (with β_t = 1 and a unit key, exactly v_t: the
    // old value is replaced, not added to). Only this invocation's column s is needed.
    let delta = beta[t] * v[t * p.dv + j];

    // S += k_t δᵀ, then read the updated state: o_t = S_tᵀ q_t (a token sees its own write).
    var out = 0.0;
    for (var i = 0u; i < p.dk; i++) {
      s[i] += k[row + i] * delta;
      out += s[i] * q[row + i];
    }
    o[t * p.dv + j] = out;
  }
}
