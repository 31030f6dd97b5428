// Recurrent linear attention for one head: the RNN view. One invocation per column j of the
// state S (dk×dv); it walks through the tokens in order, so its work is N·dk per column and its
// memory is one column of S (and of z), whatever N is.
//   S_t = S_{t−1} + φ(k_t) v_tᵀ     z_t = z_{t−1} + φ(k_t)
//   o_t = S_tᵀ φ(q_t)               (÷ φ(q_t)·z_t when normalising)
struct Params {
  n: u32,          // sequence length N
  dk: u32,         // key width (at most MAX_DK)
  dv: u32,         // value width
  normalize: u32,  // 1: divide by φ(q_t)·z_t
}

@group(0) @binding(0) var<storage, read> q: array<f32>;        // φ(Q) [N, dk]
@group(0) @binding(1) var<storage, read> k: array<f32>;        // φ(K) [N, dk]
@group(0) @binding(2) var<storage, read> v: array<f32>;        // V    [N, dv]
@group(0) @binding(3) var<storage, read_write> o: array<f32>;  // O    [N, dv]
@group(0) @binding(4) var<uniform> p: Params;

const MAX_DK = 64u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let j = gid.x;
  if (j >= p.dv) {
    return;
  }
  var s: array<f32, MAX_DK>;  // column j of S, starts at zero
  var z: array<f32, MAX_DK>;  // the normaliser z (the same in every column)

  for (var t = 0u; t < p.n; t++) {
    // TODO 1: token t joins the memory. After this step s[i] must hold element (i, j) of S, the
    // sum over the tokens u ≤ t of φ(k_u)_i · v_uj, and z[i] the sum of φ(k_u)_i (i < p.dk).
    // Token t counts in its own sum.
    // TODO 2: read the memory out with φ(q_t) (q[t * p.dk + i]): o[t * p.dv + j] is column j of
    // the sum over u ≤ t of (φ(q_t)·φ(k_u)) v_u, computed from the state (s, z) alone, never from
    // earlier tokens. When p.normalize == 1u, divide it by the sum of the same similarities
    // φ(q_t)·φ(k_u), which z holds.
    o[t * p.dv + j] = 0.0;
  }
}
