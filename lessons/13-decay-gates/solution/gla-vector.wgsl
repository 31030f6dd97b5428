// GLA's vector gate, chunked, in two passes: one log decay per key channel, g [T, dk], g ≤ 0:
//   S_t = diag(e^{g_t}) S_{t−1} + k_t v_tᵀ,   o_t = scale · S_tᵀ q_t.
// Row i of S belongs to key channel i and decays by e^{g_ti}: each channel has its own cumulative
// log decay b_ti = g_{start,i} + … + g_ti inside a chunk. Cost as gla.wgsl, plus one exp per
// channel where the scalar gate had one per token. dk, dv ≤ 64 (registers).
struct Params {
  t: u32,      // sequence length T
  dk: u32,     // key/query width (≤ 64)
  dv: u32,     // value width (≤ 64)
  chunk: u32,  // chunk size C
  scale: f32,
}

// `states` uses bindings 0–4, `outputs` all 7: each entry point's layout is the prefix it uses.
@group(0) @binding(0) var<storage, read> k: array<f32>;        // [T, dk]
@group(0) @binding(1) var<storage, read> v: array<f32>;        // [T, dv]
@group(0) @binding(2) var<storage, read> g: array<f32>;        // [T, dk], one log decay per key channel
@group(0) @binding(3) var<storage, read_write> h: array<f32>;  // [T/C, dk, dv], entering each chunk
@group(0) @binding(4) var<uniform> p: Params;
@group(0) @binding(5) var<storage, read> q: array<f32>;        // [T, dk]
@group(0) @binding(6) var<storage, read_write> o: array<f32>;  // [T, dv]

// Pass 1, sequential over chunks: one invocation per key channel i, holding row S[i, :] in registers.
@compute @workgroup_size(16)
fn states(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= p.dk) {
    return;
  }
  var s: array<f32, 64>;
  for (var start = 0u; start < p.t; start += p.chunk) {
    let end = min(start + p.chunk, p.t);
    let row = (start / p.chunk) * p.dk * p.dv + i * p.dv;
    var bLast = 0.0;                     // channel i's log decay over the whole chunk
    for (var r = start; r < end; r++) {
      bLast += g[r * p.dk + i];
    }
    for (var j = 0u; j < p.dv; j++) {
      h[row + j] = s[j];                 // what the queries of this chunk will read
      s[j] *= exp(bLast);                // row i of the old state decays through the chunk
    }
    // S[i, :] ← e^{b_last,i} S[i, :] + Σ_r e^{b_last,i − b_ri} k_ri v_r: one exp of a difference ≤ 0.
    var b = 0.0;
    for (var r = start; r < end; r++) {
      b += g[r * p.dk + i];
      let w = exp(bLast - b) * k[r * p.dk + i];
      for (var j = 0u; j < p.dv; j++) {
        s[j] += w * v[r * p.dv + j];
      }
    }
  }
}

// Pass 2, parallel over tokens: one invocation per query row t.
@compute @workgroup_size(64)
fn outputs(@builtin(global_invocation_id) gid: vec3u) {
  let t = gid.x;
  if (t >= p.t) {
    return;
  }
  let start = (t / p.chunk) * p.chunk;
  let state = (t / p.chunk) * p.dk * p.dv;
  var bt: array<f32, 64>;                // b_t, one per key channel
  for (var i = 0u; i < p.dk; i++) {
    var b = 0.0;
    for (var r = start; r <= t; r++) {
      b += g[r * p.dk + i];
    }
    bt[i] = b;
  }
  var acc: array<f32, 64>;

  // Earlier chunks, through the state: row i has decayed by e^{b_ti} since the chunk began.
  for (var i = 0u; i < p.dk; i++) {
    let qi = exp(bt[i]) * q[t * p.dk + i];
    for (var j = 0u; j < p.dv; j++) {
      acc[j] += qi * h[state + i * p.dv + j];
    }
  }

  // This chunk, directly: Σ_{s ≤ t} (Σ_i q_ti k_si e^{b_ti − b_si}) v_s, a decay per channel.
  var bs: array<f32, 64>;
  for (var s = start; s <= t; s++) {
    var dot = 0.0;
    for (var i = 0u; i < p.dk; i++) {
      bs[i] += g[s * p.dk + i];
      dot += q[t * p.dk + i] * k[s * p.dk + i] * exp(bt[i] - bs[i]);
    }
    for (var j = 0u; j < p.dv; j++) {
      acc[j] += dot * v[s * p.dv + j];
    }
  }

  for (var j = 0u; j < p.dv; j++) {
    o[t * p.dv + j] = p.scale * acc[j];
  }
}
