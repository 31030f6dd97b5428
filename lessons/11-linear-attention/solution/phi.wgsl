// The feature map φ, applied to every element of a tensor (one invocation per element).
// Linear attention replaces exp(q·k) by φ(q)·φ(k); elu(x) + 1 keeps every φ positive, as exp does.
struct Params {
  len: u32,   // number of elements
  kind: u32,  // 0 = identity, 1 = elu + 1
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

fn phi(a: f32) -> f32 {
  if (p.kind == 0u) {
    return a;
  }
  // elu(a) + 1: a + 1 above zero, e^a at or below it (never negative, and smooth at 0).
  return select(exp(a), a + 1.0, a > 0.0);
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  if (gid.x < p.len) {
    y[gid.x] = phi(x[gid.x]);
  }
}
