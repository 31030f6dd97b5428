// Naive MLA decode (DeepSeek-V3's attn_impl="naive") for one new token: ordinary multi-head
// attention over per-head keys and values that were up-projected from the latents and cached.
// One workgroup per head, 64 invocations. It reads h·(d_h + d_R + d_v) floats per cached token.
struct Params {
  n: u32,     // cached tokens N
  d_k: u32,   // d_h + d_R
  d_v: u32,   // value head dim
  scale: f32, // 1/√(d_h + d_R)
}

@group(0) @binding(0) var<storage, read> q: array<f32>;          // [h, d_k] = [q_nope ; q_pe]
@group(0) @binding(1) var<storage, read> k: array<f32>;          // [h, N, d_k]  the cache
@group(0) @binding(2) var<storage, read> v: array<f32>;          // [h, N, d_v]  the cache
@group(0) @binding(3) var<storage, read_write> p: array<f32>;    // [h, N]
@group(0) @binding(4) var<storage, read_write> o: array<f32>;    // [h, d_v]
@group(0) @binding(5) var<uniform> prm: Params;

const WG = 64u;
var<workgroup> red: array<f32, WG>;

fn reduce(v: f32, lid: u32, take_max: bool) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      red[lid] = select(red[lid] + red[lid + s], max(red[lid], red[lid + s]), take_max);
    }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let h = wg.x;
  let n = prm.n;

  // Scores s_t = q_h · k_{t,h} · scale   ("bshd,bthd->bsht")
  var m = -3.4e38;
  for (var t = lid; t < n; t += WG) {
    var s = 0.0;
    for (var c = 0u; c < prm.d_k; c++) {
      s += q[h * prm.d_k + c] * k[(h * n + t) * prm.d_k + c];
    }
    s *= prm.scale;
    p[h * n + t] = s;
    m = max(m, s);
  }
  m = reduce(m, lid, true);

  var l = 0.0;
  for (var t = lid; t < n; t += WG) {
    let e = exp(p[h * n + t] - m);
    p[h * n + t] = e;
    l += e;
  }
  l = reduce(l, lid, false);
  storageBarrier();

  // o_h = Σ_t p_t v_{t,h} / l   ("bsht,bthd->bshd")
  for (var j = lid; j < prm.d_v; j += WG) {
    var acc = 0.0;
    for (var t = 0u; t < n; t++) {
      acc += p[h * n + t] * v[(h * n + t) * prm.d_v + j];
    }
    o[h * prm.d_v + j] = acc / l;
  }
}
