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
var<workgroup> q_abs: array<f32, 1024>;  // W_UKᵀ q_nope: the query, moved into latent space (d_c ≤ 1024)
var<workgroup> mix: array<f32, 1024>;    // Σ_t p_t c_t: the output, still in latent space
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

  // 1. Absorb W_UK into the query: q_abs[c] = Σ_i q_nope[h,i] · W_UK[h,i,c]   ("bshd,hdc->bshc")
  // TODO 1: this placeholder leaves q_abs at zero, so only the RoPE term scores. Each invocation
  // owns the latent channels c = lid, lid + 64, …; q_nope[h,i] is q[h * dq + i].
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

  // 4. Mix the latents, not values: mix[c] = Σ_t p_t c_t[c] / l   ("bsht,btc->bshc")
  for (var c = lid; c < prm.d_c; c += WG) {
    var acc = 0.0;
    for (var t = 0u; t < n; t++) {
      acc += p[h * n + t] * c_kv[t * prm.d_c + c];
    }
    mix[c] = acc / l;
  }
  workgroupBarrier();

  // 5. The second absorption: W_UV once, after the mix. o[h,j] = Σ_c W_UV[h,j,c] · mix[c]   ("bshc,hdc->bshd")
  for (var j = lid; j < prm.d_v; j += WG) {
    var acc = 0.0;
    for (var c = 0u; c < prm.d_c; c++) {
      acc += wkv_b[(h * rows + prm.d_nope + j) * prm.d_c + c] * mix[c];
    }
    o[h * prm.d_v + j] = acc;
  }
}
