// Naive causal attention for one head: one invocation per query row i.
// It writes the whole row of scores to a buffer in GPU memory: N×N floats for the full matrix.
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
  let row = i * p.n;  // scores[row + j] will hold the score of query i against key j

  // TODO 1. The scores of row i: query i against every key it may see, and none it may not
  //         (causal: no later token). Keep each in scores[row + j], and the largest of the row
  //         as you go: step 2 needs it.
  // TODO 2. Turn the row into softmax numerators in place, without letting exp overflow however
  //         large the scores are, and add them up: that sum normalises the row.
  // TODO 3. o_i (the d numbers from o[i * p.d]) is the average of the values v_j of the visible
  //         keys, weighted by the row's softmax. Every row's weights sum to 1.

  // Placeholder so that the kernel runs: every output stays 0 until you write the steps above.
  for (var c = 0u; c < p.d; c++) {
    o[i * p.d + c] = 0.0;
  }
}
