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

    // TODO 1. The scores of row i: query i against every key it may see, and none it may not
    //         (causal: no later token). Keep each at si + 4j (dot, times scale), and the largest
    //         of the row as you go: step 2 needs it.
    // TODO 2. Turn the row into softmax numerators in place, without letting exp overflow however
    //         large the scores are (Mathf.exp), and add them up: that sum normalises the row.
    // TODO 3. o_i (the d floats at oi, zero so far) is the average of the values v_j of the visible
    //         keys, weighted by the row's softmax: f32x4.splat a weight, then v128.load, f32x4.mul,
    //         f32x4.add and v128.store four columns at a time. Every row's weights sum to 1.
    // Until then every output stays 0.
  }
}
