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

  // TODO (compressed): fold every compressed block whose l keys all lie at positions ≤ i into
  //   cmpS with attendCompressed, and keep each block's score in row gid.x of pcmp for the ranking.
  // TODO (select): keep TOPN blocks of l' keys in registers (fixed-size arrays of TOPN entries):
  //   block 0, the query's own block and the one before it always; then the others up to the
  //   query's own, most important first (importance: the softmax probabilities exp(s − m)/ℓ of the
  //   compressed blocks that share a key with the block), equal importance keeping the lower block.
  // TODO (attend): fold the kept blocks' keys (up to i) into slcS, and the last w keys up to i into
  //   swaS, with attendKey. Read no other key: the reads check counts every k[…], v[…] and kvc[…].
  // TODO (gates): the output row is g[3r]·compressed + g[3r + 1]·selected + g[3r + 2]·window.
  // The starter attends to every key j ≤ i in slcS and ignores the gates: full causal attention.
  for (var j = 0u; j <= i; j++) { attendKey(&slcS, j); }
  for (var c = 0u; c < DV4; c++) { o[r * DV4 + c] = branchOut(&slcS, c); }
}
