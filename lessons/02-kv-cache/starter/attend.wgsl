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
  let qi = i * p.d;           // its query q[qi..qi+d) and output o[qi..qi+d)
  let row = i * p.keys;       // its scores: scores[row + j] for cached token j

  // TODO 1. Which cached tokens does query i (token pos + i) see? Never a later token's row, even
  //         when it is already in the cache (prefill writes every prompt token first).
  // TODO 2. Its scores against those cached keys, shared out among the 64 threads (lid is this
  //         thread's index), kept in scores[row + j], and the largest of them. combine(lid, x, …)
  //         gives every thread the workgroup's max or sum of x; every thread must call it.
  // TODO 3. Softmax numerators that cannot overflow, in place, and their sum over the workgroup.
  //         Other threads read them in step 4: make sure they are in memory first.
  // TODO 4. o for this query: the values of the seen tokens weighted by the softmax, the 64
  //         threads sharing the d columns. Until then o stays 0.
}
