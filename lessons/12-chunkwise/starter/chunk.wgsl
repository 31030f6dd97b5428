// Chunkwise linear attention for one head, o_t = Σ_{s≤t} (q_t·k_s) v_s, in three passes over
// chunks of C tokens (chunk c holds tokens cC … cC + C − 1; the last one may be shorter):
//   1. chunk_states  ΔS_c = K_[c]ᵀ V_[c], every chunk at once                  (parallel over chunks)
//   2. scan_states   S_[c−1] = ΔS_0 + … + ΔS_{c−1}: the state before chunk c       (N/C steps in a row)
//   3. chunk_output  o_t = S_[c−1]ᵀ q_t + Σ_{s in chunk c, s ≤ t} (q_t·k_s) v_s (parallel over tokens)
// Each pass uses a prefix of the bindings below, so main.ts passes only the ones it needs.
struct Params {
  n: u32,       // sequence length N
  dk: u32,
  dv: u32,      // at most MAX_DV
  c: u32,       // chunk size C
  chunks: u32,  // ⌈N / C⌉
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> states: array<f32>;  // [chunks, dk, dv]
@group(0) @binding(2) var<storage, read> k: array<f32>;             // [N, dk]
@group(0) @binding(3) var<storage, read> v: array<f32>;             // [N, dv]
@group(0) @binding(4) var<storage, read> q: array<f32>;             // [N, dk]
@group(0) @binding(5) var<storage, read_write> o: array<f32>;       // [N, dv]

const MAX_DV = 64u;

// Pass 1: one invocation per entry (c, i, j) of the chunk states: Σ_{s in chunk c} k_si v_sj.
@compute @workgroup_size(256)
fn chunk_states(@builtin(global_invocation_id) gid: vec3u) {
  let size = p.dk * p.dv;
  if (gid.x >= p.chunks * size) {
    return;
  }
  let c = gid.x / size;
  let i = (gid.x % size) / p.dv;
  let j = gid.x % p.dv;
  var sum = 0.0;
  for (var s = c * p.c; s < min(c * p.c + p.c, p.n); s++) {
    sum += k[s * p.dk + i] * v[s * p.dv + j];
  }
  states[gid.x] = sum;
}

// Pass 2: one invocation per entry (i, j) of the state, walking the chunks in order. This is the
// only sequential part: N/C steps instead of the recurrent form's N.
@compute @workgroup_size(64)
fn scan_states(@builtin(global_invocation_id) gid: vec3u) {
  let size = p.dk * p.dv;
  let e = gid.x;
  if (e >= size) {
    return;
  }
  var running = 0.0;  // yours: Σ of ΔS over the chunks seen so far
  for (var c = 0u; c < p.chunks; c++) {
    let delta = states[c * size + e];  // ΔS_c, entry e, as chunk_states wrote it
    // TODO 1: when this loop ends, states[c * size + e] must hold entry e of S_[c−1], the sum of
    // the ΔS of every chunk BEFORE c (zero for chunk 0). Pass 3 adds chunk c's own tokens
    // directly: through the state, they would count twice.
  }
}

// Pass 3: one invocation per token t of chunk c = ⌊t / C⌋.
@compute @workgroup_size(64)
fn chunk_output(@builtin(global_invocation_id) gid: vec3u) {
  let t = gid.x;
  if (t >= p.n) {
    return;
  }
  let c = t / p.c;
  var acc: array<f32, MAX_DV>;  // row t of o, dv numbers, starts at zero
  // TODO 2 (inter-chunk): add what every earlier chunk contributes to o_t, read from the state
  // before chunk c (states, from index c · dk · dv, element (i, j) at i · dv + j) with q_t alone:
  // no loop over earlier tokens.
  // TODO 3 (intra-chunk): add what the tokens of chunk c that t may see (itself included, none
  // after it) contribute, each its value v_s weighted by the score q_t·k_s, read directly.
  for (var j = 0u; j < p.dv; j++) {
    o[t * p.dv + j] = acc[j];
  }
}
