// One round of a Hillis–Steele scan over time, for every (channel, state) pair at once.
// Element i is step t = i / width (width = D·N_s) of one pair; it holds (a, b), the map
// x ↦ a·x + b. main.ts runs the rounds, offsets 1, 2, 4, … while offset < N; each round reads
// one copy and writes the other.
struct Params {
  offset: u32,  // k: combine step t with step t − k
  width: u32,   // D·N_s elements per time step
  total: u32,   // N·D·N_s
}

@group(0) @binding(0) var<storage, read> a_in: array<f32>;
@group(0) @binding(1) var<storage, read> b_in: array<f32>;
@group(0) @binding(2) var<storage, read_write> a_out: array<f32>;
@group(0) @binding(3) var<storage, read_write> b_out: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= p.total) {
    return;
  }
  let shift = p.offset * p.width;
  if (i < shift) {
    // t < offset: nothing that far back; this element is already complete.
    a_out[i] = a_in[i];
    b_out[i] = b_in[i];
    return;
  }
  let j = i - shift;  // the same (channel, state) pair, offset steps earlier
  // Earlier steps first (a1, b1) = (a_in[j], b_in[j]), then these (a2, b2) = (a_in[i], b_in[i]):
  // a2·(a1·x + b1) + b2 = (a1·a2)·x + (a2·b1 + b2). After the round with offset k, element t
  // holds steps max(0, t − 2k + 1) … t, so in the end b = x_t (the state starts at zero).
  a_out[i] = a_in[j] * a_in[i];
  b_out[i] = a_in[i] * b_in[j] + b_in[i];
}
