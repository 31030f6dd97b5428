// The router's logits for a whole batch: logits = x · w, x: [T, d] tokens, w: [d, E] router
// weights, logits: [T, E]. One invocation per (token, expert) pair, each a d-long dot product:
// T·E·d multiply-adds in all, reading x and w and writing T·E floats.

struct Params {
  tokens: u32,
  dim: u32,
  experts: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> logits: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i >= params.tokens * params.experts) {
    return;
  }
  let t = i / params.experts;
  let e = i % params.experts;
  var acc = 0.0;
  for (var c = 0u; c < params.dim; c++) {
    acc += x[t * params.dim + c] * w[c * params.experts + e];
  }
  logits[i] = acc;
}
