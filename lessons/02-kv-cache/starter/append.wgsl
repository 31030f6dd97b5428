// Append tokens to the KV cache: copy T rows of keys and values into cache rows pos, pos+1, …
// This is all a decode step adds to the cache: 2·d numbers per token. Nothing is recomputed.
struct Params {
  pos: u32,    // first cache row to write
  count: u32,  // T·d: how many numbers to copy into each of the two caches
  d: u32,      // head dimension
}

@group(0) @binding(0) var<storage, read> kNew: array<f32>;          // [T, d]
@group(0) @binding(1) var<storage, read> vNew: array<f32>;          // [T, d]
@group(0) @binding(2) var<storage, read_write> kCache: array<f32>;  // [capacity, d]
@group(0) @binding(3) var<storage, read_write> vCache: array<f32>;  // [capacity, d]
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let e = gid.x;  // one number of the new rows, counted from the first new row
  if (e >= p.count) {
    return;
  }
  // TODO: number e of the new keys belongs to token pos + e / d, column e % d. Put it, and number e
  //       of the new values, where that token's row of each cache holds that column. Nothing else
  //       in the caches changes: the rows of earlier tokens are already there.
}
