// Causal sliding-window attention for one head: query i sees keys j with i − w < j ≤ i.
// One workgroup owns BR query rows (one invocation per row) and streams only the keys its rows
// can see through workgroup memory, BC at a time, keeping each row's online-softmax state
// (m, l, acc) in registers. Keys outside the band are never loaded: a block reads about
// BR + w − 1 keys, not up to N, so the whole pass reads O(N·w·d) floats and does O(N·w·d) work.
// sliding-window.ts writes the head dimension into the first line. This is lesson 07's solution kernel,
// kept here as a baseline for later lessons (its harnesses run it, not the learner's files).
const D: u32 = 64u;   // head dimension d
const BR: u32 = 16u;  // query rows per workgroup
const BC: u32 = 16u;  // keys per tile
const D4 = D / 4u;    // rows are read as vec4s: four floats per load, and a built-in dot()

struct Params {
  n: u32,      // sequence length N
  w: u32,      // window: keys per query, its own included
  scale: f32,  // 1/√d
}

@group(0) @binding(0) var<storage, read> q: array<vec4f>;       // [N, d]
@group(0) @binding(1) var<storage, read> k: array<vec4f>;       // [N, d]
@group(0) @binding(2) var<storage, read> v: array<vec4f>;       // [N, d]
@group(0) @binding(3) var<storage, read_write> o: array<vec4f>; // [N, d]
@group(0) @binding(4) var<uniform> p: Params;

// On-chip: one tile of keys and values, shared by the BR invocations.
var<workgroup> kTile: array<vec4f, BC * D4>;
var<workgroup> vTile: array<vec4f, BC * D4>;

// The first key that query `row` sees: row − w + 1, or 0 (unsigned: no negative numbers).
fn firstKey(row: u32) -> u32 {
  return select(0u, row + 1u - p.w, row + 1u > p.w);
}

@compute @workgroup_size(BR)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) t: u32) {
  let row0 = wg.x * BR;
  let i = row0 + t;                 // this invocation's query row
  let rowEnd = min(row0 + BR, p.n); // one past the block's last row
  let inRange = i < p.n;

  var qi: array<vec4f, D4>;
  var acc: array<vec4f, D4>;        // Σ e^{s−m} v, not yet divided by l
  if (inRange) {
    for (var c = 0u; c < D4; c++) { qi[c] = q[i * D4 + c]; }
  }
  var m = -3.4e38;                  // running max (−∞ would give e^{−∞+∞} = NaN)
  var l = 0.0;                      // running Σ e^{s−m}

  // The band of the block: its first row sees keys from firstKey(row0), its last row up to
  // rowEnd − 1. Tiles outside [firstKey(row0), rowEnd) are never visited, never loaded.
  for (var j0 = firstKey(row0); j0 < rowEnd; j0 += BC) {
    let tileEnd = min(j0 + BC, rowEnd);
    for (var e = t; e < (tileEnd - j0) * D4; e += BR) {
      kTile[e] = k[j0 * D4 + e];
      vTile[e] = v[j0 * D4 + e];
    }
    workgroupBarrier();

    // Keys of this tile that row i sees: max(j0, i − w + 1) ≤ j < min(tileEnd, i + 1).
    let lo = max(j0, firstKey(i));
    let hi = min(tileEnd, i + 1u);
    if (inRange && lo < hi) {
      var s: array<f32, BC>;
      var tileMax = -3.4e38;
      for (var j = lo; j < hi; j++) {
        var qk = 0.0;
        for (var c = 0u; c < D4; c++) { qk += dot(qi[c], kTile[(j - j0) * D4 + c]); }
        s[j - j0] = qk * p.scale;
        tileMax = max(tileMax, s[j - j0]);
      }
      let mNew = max(m, tileMax);
      let alpha = exp(m - mNew);    // re-bases l and acc on the new max (lesson 05)
      l *= alpha;
      for (var c = 0u; c < D4; c++) { acc[c] *= alpha; }
      for (var j = lo; j < hi; j++) {
        let pj = exp(s[j - j0] - mNew);
        l += pj;
        for (var c = 0u; c < D4; c++) { acc[c] += pj * vTile[(j - j0) * D4 + c]; }
      }
      m = mNew;
    }
    workgroupBarrier(); // nobody overwrites the tile while another invocation still reads it
  }

  if (inRange) {
    for (var c = 0u; c < D4; c++) { o[i * D4 + c] = acc[c] / l; }
  }
}
