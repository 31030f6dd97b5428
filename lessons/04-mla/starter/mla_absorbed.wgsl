// Weight-absorbed MLA decode (DeepSeek-V3's attn_impl="absorb") for one new token.
// One workgroup per head, 64 invocations. It reads only the latent cache, shared by every head:
// c_kv [N, d_c] and k_pe [N, d_R]. No per-head key or value is ever formed.
struct Params {
  n: u32,       // cached tokens N
  d_nope: u32,  // d_h: the part of q·k that goes through the latent
  d_rope: u32,  // d_R: the decoupled RoPE part
  d_c: u32,     // latent dim (kv_lora_rank)
  d_v: u32,     // value head dim
  scale: f32,   // 1/√(d_h + d_R): the same as the naive path
}

@group(0) @binding(0) var<storage, read> q: array<f32>;          // [h, d_h + d_R] = [q_nope ; q_pe]
@group(0) @binding(1) var<storage, read> wkv_b: array<f32>;      // [h, d_h + d_v, d_c]: W_UK rows, then W_UV rows
@group(0) @binding(2) var<storage, read> c_kv: array<f32>;       // [N, d_c]  the cache
@group(0) @binding(3) var<storage, read> k_pe: array<f32>;       // [N, d_R]  the cache
@group(0) @binding(4) var<storage, read_write> p: array<f32>;    // [h, N] scores, then exp
@group(0) @binding(5) var<storage, read_write> o: array<f32>;    // [h, d_v]
@group(0) @binding(6) var<uniform> prm: Params;

const WG = 64u;
var<workgroup> q_abs: array<f32, 1024>;  // the query, moved into latent space (d_c ≤ 1024)
var<workgroup> mix: array<f32, 1024>;    // the output, still in latent space (d_c ≤ 1024)
var<workgroup> red: array<f32, WG>;

// Max (or sum) of one value per invocation, over the workgroup: a tree in workgroup memory.
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
  let dq = prm.d_nope + prm.d_rope;   // row length of q
  let rows = prm.d_nope + prm.d_v;    // rows of wkv_b per head
  // W_UK[h,i,c] = wkv_b[(h * rows + i) * d_c + c]          for i < d_h
  // W_UV[h,j,c] = wkv_b[(h * rows + d_h + j) * d_c + c]    for j < d_v

  // 1. TODO 1, the first absorption (V3's "bshd,hdc->bshc"): fill q_abs[0..d_c) with this head's
  //    query moved into latent space, the d_c-vector whose dot product with any cached latent c_t
  //    gives the content score q_nope[h] · k^C_{t,h} that a per-head key would give. Each invocation
  //    owns the latent channels c = lid, lid + 64, …; q_nope[h, i] is q[h * dq + i]. The starter
  //    leaves q_abs at zero, so only the RoPE term scores.
  for (var c = lid; c < prm.d_c; c += WG) {
    q_abs[c] = 0.0;
  }
  workgroupBarrier();

  // 2. Scores against the latents, plus the decoupled RoPE term: s_t = (q_abs·c_t + q_pe·k_pe_t)·scale
  var m = -3.4e38;
  for (var t = lid; t < n; t += WG) {
    var s = 0.0;
    for (var c = 0u; c < prm.d_c; c++) {
      s += q_abs[c] * c_kv[t * prm.d_c + c];
    }
    for (var r = 0u; r < prm.d_rope; r++) {
      s += q[h * dq + prm.d_nope + r] * k_pe[t * prm.d_rope + r];
    }
    s *= prm.scale;
    p[h * n + t] = s;
    m = max(m, s);
  }
  m = reduce(m, lid, true);

  // 3. Softmax numerators and their sum.
  var l = 0.0;
  for (var t = lid; t < n; t += WG) {
    let e = exp(p[h * n + t] - m);
    p[h * n + t] = e;
    l += e;
  }
  l = reduce(l, lid, false);
  storageBarrier(); // every invocation reads every p_t below

  // 4–5. TODO 2, the second absorption (V3's "bsht,btc->bshc", then "bshc,hdc->bshd"): write
  //    o[h, 0..d_v), the softmax-weighted average of this head's values v_{t,h} = W_UV[h] c_t, the
  //    weights being p[h * n + t] / l, without ever forming a value: first combine the latents
  //    themselves into `mix` (d_c floats, each invocation owning channels c = lid, lid + 64, …),
  //    then bring that one vector out of latent space with W_UV[h]. Every invocation reads all of
  //    `mix`. The starter writes zeros.
  for (var j = lid; j < prm.d_v; j += WG) {
    o[h * prm.d_v + j] = 0.0;
  }
}
