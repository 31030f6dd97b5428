// The FlashAttention baseline later lessons race against: lesson 05's solution kernel (FA-2 loop
// order, causal tiles skipped), without its load counter. Cost: about 2·N(N+1)·d FLOPs, 16·N·d bytes.
// FlashAttention-2 style causal attention for one head. One workgroup owns BR query rows (one
// invocation per row) and streams K and V through workgroup memory, BC keys at a time, keeping
// the online-softmax state (m, l, acc) of its row in registers. No N×N buffer exists.
// flash-attention.ts rewrites these three lines with the device's block sizes and the head dimension.
const D: u32 = 64u;   // head dimension d
const BR: u32 = 16u;  // query rows per workgroup
const BC: u32 = 16u;  // keys per tile
const D4 = D / 4u;    // rows are read as vec4s: four floats per load, and a built-in dot()

struct Params {
  n: u32,      // sequence length N
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

  // Causal: no query of this block sees a key at or past rowEnd, so those tiles are never loaded.
  let keyEnd = rowEnd;
  for (var j0 = 0u; j0 < keyEnd; j0 += BC) {
    let tileEnd = min(j0 + BC, keyEnd);
    // All BR invocations copy the tile together, then wait for each other.
    for (var e = t; e < (tileEnd - j0) * D4; e += BR) {
      kTile[e] = k[j0 * D4 + e];
      vTile[e] = v[j0 * D4 + e];
    }
    workgroupBarrier();

    // Keys of this tile that row i may see: j0 ≤ j ≤ i.
    let visible = select(0u, min(tileEnd, i + 1u) - j0, inRange && i >= j0);
    if (visible > 0u) {
      var s: array<f32, BC>;
      var tileMax = -3.4e38;
      for (var jj = 0u; jj < visible; jj++) {
        var qk = 0.0;
        for (var c = 0u; c < D4; c++) { qk += dot(qi[c], kTile[jj * D4 + c]); }
        s[jj] = qk * p.scale;
        tileMax = max(tileMax, s[jj]);
      }
      let mNew = max(m, tileMax);
      // Everything in l and acc was exponentiated against the old max: e^{m−mNew} re-bases it.
      let alpha = exp(m - mNew);
      l *= alpha;
      for (var c = 0u; c < D4; c++) { acc[c] *= alpha; }
      for (var jj = 0u; jj < visible; jj++) {
        let pj = exp(s[jj] - mNew);
        l += pj;
        for (var c = 0u; c < D4; c++) { acc[c] += pj * vTile[jj * D4 + c]; }
      }
      m = mNew;
    }
    workgroupBarrier(); // nobody overwrites the tile while another invocation still reads it
  }

  // FlashAttention-2: divide by l once, at the end.
  if (inRange) {
    for (var c = 0u; c < D4; c++) { o[i * D4 + c] = acc[c] / l; }
  }
}
