/**
 * Lesson 01 on the simd backend: naive causal attention for one head in AssemblyScript, compiled to
 * WebAssembly with 128-bit SIMD (f32x4: four floats per instruction), one thread.
 * q, k, v and o are byte addresses of [n, d] float32 rows in this module's memory, and `scores` of
 * an [n, n] float32 matrix (main.ts puts them there); d is a multiple of 4. Like attention.wgsl,
 * it writes row i's scores to scores[i·n + j]: the N×N matrix lives in the module's memory.
 * Cost: 2·N(N + 1)·d useful FLOPs, the causal half of the matrix only.
 */

/** q_i · k_j over d floats, four lanes at a time, then the four lane sums added. */
function dot(a: usize, b: usize, d: i32): f32 {
  let acc = f32x4.splat(0);
  for (let c = 0; c < d; c += 4) {
    const at = (<usize>c) << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(a + at), v128.load(b + at)));
  }
  return (
    f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3)
  );
}

export function attention(q: usize, k: usize, v: usize, scores: usize, o: usize, n: i32, d: i32): void {
  const scale: f32 = 1 / Mathf.sqrt(<f32>d);
  const row = (<usize>d) << 2; // bytes per row of q, k, v and o
  for (let i = 0; i < n; i++) {
    const qi = q + <usize>i * row;
    const si = scores + ((<usize>i * <usize>n) << 2); // scores[i·n + j] at si + 4j
    const oi = o + <usize>i * row; // o starts at zero (main.ts allocates it)

    // 1. Scores s_ij = (q_i · k_j) / √d for the keys query i may see: j ≤ i (causal).
    let m: f32 = -Infinity;
    for (let j = 0; j <= i; j++) {
      const s = dot(qi, k + <usize>j * row, d) * scale;
      store<f32>(si + ((<usize>j) << 2), s);
      m = max(m, s);
    }

    // 2. Softmax over the row. Subtracting the row's max keeps exp from overflowing.
    let l: f32 = 0;
    for (let j = 0; j <= i; j++) {
      const at = si + ((<usize>j) << 2);
      const e = Mathf.exp(load<f32>(at) - m);
      store<f32>(at, e);
      l += e;
    }

    // 3. o_i = Σ_j p_ij v_j, with p_ij = e_ij / l: four columns of o_i per f32x4.
    for (let j = 0; j <= i; j++) {
      const p = f32x4.splat(load<f32>(si + ((<usize>j) << 2)));
      const vj = v + <usize>j * row;
      for (let c = 0; c < d; c += 4) {
        const at = (<usize>c) << 2;
        v128.store(oi + at, f32x4.add(v128.load(oi + at), f32x4.mul(p, v128.load(vj + at))));
      }
    }
    const inv = f32x4.splat(1 / l);
    for (let c = 0; c < d; c += 4) {
      const at = (<usize>c) << 2;
      v128.store(oi + at, f32x4.mul(v128.load(oi + at), inv));
    }
  }
}
