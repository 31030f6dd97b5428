// The rest of one layer for one new position per workgroup (64 threads, one per column): its
// query, block-causal attention over the K/V cache, the output projection and the MLP, both with
// residuals; in the last layer, the logits too. Position i sees position j when j's block is not
// after i's (the prompt is block 0), so a finished block's K and V never change: they can be
// cached. Cost per position: about 4·keys·d for attention plus 4·d² for the projections.
struct Params {
  n: u32,
  start: u32,
  prompt: u32,
  block: u32,
  vocab: u32,
  d: u32,
  last: u32,
}

@group(0) @binding(0) var<storage, read> w: array<f32>;           // [6, d, d]: Wq Wk Wv Wo W1 W2
@group(0) @binding(1) var<storage, read> kc: array<f32>;          // [capacity, d] K cache
@group(0) @binding(2) var<storage, read> vc: array<f32>;          // [capacity, d] V cache
@group(0) @binding(3) var<storage, read> wout: array<f32>;        // [d, vocab]
@group(0) @binding(4) var<storage, read_write> h: array<f32>;     // [n, d]
@group(0) @binding(5) var<storage, read_write> logits: array<f32>; // [n, vocab]
@group(0) @binding(6) var<uniform> p: Params;

const MAX_KEYS = 1024u;
var<workgroup> x: array<f32, 64>;      // this position's h
var<workgroup> t: array<f32, 64>;      // q, then the attention output, then the MLP's hidden layer
var<workgroup> s: array<f32, MAX_KEYS>; // scores, then softmax numerators
var<workgroup> red: array<f32, 64>;    // one partial max or sum per thread

/** One past the last position that `at` may see: the end of its block. */
fn blockEnd(at: u32) -> u32 {
  if (at < p.prompt) {
    return p.prompt;
  }
  return p.prompt + ((at - p.prompt) / p.block + 1u) * p.block;
}

/** Row r of x (or t) times column c of the d×d matrix m of w. */
fn matvecX(m: u32, c: u32) -> f32 {
  var acc = 0.0;
  for (var r = 0u; r < p.d; r++) {
    acc += x[r] * w[(m * p.d + r) * p.d + c];
  }
  return acc;
}
fn matvecT(m: u32, c: u32) -> f32 {
  var acc = 0.0;
  for (var r = 0u; r < p.d; r++) {
    acc += t[r] * w[(m * p.d + r) * p.d + c];
  }
  return acc;
}

@compute @workgroup_size(64)
fn row(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = wid.x;
  let c = lid.x;
  x[c] = h[i * p.d + c];
  workgroupBarrier();
  t[c] = matvecX(0u, c); // q
  workgroupBarrier();

  // Scores against every key this position may see: thread c takes keys c, c + 64, …
  let keys = min(blockEnd(p.start + i), p.start + p.n);
  let scale = 1.0 / sqrt(f32(p.d));
  var mx = -3.4e38;
  for (var j = c; j < keys; j += 64u) {
    var sc = 0.0;
    for (var r = 0u; r < p.d; r++) {
      sc += t[r] * kc[j * p.d + r];
    }
    s[j] = sc * scale;
    mx = max(mx, s[j]);
  }
  red[c] = mx;
  workgroupBarrier();
  var m = -3.4e38;
  for (var u = 0u; u < 64u; u++) {
    m = max(m, red[u]);
  }
  workgroupBarrier();
  var sum = 0.0;
  for (var j = c; j < keys; j += 64u) {
    let e = exp(s[j] - m);
    s[j] = e;
    sum += e;
  }
  red[c] = sum;
  workgroupBarrier();
  var l = 0.0;
  for (var u = 0u; u < 64u; u++) {
    l += red[u];
  }
  var a = 0.0;
  for (var j = 0u; j < keys; j++) {
    a += s[j] * vc[j * p.d + c];
  }
  workgroupBarrier();
  t[c] = a / l;
  workgroupBarrier();

  // h ← h + a·Wo, then h ← h + relu(h·W1)·W2.
  let h1 = x[c] + matvecT(3u, c);
  workgroupBarrier();
  x[c] = h1;
  workgroupBarrier();
  let hidden = max(matvecX(4u, c), 0.0);
  workgroupBarrier();
  t[c] = hidden;
  workgroupBarrier();
  let h2 = x[c] + matvecT(5u, c);
  h[i * p.d + c] = h2;
  if (p.last == 1u) {
    workgroupBarrier();
    x[c] = h2;
    workgroupBarrier();
    if (c < p.vocab) {
      var z = 0.0;
      for (var r = 0u; r < p.d; r++) {
        z += x[r] * wout[r * p.vocab + c];
      }
      logits[i * p.vocab + c] = z;
    }
  }
}
