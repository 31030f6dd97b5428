// One layer's keys and values for the call's new positions, written straight into the layer's
// KV cache at rows start, start + 1, …: the cache IS the K/V buffer. One workgroup per position,
// one thread per column (d = 64). Cost: 2·n·d² multiply-adds.
struct Params {
  n: u32,
  start: u32,
  prompt: u32,
  block: u32,
  vocab: u32,
  d: u32,
  last: u32,
}

@group(0) @binding(0) var<storage, read> w: array<f32>;          // [6, d, d]: Wq Wk Wv Wo W1 W2
@group(0) @binding(1) var<storage, read_write> h: array<f32>;    // [n, d]
@group(0) @binding(2) var<storage, read_write> kc: array<f32>;   // [capacity, d] K cache
@group(0) @binding(3) var<storage, read_write> vc: array<f32>;   // [capacity, d] V cache
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(64)
fn kv(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = wid.x;
  let c = lid.x;
  let dd = p.d * p.d;
  var k = 0.0;
  var v = 0.0;
  for (var r = 0u; r < p.d; r++) {
    let x = h[i * p.d + r];
    k += x * w[dd + r * p.d + c];
    v += x * w[2u * dd + r * p.d + c];
  }
  kc[(p.start + i) * p.d + c] = k;
  vc[(p.start + i) * p.d + c] = v;
}
