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
  // TODO: write to (a_out[i], b_out[i]) the single map x ↦ a·x + b that applies first what
  // element i − offset·width holds (earlier steps of the same pair), then what element i holds.
  // Work out what the later map does to the earlier one's b. Elements with t < offset have
  // nothing that far back: they are complete already. The invariant: after the round with
  // offset k, element t holds steps max(0, t − 2k + 1) … t, so in the end b = x_t.
  a_out[i] = a_in[i];
  b_out[i] = b_in[i];
}
