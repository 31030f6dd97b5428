// Mini-batch TTT-Linear for one head, in the dual form. The inner model is W ∈ R^{dk×dv}, starting
// at 0, read as z = Wᵀq. Each mini-batch of b tokens takes all its gradients at the batch-start
// weights W₀, so the b tokens can work at once, and reads every output through the dual form
// (README, step 2): the W_t inside a batch are never formed, W changes once per batch.
// Two passes. `scores` computes a[t, s] = q_t·k_s inside each mini-batch (inputs only, so all T·b
// of them in parallel). `main` runs one workgroup per value column j (columns never mix) and walks
// the mini-batches in order: T/b sequential steps, each of them parallel over the batch.
// A workgroup has WG = 16 invocations that stride over the batch (more would pay for more barrier
// traffic on a CPU-emulated adapter; a real GPU kernel would use one invocation per token).
struct Params {
  t: u32,   // sequence length T
  dk: u32,  // key dimension (at most MAX_DK)
  dv: u32,  // value dimension: one workgroup per column
  b: u32,   // mini-batch size (at most MAX_B, the workgroup size)
}

const MAX_DK = 128u;
const MAX_B = 64u;
const WG = 16u;

@group(0) @binding(0) var<storage, read> q: array<f32>;           // [T, dk]
@group(0) @binding(1) var<storage, read> k: array<f32>;           // [T, dk], unit rows
@group(0) @binding(2) var<storage, read_write> a: array<f32>;     // [T, b]: a[t, s] = q_t·k_(batch start + s)
@group(0) @binding(3) var<uniform> p: Params;
@group(0) @binding(4) var<storage, read> v: array<f32>;           // [T, dv]
@group(0) @binding(5) var<storage, read> eta: array<f32>;         // [T], inner learning rates
@group(0) @binding(6) var<storage, read_write> o: array<f32>;     // [T, dv]

@compute @workgroup_size(64)
fn scores(@builtin(global_invocation_id) gid: vec3u) {
  let t = gid.x;
  if (t >= p.t) {
    return;
  }
  let start = t - t % p.b;
  for (var s = start; s <= t; s++) {
    var dot = 0.0;
    for (var i = 0u; i < p.dk; i++) {
      dot += q[t * p.dk + i] * k[s * p.dk + i];
    }
    a[t * p.b + (s - start)] = dot;
  }
}

var<workgroup> w: array<f32, MAX_DK>;  // column j of W
var<workgroup> g: array<f32, MAX_B>;   // g_s for the tokens of the current mini-batch

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let j = wg.x;
  for (var i = lid; i < p.dk; i += WG) {
    w[i] = 0.0;
  }
  workgroupBarrier();

  for (var start = 0u; start < p.t; start += p.b) {
    let n = min(p.b, p.t - start);

    // TODO 1: g[r] for every token r < n of the batch: its gradient step at W₀ (the column w as
    // it is now, at the batch start), scaled by its own η. The n tokens do not depend on one
    // another: spread them over the WG invocations.
    workgroupBarrier();

    // TODO 2: o[t, j] for every token t of the batch: what W₀ returns for q_t, corrected by the
    // steps token t has taken inside the batch (t reads the model after its own step), through
    // the in-batch scores a[t, ·] of the `scores` pass, never forming W_t. The stub writes 0.
    for (var r = lid; r < n; r += WG) {
      o[(start + r) * p.dv + j] = 0.0;
    }
    workgroupBarrier(); // everyone has read W₀ before it changes

    // TODO 3: move the column w to the batch end, every step of the batch applied at once: one
    // update per mini-batch, rows of the column spread over the WG invocations.
    workgroupBarrier();
  }
}
