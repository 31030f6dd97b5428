// Per-block symmetric quantize–dequantize of a [N, d] tensor, simulated in f32:
//   δ = max|x| over the block / qmax,   x̂ = round(x / δ) · δ,   qmax = 2^(bits−1) − 1 (127 for INT8).
// One workgroup per block of `block` tokens (rows). round(x / δ) is the integer an INT8 kernel
// would store; WGSL has no int8 matrix multiply, so we multiply back by δ and keep f32.
struct Params {
  n: u32,      // tokens N
  d: u32,      // head dimension
  block: u32,  // tokens per block (one scale each)
  qmax: f32,   // largest integer level, 2^(bits−1) − 1
}

@group(0) @binding(0) var<storage, read> x: array<f32>;          // [N, d]
@group(0) @binding(1) var<storage, read_write> y: array<f32>;    // [N, d], dequantized
@group(0) @binding(2) var<uniform> p: Params;

const WG = 64u;
var<workgroup> red: array<f32, WG>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  // This block's elements: rows [r0, r1), stored contiguously. The last block may be short.
  let r0 = wg.x * p.block;
  let r1 = min(r0 + p.block, p.n);
  let start = r0 * p.d;
  let end = r1 * p.d;

  // 1. The block's largest magnitude: each invocation scans a stride, then a tree reduction.
  // TODO 2: this loop scans the whole tensor, so every block gets the same δ (per-tensor
  // quantization). Per-block: only this block's elements, [start, end), may set its δ.
  var m = 0.0;
  for (var i = lid; i < p.n * p.d; i += WG) {
    m = max(m, abs(x[i]));
  }
  red[lid] = m;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      red[lid] = max(red[lid], red[lid + s]);
    }
    workgroupBarrier();
  }
  let delta = red[0] / p.qmax;

  // 2. Quantize to an integer level in [−qmax, qmax], then dequantize. A block of zeros has
  //    δ = 0 and stays zero (no 0/0).
  for (var i = start + lid; i < end; i += WG) {
    var v = 0.0;
    if (delta > 0.0) {
      v = clamp(round(x[i] / delta), -p.qmax, p.qmax) * delta;
    }
    y[i] = v;
  }
}
