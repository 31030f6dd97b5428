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

// Step 2, parallel over chunks: what chunk c adds to the state by its end, as if it had started
// from zero. One invocation per (chunk, head, p).
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
  var acc: array<f32, 128>; // acc[k]: entry (pp, k) of what chunk c adds to head `head`'s state
  // TODO: step 2 for tokens start … end − 1: what the chunk feeds into the state (Δ_s x_s, with
  // B_s) as it stands at the chunk's end, each token's part decayed by the ΔA of the tokens after
  // it in this chunk (logDecay). The state before the chunk is not part of it.
  for (var k = 0u; k < cfg.n; k++) {
    states[e * cfg.n + k] = acc[k];
  }
}

// Step 3, sequential over chunks: replace each chunk's own part by the state ENTERING the chunk.
// One invocation per (head, p).
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
    for (var k = 0u; k < cfg.n; k++) {
      let at = ((c * cfg.h) * cfg.p + e) * cfg.n + k;
      // TODO: step 3. states[at] holds chunk c's own part (step 2); replace it by the state
      // ENTERING chunk c, then carry the state on to the next chunk: through all of chunk c it
      // decays (logDecay, summed over the chunk's tokens), and chunk c's own part is added.
      states[at] = 0.0;
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
  var acc: array<f32, 64>; // acc[j]: y_l of head `head`, channel j

  // TODO: step 1, the diagonal block, like attention inside the chunk: every token s from the
  // chunk's start up to l itself, its Δ_s x_s weighted by how well C_l matches B_s and by the
  // decay between s and l (logDecay over the tokens after s up to l).

  // TODO: step 4, state to output: the state entering chunk c (`states`, after passStates),
  // decayed from the chunk's start up to l, read out through C_l.

  for (var j = 0u; j < cfg.p; j++) {
    y[(l * cfg.h + head) * cfg.p + j] = acc[j];
  }
}
