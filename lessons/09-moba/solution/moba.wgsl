// MoBA attention for one head: one invocation per query row. Each query scores the earlier key
// blocks by their mean key (the gate), keeps the best TOPK − 1 and its own block, and runs the
// online softmax of lesson 05 over those blocks' keys only: about TOPK·B + N/B reads per query
// instead of N. No N×N buffer exists; the gate's scores and choices live in registers.
// main.ts rewrites these three lines with the head dimensions and the gate's top-k.
const D: u32 = 64u;    // key/query dimension d
const DV: u32 = 64u;   // value dimension dv
const TOPK: u32 = 3u;  // blocks per query, the current one included
const D4 = D / 4u;     // rows are read as vec4s
const DV4 = DV / 4u;

struct Params {
  n: u32,          // sequence length N
  blockSize: u32,  // keys per block B
  scale: f32,      // 1/√d
}

@group(0) @binding(0) var<storage, read> q: array<vec4f>;       // [N, d]
@group(0) @binding(1) var<storage, read> k: array<vec4f>;       // [N, d]
@group(0) @binding(2) var<storage, read> v: array<vec4f>;       // [N, dv]
@group(0) @binding(3) var<storage, read> pooled: array<vec4f>;  // [⌈N/B⌉, d], mean key per block
@group(0) @binding(4) var<storage, read_write> o: array<vec4f>; // [N, dv]
@group(0) @binding(5) var<uniform> p: Params;

// This invocation's query row and its online-softmax state (lesson 05).
var<private> qi: array<vec4f, D4>;
var<private> m: f32;                     // running max
var<private> l: f32;                     // running Σ e^{s−m}
var<private> acc: array<vec4f, DV4>;     // running Σ e^{s−m} v

// Fold key j into the state: one score, one rescale, one value row.
fn attendKey(j: u32) {
  var s = 0.0;
  for (var c = 0u; c < D4; c++) { s += dot(qi[c], k[j * D4 + c]); }
  s *= p.scale;
  let mNew = max(m, s);
  let alpha = exp(m - mNew);
  let pj = exp(s - mNew);
  l = l * alpha + pj;
  for (var c = 0u; c < DV4; c++) { acc[c] = acc[c] * alpha + pj * v[j * DV4 + c]; }
  m = mNew;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= p.n) { return; }
  for (var c = 0u; c < D4; c++) { qi[c] = q[i * D4 + c]; }
  m = -3.4e38;
  l = 0.0;
  for (var c = 0u; c < DV4; c++) { acc[c] = vec4f(0.0); }
  let current = i / p.blockSize;   // this query's own block

  // Gate: the TOPK − 1 best earlier blocks, best first. A later block replaces a kept one only
  // with a strictly higher score, so equal scores keep the lower block.
  var best: array<f32, TOPK>;
  var kept: array<u32, TOPK>;
  var count = 0u;
  for (var b = 0u; b < current; b++) {
    var s = 0.0;
    for (var c = 0u; c < D4; c++) { s += dot(qi[c], pooled[b * D4 + c]); }
    var slot = count;
    while (slot > 0u && best[slot - 1u] < s) { slot--; }
    if (slot + 1u < TOPK) {
      count = min(count + 1u, TOPK - 1u);
      for (var e = count - 1u; e > slot; e--) {
        best[e] = best[e - 1u];
        kept[e] = kept[e - 1u];
      }
      best[slot] = s;
      kept[slot] = b;
    }
  }

  // Attend: every key of the kept blocks, then the current block (always) up to i.
  for (var t = 0u; t < count; t++) {
    let first = kept[t] * p.blockSize;
    for (var j = first; j < first + p.blockSize; j++) { attendKey(j); }
  }
  for (var j = current * p.blockSize; j <= i; j++) { attendKey(j); }

  for (var c = 0u; c < DV4; c++) { o[i * DV4 + c] = acc[c] / l; }
}
