// The network's first kernel: h_i = E[token_i] + P[start + i], one thread per new position.
// Reading `tokens` once per position lets the harness count how many positions a call computed.
// Cost: n·d reads of E and of P.
struct Params {
  n: u32,      // positions in this call
  start: u32,  // their first position in the sequence
  prompt: u32, // prompt length (block 0)
  block: u32,  // block length of the answer
  vocab: u32,  // output tokens (the mask token has an embedding, no logit)
  d: u32,      // model width, 64
  last: u32,   // 1 in the last layer: write the logits
}

@group(0) @binding(0) var<storage, read> tokens: array<f32>;   // [n] token ids, as floats
@group(0) @binding(1) var<storage, read> emb: array<f32>;      // [vocab + 1, d]
@group(0) @binding(2) var<storage, read> pos: array<f32>;      // [max positions, d]
@group(0) @binding(3) var<storage, read_write> h: array<f32>;  // [n, d]
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(64)
fn embed(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= p.n) {
    return;
  }
  let token = u32(tokens[i]);
  let at = p.start + i;
  for (var c = 0u; c < p.d; c++) {
    h[i * p.d + c] = emb[token * p.d + c] + pos[at * p.d + c];
  }
}
