// Chunked SSD (Mamba-2), one sequence: H heads of width P, N_s state entries per head channel.
//   h_t = a_t h_{t−1} + (Δ_t x_t) B_tᵀ,   y_t = h_t C_t,   a_t = e^{Δ_t A_h}, a scalar per head.
// Inside a chunk, a_l = Σ Δ_s A_h over s from the chunk's start to l: the log decay so far.
// The four steps of ssd_minimal: (1) diagonal blocks, (2) chunk states, (3) the recurrence from
// chunk to chunk, (4) state to output. Steps 1 and 4 share the `outputs` pass.
struct Params {
  len: u32,    // sequence length L
  h: u32,      // heads H
  p: u32,      // head width P (≤ 64)
  n: u32,      // state size N_s (≤ 128, Mamba-2's d_state)
  chunk: u32,  // chunk size C
}

// main.ts binds all eight to every entry point.
@group(0) @binding(0) var<uniform> cfg: Params;
@group(0) @binding(1) var<storage, read> dt: array<f32>;            // [L, H]  step Δ > 0
@group(0) @binding(2) var<storage, read> A: array<f32>;             // [H]     A < 0
@group(0) @binding(3) var<storage, read_write> states: array<f32>;  // [L/C, H, P, N_s]
@group(0) @binding(4) var<storage, read> x: array<f32>;             // [L, H, P]
@group(0) @binding(5) var<storage, read> B: array<f32>;             // [L, N_s]  shared by the heads
@group(0) @binding(6) var<storage, read> C: array<f32>;             // [L, N_s]
@group(0) @binding(7) var<storage, read_write> y: array<f32>;       // [L, H, P]

fn logDecay(t: u32, head: u32) -> f32 {
  return dt[t * cfg.h + head] * A[head];
}

// Step 2, parallel over chunks: what chunk c adds to the state by its end,
// states[c] = Σ_s e^{a_last − a_s} (Δ_s x_s) B_sᵀ. One invocation per (chunk, head, p).
@compute @workgroup_size(64)
fn chunkStates(@builtin(global_invocation_id) gid: vec3u) {
  let chunks = (cfg.len + cfg.chunk - 1u) / cfg.chunk;
  let e = gid.x;
  if (e >= chunks * cfg.h * cfg.p) {
    return;
  }
  let c = e / (cfg.h * cfg.p);
  let head = (e / cfg.p) % cfg.h;
  let pp = e % cfg.p;
  let start = c * cfg.chunk;
  let end = min(start + cfg.chunk, cfg.len);
  var aLast = 0.0;
  for (var s = start; s < end; s++) {
    aLast += logDecay(s, head);
  }
  var acc: array<f32, 128>;
  var a = 0.0;
  for (var s = start; s < end; s++) {
    a += logDecay(s, head);
    let w = exp(aLast - a) * dt[s * cfg.h + head] * x[(s * cfg.h + head) * cfg.p + pp];
    for (var k = 0u; k < cfg.n; k++) {
      acc[k] += w * B[s * cfg.n + k];
    }
  }
  for (var k = 0u; k < cfg.n; k++) {
    states[e * cfg.n + k] = acc[k];
  }
}

// Step 3, sequential over chunks: replace each chunk's own part by the state ENTERING the chunk,
// h_[c] = e^{Σ Δ A over chunk c−1} h_[c−1] + states[c−1]. One invocation per (head, p).
@compute @workgroup_size(64)
fn passStates(@builtin(global_invocation_id) gid: vec3u) {
  let e = gid.x;
  if (e >= cfg.h * cfg.p) {
    return;
  }
  let head = e / cfg.p;
  let chunks = (cfg.len + cfg.chunk - 1u) / cfg.chunk;
  var carried: array<f32, 128>; // h_[c]: zero before the first chunk
  for (var c = 0u; c < chunks; c++) {
    var total = 0.0;
    for (var s = c * cfg.chunk; s < min((c + 1u) * cfg.chunk, cfg.len); s++) {
      total += logDecay(s, head);
    }
    let decay = exp(total); // how much of the state survives chunk c
    for (var k = 0u; k < cfg.n; k++) {
      let at = ((c * cfg.h) * cfg.p + e) * cfg.n + k;
      let own = states[at];
      states[at] = carried[k];
      carried[k] = decay * carried[k] + own;
    }
  }
}

// Steps 1 and 4, parallel over tokens: one invocation per (token l, head).
@compute @workgroup_size(64)
fn outputs(@builtin(global_invocation_id) gid: vec3u) {
  let l = gid.x;
  let head = gid.y;
  if (l >= cfg.len) {
    return;
  }
  let c = l / cfg.chunk;
  let start = c * cfg.chunk;
  var al = 0.0;
  for (var s = start; s <= l; s++) {
    al += logDecay(s, head);
  }
  var acc: array<f32, 64>;

  // Step 1, the diagonal block, like attention: Σ_{s ≤ l} (C_l · B_s) e^{a_l − a_s} Δ_s x_s.
  var aS = 0.0;
  for (var s = start; s <= l; s++) {
    aS += logDecay(s, head);
    var cb = 0.0;
    for (var k = 0u; k < cfg.n; k++) {
      cb += C[l * cfg.n + k] * B[s * cfg.n + k];
    }
    let w = cb * exp(al - aS) * dt[s * cfg.h + head];
    for (var j = 0u; j < cfg.p; j++) {
      acc[j] += w * x[(s * cfg.h + head) * cfg.p + j];
    }
  }

  // Step 4, state to output: the state entering the chunk, decayed by e^{a_l}, read through C_l.
  let decay = exp(al);
  for (var j = 0u; j < cfg.p; j++) {
    var sum = 0.0;
    for (var k = 0u; k < cfg.n; k++) {
      sum += C[l * cfg.n + k] * states[((c * cfg.h + head) * cfg.p + j) * cfg.n + k];
    }
    acc[j] += decay * sum;
  }

  for (var j = 0u; j < cfg.p; j++) {
    y[(l * cfg.h + head) * cfg.p + j] = acc[j];
  }
}
