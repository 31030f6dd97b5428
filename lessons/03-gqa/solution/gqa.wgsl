// One decode step of grouped-query attention: H query heads, g KV heads, N cached tokens.
// One workgroup of 64 threads per query head h; it reads KV head kvOf[h], the table your kvHead
// made. The arithmetic is H·N·d multiply-adds for the scores and as many for the output, whatever
// g is. What g changes is the cache: 2·g·N·d floats to read, instead of MHA's 2·H·N·d.
struct Params {
  n: u32,      // cached tokens N
  d: u32,      // head dimension
  scale: f32,  // 1/√d
}

@group(0) @binding(0) var<storage, read> q: array<f32>;             // [H, d], one query per head
@group(0) @binding(1) var<storage, read> kvOf: array<f32>;          // [H]: the KV head of each query head
@group(0) @binding(2) var<storage, read> kCache: array<f32>;        // [g, N, d]
@group(0) @binding(3) var<storage, read> vCache: array<f32>;        // [g, N, d]
@group(0) @binding(4) var<storage, read_write> scores: array<f32>;  // [H, N]
@group(0) @binding(5) var<storage, read_write> o: array<f32>;       // [H, d]
@group(0) @binding(6) var<uniform> p: Params;

const WG = 64u;
var<workgroup> partial: array<f32, WG>;

// Combine the 64 threads' values (their max, or their sum) and give the result to every thread.
fn combine(lid: u32, value: f32, isMax: bool) -> f32 {
  partial[lid] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      let other = partial[lid + stride];
      partial[lid] = select(partial[lid] + other, max(partial[lid], other), isMax);
    }
    workgroupBarrier();
  }
  let result = partial[0];
  workgroupBarrier();  // everyone has read partial[0] before the next call overwrites it
  return result;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let h = wg.x;                          // query head
  let kv = u32(kvOf[h]);                 // the KV head its group shares
  let cache = kv * p.n * p.d;            // start of that head's keys and values
  let qh = h * p.d;
  let row = h * p.n;

  // 1. Scores s_j = q_h · k_j / √d over all N cached tokens, each thread taking every 64th one.
  var m = -3.4e38;
  for (var j = lid; j < p.n; j += WG) {
    var s = 0.0;
    for (var c = 0u; c < p.d; c++) {
      s += q[qh + c] * kCache[cache + j * p.d + c];
    }
    s *= p.scale;
    scores[row + j] = s;
    m = max(m, s);
  }
  let rowMax = combine(lid, m, true);

  // 2. e_j = exp(s_j − max) and their sum ℓ.
  var l = 0.0;
  for (var j = lid; j < p.n; j += WG) {
    let e = exp(scores[row + j] - rowMax);
    scores[row + j] = e;
    l += e;
  }
  storageBarrier();  // every e_j is in memory before other threads read it in step 3
  let total = combine(lid, l, false);

  // 3. o_h = Σ_j e_j v_j / ℓ, each thread taking every 64th column.
  for (var c = lid; c < p.d; c += WG) {
    var acc = 0.0;
    for (var j = 0u; j < p.n; j++) {
      acc += scores[row + j] * vCache[cache + j * p.d + c];
    }
    o[qh + c] = acc / total;
  }
}
