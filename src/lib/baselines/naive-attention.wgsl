// Lesson 01's naive causal attention (its solution), the baseline later lessons are
// measured against: one invocation per query row, the whole N×N score matrix in GPU memory.
struct Params {
  n: u32,      // sequence length N
  d: u32,      // head dimension
  scale: f32,  // 1/√d
}

@group(0) @binding(0) var<storage, read> q: array<f32>;             // [N, d]
@group(0) @binding(1) var<storage, read> k: array<f32>;             // [N, d]
@group(0) @binding(2) var<storage, read> v: array<f32>;             // [N, d]
@group(0) @binding(3) var<storage, read_write> scores: array<f32>;  // [N, N]
@group(0) @binding(4) var<storage, read_write> o: array<f32>;       // [N, d]
@group(0) @binding(5) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= p.n) {
    return;
  }
  let row = i * p.n;

  // 1. Scores s_ij = (q_i · k_j) / √d for the keys query i may see: j ≤ i (causal).
  var m = -3.4e38;
  for (var j = 0u; j <= i; j++) {
    var s = 0.0;
    for (var c = 0u; c < p.d; c++) {
      s += q[i * p.d + c] * k[j * p.d + c];
    }
    s *= p.scale;
    scores[row + j] = s;
    m = max(m, s);
  }

  // 2. Softmax over the row. Subtracting the row's max keeps exp from overflowing.
  var l = 0.0;
  for (var j = 0u; j <= i; j++) {
    let e = exp(scores[row + j] - m);
    scores[row + j] = e;
    l += e;
  }

  // 3. o_i = Σ_j p_ij v_j, with p_ij = e_ij / l.
  for (var c = 0u; c < p.d; c++) {
    var acc = 0.0;
    for (var j = 0u; j <= i; j++) {
      acc += scores[row + j] * v[j * p.d + c];
    }
    o[i * p.d + c] = acc / l;
  }
}
