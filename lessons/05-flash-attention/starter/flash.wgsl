// FlashAttention-2 style causal attention for one head. One workgroup owns BR query rows (one
// invocation per row) and streams K and V through workgroup memory, BC keys at a time, keeping
// the online-softmax state (m, l, acc) of its row in registers. No N×N buffer exists.
// main.ts rewrites these three lines with the device's block sizes and the head dimension.
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
@group(0) @binding(4) var<storage, read_write> loads: atomic<u32>; // global elements read
@group(0) @binding(5) var<uniform> p: Params;

// On-chip: one tile of keys and values, shared by the BR invocations.
var<workgroup> kTile: array<vec4f, BC * D4>;
var<workgroup> vTile: array<vec4f, BC * D4>;

@compute @workgroup_size(BR)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) t: u32) {
  let row0 = wg.x * BR;
  let i = row0 + t;                 // this invocation's query row
  let rowEnd = min(row0 + BR, p.n); // one past the block's last row
  let inRange = i < p.n;
  var counted = 0u;

  var qi: array<vec4f, D4>;
  var acc: array<vec4f, D4>;        // Σ e^{s−m} v, not yet divided by l
  if (inRange) {
    for (var c = 0u; c < D4; c++) { qi[c] = q[i * D4 + c]; }
    counted += D;
  }
  var m = -3.4e38;                  // running max (−∞ would give e^{−∞+∞} = NaN)
  var l = 0.0;                      // running Σ e^{s−m}

  // TODO (b1), the tile loop: walk the keys this block may see, BC at a time. For each tile, the
  //   BR invocations copy its rows of K and V from global memory into kTile and vTile together,
  //   each its share of the tile's vec4s (the last tile may be short), and add the floats they
  //   read to `counted`. No row of this block sees a key at or past rowEnd (causal): load no
  //   tile beyond it. The traffic check counts every read of q, k and v.
  // TODO (b2), the barriers: no invocation may read a tile before every copy into it is done, and
  //   none may overwrite it with the next tile while another still reads it. Every invocation
  //   must reach every barrier, rows past N included.
  // TODO (b3), the online softmax (step 2): each row i < N takes the keys of the tile it may see
  //   (j ≤ i), scores them against qi (times p.scale), and updates (m, l, acc) so that afterwards
  //   m is the largest score so far and l, acc hold the sums of e^{s − m} and e^{s − m}·v over
  //   every key so far, against the CURRENT m. A row that sees no key of a tile leaves its state
  //   as it is.
  // TODO (b4): write row i of o once, at the end. The starter writes zeros.
  if (inRange) {
    for (var c = 0u; c < D4; c++) { o[i * D4 + c] = vec4f(0.0); }
  }
  atomicAdd(&loads, counted);
}
