// Attention of T new queries over the KV cache, for one head. One workgroup of 64 threads per query.
// Query i is token pos + i: it sees cached tokens 0..pos+i (itself included), never later ones.
// Prefill runs it with T = prompt length; a decode step with T = 1. A decode step reads every
// cached key and value once, so its time grows linearly with the number of cached tokens.
struct Params {
  pos: u32,    // position of the first query
  keys: u32,   // pos + T: the tokens the last query sees
  d: u32,      // head dimension
  scale: f32,  // 1/√d
}

@group(0) @binding(0) var<storage, read> q: array<f32>;             // [T, d]
@group(0) @binding(1) var<storage, read> kCache: array<f32>;        // [capacity, d]
@group(0) @binding(2) var<storage, read> vCache: array<f32>;        // [capacity, d]
@group(0) @binding(3) var<storage, read_write> scores: array<f32>;  // [T, keys]
@group(0) @binding(4) var<storage, read_write> o: array<f32>;       // [T, d]
@group(0) @binding(5) var<uniform> p: Params;

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
  let i = wg.x;               // which query
  let seen = p.pos + i + 1u;  // it attends to cached tokens 0..pos+i
  let qi = i * p.d;
  let row = i * p.keys;

  // 1. Scores s_j = q · k_j / √d, each thread taking every 64th key; keep the largest.
  var m = -3.4e38;
  for (var j = lid; j < seen; j += WG) {
    var s = 0.0;
    for (var c = 0u; c < p.d; c++) {
      s += q[qi + c] * kCache[j * p.d + c];
    }
    s *= p.scale;
    scores[row + j] = s;
    m = max(m, s);
  }
  let rowMax = combine(lid, m, true);

  // 2. e_j = exp(s_j − max) (the max keeps exp from overflowing) and their sum ℓ.
  var l = 0.0;
  for (var j = lid; j < seen; j += WG) {
    let e = exp(scores[row + j] - rowMax);
    scores[row + j] = e;
    l += e;
  }
  storageBarrier();  // every e_j is in memory before other threads read it in step 3
  let total = combine(lid, l, false);

  // 3. o = Σ_j e_j v_j / ℓ, each thread taking every 64th column.
  for (var c = lid; c < p.d; c += WG) {
    var acc = 0.0;
    for (var j = 0u; j < seen; j++) {
      acc += scores[row + j] * vCache[j * p.d + c];
    }
    o[qi + c] = acc / total;
  }
}
