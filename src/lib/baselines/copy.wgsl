// A plain copy, dst = src, four floats per load and store: the simplest kernel whose speed is set by
// memory bandwidth alone (it does no arithmetic). The decode lessons (02, 03, 04) time it beside
// their decode step, on the same number of bytes, to show what "bandwidth-bound" looks like.
// Cost: reads and writes every byte once; a grid-stride loop keeps the dispatch under the device's
// limit of workgroups per dimension for any size.
struct Params {
  count: u32,   // vec4s to copy
  stride: u32,  // invocations in the whole dispatch
}

@group(0) @binding(0) var<storage, read> src: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4f>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  for (var i = gid.x; i < p.count; i += p.stride) {
    dst[i] = src[i];
  }
}
