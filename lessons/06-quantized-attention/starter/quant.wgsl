// Per-block symmetric quantize–dequantize of a [N, d] tensor, simulated in f32 (README, Step 1):
// one scale δ per block of `block` tokens (rows), one workgroup per block. The integer level of
// each element is what an INT8 kernel would store; WGSL has no int8 matrix multiply, so the kernel
// writes the level times δ back as f32.
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

  // TODO 2a: the block's largest magnitude, max |x| over [start, end). The 64 invocations share the
  // block: let each cover its own share of the block's elements, then combine the 64 partial maxima
  // in the workgroup array `red`, so that every invocation ends with the same value (workgroup
  // memory is only safe to read after a barrier).
  // TODO 2b: from it, the block's δ (p.qmax is the top integer level); then write each element of the
  // block as the nearest integer level in [−qmax, qmax], times δ. A block of zeros has δ = 0 and
  // stays zero (no 0/0).
  // The starter writes zeros.
  for (var i = start + lid; i < end; i += WG) {
    y[i] = 0.0;
  }
}
