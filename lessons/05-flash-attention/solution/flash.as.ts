/**
 * Lesson 05 on the simd backend: causal FlashAttention for one head in AssemblyScript, compiled to
 * WebAssembly with 128-bit SIMD (f32x4: four floats per instruction), one thread.
 * q, k, v and o are byte addresses of [n, d] float32 rows in this module's memory (main.ts puts
 * them there); d is a multiple of 4. `state` holds 2·QUERY_ROWS + bc floats of scratch.
 * Loop order: blocks of QUERY_ROWS query rows, then blocks of `bc` keys, then the rows: a block
 * of K and V (2·bc·d floats) is read from memory once and reused by every row of the query block
 * while it is still in the CPU's cache. Cost: 2·N(N + 1)·d useful FLOPs, the causal half only.
 */

/** Query rows that share each block of keys. */
const QUERY_ROWS = 8;

/** The four lane sums of a, b, c, e as one f32x4: [Σa, Σb, Σc, Σe]. */
function sum4(a: v128, b: v128, c: v128, e: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7));
  const ce = f32x4.add(v128.shuffle<f32>(c, e, 0, 4, 1, 5), v128.shuffle<f32>(c, e, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(ab, ce, 0, 1, 4, 5), v128.shuffle<f32>(ab, ce, 2, 3, 6, 7));
}

/** scores[t] = scale · (q_i · k_t) for the `count` key rows at kb: four keys per pass over q_i. */
function scoreBlock(qi: usize, kb: usize, count: i32, d: i32, scale: f32, scores: usize): void {
  const row = (<usize>d) << 2;
  const vs = f32x4.splat(scale);
  let t = 0;
  for (; t + 4 <= count; t += 4) {
    const k0 = kb + <usize>t * row;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    for (let c = 0; c < d; c += 4) {
      const at = (<usize>c) << 2;
      const x = v128.load(qi + at);
      a0 = f32x4.add(a0, f32x4.mul(x, v128.load(k0 + at)));
      a1 = f32x4.add(a1, f32x4.mul(x, v128.load(k0 + row + at)));
      a2 = f32x4.add(a2, f32x4.mul(x, v128.load(k0 + 2 * row + at)));
      a3 = f32x4.add(a3, f32x4.mul(x, v128.load(k0 + 3 * row + at)));
    }
    v128.store(scores + ((<usize>t) << 2), f32x4.mul(sum4(a0, a1, a2, a3), vs));
  }
  for (; t < count; t++) {
    const kt = kb + <usize>t * row;
    let a = f32x4.splat(0);
    for (let c = 0; c < d; c += 4)
      a = f32x4.add(a, f32x4.mul(v128.load(qi + ((<usize>c) << 2)), v128.load(kt + ((<usize>c) << 2))));
    const s = sum4(a, a, a, a);
    store<f32>(scores + ((<usize>t) << 2), f32x4.extract_lane(s, 0) * scale);
  }
}

/** acc += Σ_t p[t] · v_t over the `count` value rows at vb: four rows per pass over acc. */
function accumulate(acc: usize, vb: usize, p: usize, count: i32, d: i32): void {
  const row = (<usize>d) << 2;
  let t = 0;
  for (; t + 4 <= count; t += 4) {
    const v0 = vb + <usize>t * row;
    const pt = p + ((<usize>t) << 2);
    const p0 = f32x4.splat(load<f32>(pt));
    const p1 = f32x4.splat(load<f32>(pt, 4));
    const p2 = f32x4.splat(load<f32>(pt, 8));
    const p3 = f32x4.splat(load<f32>(pt, 12));
    for (let c = 0; c < d; c += 4) {
      const at = (<usize>c) << 2;
      let x = f32x4.add(v128.load(acc + at), f32x4.mul(v128.load(v0 + at), p0));
      x = f32x4.add(x, f32x4.mul(v128.load(v0 + row + at), p1));
      x = f32x4.add(x, f32x4.mul(v128.load(v0 + 2 * row + at), p2));
      v128.store(acc + at, f32x4.add(x, f32x4.mul(v128.load(v0 + 3 * row + at), p3)));
    }
  }
  for (; t < count; t++) {
    const vt = vb + <usize>t * row;
    const pt = f32x4.splat(load<f32>(p + ((<usize>t) << 2)));
    for (let c = 0; c < d; c += 4) {
      const at = (<usize>c) << 2;
      v128.store(acc + at, f32x4.add(v128.load(acc + at), f32x4.mul(v128.load(vt + at), pt)));
    }
  }
}

/** acc *= a, for a row of d floats. */
function scaleRow(acc: usize, a: f32, d: i32): void {
  const va = f32x4.splat(a);
  for (let c = 0; c < d; c += 4) {
    const at = (<usize>c) << 2;
    v128.store(acc + at, f32x4.mul(v128.load(acc + at), va));
  }
}

export function attention(q: usize, k: usize, v: usize, o: usize, n: i32, d: i32, bc: i32, state: usize): void {
  const scale: f32 = 1 / Mathf.sqrt(<f32>d);
  const row = (<usize>d) << 2; // bytes per row
  const ms = state; // running max m of each row of the query block
  const ls = state + (QUERY_ROWS << 2); // running Σ e^{s − m} (ℓ) of each row
  const scores = ls + (QUERY_ROWS << 2); // one row's scores for one key block
  memory.fill(o, 0, <usize>n * row); // acc lives in o until the end
  for (let i0 = 0; i0 < n; i0 += QUERY_ROWS) {
    const i1 = min(i0 + QUERY_ROWS, n);
    for (let r = 0; r < i1 - i0; r++) {
      store<f32>(ms + ((<usize>r) << 2), -Infinity);
      store<f32>(ls + ((<usize>r) << 2), 0);
    }
    // Keys past the block's last row are masked for every row of it: stop there.
    for (let j0 = 0; j0 < i1; j0 += bc) {
      const j1 = min(j0 + bc, i1);
      for (let i = i0; i < i1; i++) {
        const end = min(j1, i + 1); // causal: row i sees keys j ≤ i
        if (end <= j0) continue;
        const count = end - j0;
        scoreBlock(q + <usize>i * row, k + <usize>j0 * row, count, d, scale, scores);
        let blockMax: f32 = -Infinity;
        for (let t = 0; t < count; t++) blockMax = max(blockMax, load<f32>(scores + ((<usize>t) << 2)));
        const r = (<usize>(i - i0)) << 2;
        const m = load<f32>(ms + r);
        const mNew = max(m, blockMax);
        // ℓ and acc were summed against the old max: e^{m − m'} re-bases them (0 on the first block).
        const alpha = Mathf.exp(m - mNew);
        const acc = o + <usize>i * row;
        scaleRow(acc, alpha, d);
        let l = load<f32>(ls + r) * alpha;
        for (let t = 0; t < count; t++) {
          const at = scores + ((<usize>t) << 2);
          const p = Mathf.exp(load<f32>(at) - mNew);
          store<f32>(at, p);
          l += p;
        }
        accumulate(acc, v + <usize>j0 * row, scores, count, d);
        store<f32>(ms + r, mNew);
        store<f32>(ls + r, l);
      }
    }
    // FlashAttention-2: divide by ℓ once, at the end.
    for (let i = i0; i < i1; i++) scaleRow(o + <usize>i * row, 1 / load<f32>(ls + ((<usize>(i - i0)) << 2)), d);
  }
}
