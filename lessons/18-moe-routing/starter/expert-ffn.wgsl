// One expert's feed-forward network, SwiGLU as in DeepSeek-V3 and Mixtral:
//   y = W2ᵀ (silu(W1ᵀ x) ⊙ W3ᵀ x),  silu(a) = a / (1 + e^(−a)),
// applied to the rows routed to this expert: ONE WORKGROUP PER ROW, so the dispatch's size says
// how many tokens the expert served. The workgroup first computes the row's H hidden units into
// workgroup memory, then the D outputs from them.
// Cost per row: 2·3·D·H FLOPs; reads the row (D floats) and the expert's 3·D·H weights.
// experts.ts writes D and H into the first two lines.
const D: u32 = 64u;  // model width d
const H: u32 = 64u;  // the expert's hidden width h
const WG: u32 = 64u; // invocations per workgroup

@group(0) @binding(0) var<storage, read> x: array<f32>;        // [rows, D]: the routed tokens
@group(0) @binding(1) var<storage, read> w1: array<f32>;       // [D, H]
@group(0) @binding(2) var<storage, read> w3: array<f32>;       // [D, H]
@group(0) @binding(3) var<storage, read> w2: array<f32>;       // [H, D]
@group(0) @binding(4) var<storage, read_write> y: array<f32>;  // [rows, D]

var<workgroup> hidden: array<f32, H>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row = wg.x;
  for (var j = lid.x; j < H; j += WG) {
    var a = 0.0;
    var b = 0.0;
    for (var c = 0u; c < D; c++) {
      let xc = x[row * D + c];
      a += xc * w1[c * H + j];
      b += xc * w3[c * H + j];
    }
    hidden[j] = a / (1.0 + exp(-a)) * b;
  }
  workgroupBarrier();
  for (var c = lid.x; c < D; c += WG) {
    var s = 0.0;
    for (var j = 0u; j < H; j++) {
      s += hidden[j] * w2[j * D + c];
    }
    y[row * D + c] = s;
  }
}
