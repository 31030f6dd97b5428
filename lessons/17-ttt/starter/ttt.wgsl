// Mini-batch TTT-Linear for one head, in the dual form. The inner model is W ∈ R^{dk×dv}, starting
// at 0, read as z = Wᵀq. Each mini-batch of b tokens takes all its gradients at the batch-start
// weights W₀, so the b tokens can work at once:
//   g_s = η_s (W₀ᵀ k_s − v_s)                     gradient of ½‖Wᵀk_s − v_s‖², value half
//   z_t = W₀ᵀ q_t − Σ_{s≤t} (q_t·k_s) g_s         W_t = W₀ − Σ_{s≤t} k_s g_sᵀ, never formed
//   W ← W₀ − Σ_s k_s g_sᵀ                          at the end of the mini-batch
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

    // 1. Every token's gradient at W₀: all n at once, invocation lid taking tokens lid, lid + WG, …
    for (var r = lid; r < n; r += WG) {
      let t = start + r;
      var pred = 0.0;
      for (var i = 0u; i < p.dk; i++) {
        pred += w[i] * k[t * p.dk + i];
      }
      g[r] = eta[t] * (pred - v[t * p.dv + j]);
    }
    workgroupBarrier();

    // 2. Token t's output, with the gradient steps taken so far in the batch.
    for (var r = lid; r < n; r += WG) {
      let t = start + r;
      var z = 0.0;
      for (var i = 0u; i < p.dk; i++) {
        z += w[i] * q[t * p.dk + i];
      }
      // TODO: which gradient steps has token t taken when it is read? Check this loop's bound.
      for (var s = 0u; s < r; s++) {
        z -= a[t * p.b + s] * g[s];
      }
      o[t * p.dv + j] = z;
    }
    workgroupBarrier(); // everyone has read W₀ before it changes

    // 3. W ← W₀ − Σ_s k_s g_s: invocation lid updates rows lid, lid + WG, … of the column.
    for (var i = lid; i < p.dk; i += WG) {
      var step = 0.0;
      for (var s = 0u; s < n; s++) {
        step += k[(start + s) * p.dk + i] * g[s];
      }
      w[i] -= step;
    }
    workgroupBarrier();
  }
}
