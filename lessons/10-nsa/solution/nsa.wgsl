// NSA attention for one head: one invocation per query row, three branches with their own online
// softmax (lesson 05), mixed by the row's gates. Compressed: every visible block mean (kvc).
// Selected: the n blocks of l' keys ranked by the compressed probabilities (the initial block and
// the two local ones always). Window: the last w keys. Per query about N/d + n·l' + w rows read,
// instead of N; the compressed scores wait in the pcmp scratch row for the ranking.
// main.ts rewrites these three lines with the head dimensions and n.
const D: u32 = 16u;    // key/query dimension d
const DV: u32 = 16u;   // value dimension dv
const TOPN: u32 = 16u; // selection blocks per query, n
const D4 = D / 4u;     // rows are read as vec4s
const DV4 = DV / 4u;

struct Params {
  n: u32,         // keys N
  t: u32,         // query rows T, at positions N − T … N − 1
  r0: u32,        // first query row of this dispatch
  rows: u32,      // query rows in this dispatch (the rows of pcmp)
  blocks: u32,    // compressed blocks (the row length of pcmp)
  cmpBlock: u32,  // l
  stride: u32,    // d
  selBlock: u32,  // l'
  window: u32,    // w
  scale: f32,     // 1/√d
}

@group(0) @binding(0) var<storage, read> q: array<vec4f>;          // [T, d]
@group(0) @binding(1) var<storage, read> k: array<vec4f>;          // [N, d]
@group(0) @binding(2) var<storage, read> v: array<vec4f>;          // [N, dv]
@group(0) @binding(3) var<storage, read> kvc: array<vec4f>;        // [blocks, d + dv], compressed key | value
@group(0) @binding(4) var<storage, read> g: array<f32>;            // [T, 3], gates cmp, slc, swa
@group(0) @binding(5) var<storage, read_write> pcmp: array<f32>;   // [rows, blocks], compressed scores
@group(0) @binding(6) var<storage, read_write> o: array<vec4f>;    // [T, dv]
@group(0) @binding(7) var<uniform> p: Params;

// One branch's online-softmax state: running max, Σ e^{s−m}, Σ e^{s−m}·v.
struct Online {
  m: f32,
  l: f32,
  acc: array<vec4f, DV4>,
}

var<private> qi: array<vec4f, D4>;
var<private> cmpS: Online;
var<private> slcS: Online;
var<private> swaS: Online;

fn fresh() -> Online {
  var s: Online;
  s.m = -3.4e38;
  s.l = 0.0;
  for (var c = 0u; c < DV4; c++) { s.acc[c] = vec4f(0.0); }
  return s;
}

// Fold key j (rows of k and v) into a branch's state.
fn attendKey(st: ptr<private, Online>, j: u32) {
  var s = 0.0;
  for (var c = 0u; c < D4; c++) { s += dot(qi[c], k[j * D4 + c]); }
  s *= p.scale;
  let mNew = max((*st).m, s);
  let alpha = exp((*st).m - mNew);
  let pj = exp(s - mNew);
  (*st).l = (*st).l * alpha + pj;
  for (var c = 0u; c < DV4; c++) { (*st).acc[c] = (*st).acc[c] * alpha + pj * v[j * DV4 + c]; }
  (*st).m = mNew;
}

// Fold compressed block j (its key and value, side by side in kvc) into the compressed state;
// returns its score.
fn attendCompressed(j: u32) -> f32 {
  let row = j * (D4 + DV4);
  var s = 0.0;
  for (var c = 0u; c < D4; c++) { s += dot(qi[c], kvc[row + c]); }
  s *= p.scale;
  let mNew = max(cmpS.m, s);
  let alpha = exp(cmpS.m - mNew);
  let pj = exp(s - mNew);
  cmpS.l = cmpS.l * alpha + pj;
  for (var c = 0u; c < DV4; c++) { cmpS.acc[c] = cmpS.acc[c] * alpha + pj * kvc[row + D4 + c]; }
  cmpS.m = mNew;
  return s;
}

// A branch's output row element c: Σ p·v, or 0 when it attended to nothing.
fn branchOut(st: ptr<private, Online>, c: u32) -> vec4f {
  return select(vec4f(0.0), (*st).acc[c] / (*st).l, (*st).l > 0.0);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  if (gid.x >= p.rows) { return; }
  let r = p.r0 + gid.x;    // this query's row in q, g and o
  let i = p.n - p.t + r;   // this query's position
  for (var c = 0u; c < D4; c++) { qi[c] = q[r * D4 + c]; }
  cmpS = fresh();
  slcS = fresh();
  swaS = fresh();

  // Compressed branch: every block whose l keys are all at positions ≤ i; keep the scores.
  let visible = select(0u, (i + 1u - p.cmpBlock) / p.stride + 1u, i + 1u >= p.cmpBlock);
  for (var j = 0u; j < visible; j++) { pcmp[gid.x * p.blocks + j] = attendCompressed(j); }

  // Selection: the initial block and the two local ones first, then the most important others.
  let cur = i / p.selBlock;
  var kept: array<u32, TOPN>;
  var best: array<f32, TOPN>;
  kept[0] = 0u;
  var forced = 1u;
  if (cur >= 1u) { kept[1] = cur; forced = 2u; }
  if (cur >= 2u) { kept[2] = cur - 1u; forced = 3u; }
  var count = forced;
  for (var b = 1u; b + 1u < cur; b++) {
    // Importance: the probabilities of the compressed blocks sharing a key with block b.
    let lo = select(0u, (b * p.selBlock - p.cmpBlock) / p.stride + 1u, b * p.selBlock >= p.cmpBlock);
    let hi = min(visible, ((b + 1u) * p.selBlock - 1u) / p.stride + 1u);
    var imp = 0.0;
    for (var j = lo; j < hi; j++) { imp += exp(pcmp[gid.x * p.blocks + j] - cmpS.m) / cmpS.l; }
    // Insert, best first; an equal importance stays behind the lower block already there.
    var slot = count;
    while (slot > forced && best[slot - 1u] < imp) { slot--; }
    if (slot < TOPN) {
      count = min(count + 1u, TOPN);
      for (var e = count - 1u; e > slot; e--) {
        best[e] = best[e - 1u];
        kept[e] = kept[e - 1u];
      }
      best[slot] = imp;
      kept[slot] = b;
    }
  }

  // Selected branch: the kept blocks' keys up to i. Window branch: the last w keys.
  for (var e = 0u; e < count; e++) {
    let first = kept[e] * p.selBlock;
    for (var j = first; j < min(first + p.selBlock, i + 1u); j++) { attendKey(&slcS, j); }
  }
  for (var j = select(0u, i + 1u - p.window, i + 1u > p.window); j <= i; j++) { attendKey(&swaS, j); }

  // Gates.
  let gc = g[3u * r];
  let gs = g[3u * r + 1u];
  let gw = g[3u * r + 2u];
  for (var c = 0u; c < DV4; c++) {
    o[r * DV4 + c] = gc * branchOut(&cmpS, c) + gs * branchOut(&slcS, c) + gw * branchOut(&swaS, c);
  }
}
