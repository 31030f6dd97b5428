/**
 * Lesson 11 on the simd backend: the recurrent form of causal linear attention for one head in
 * AssemblyScript, compiled to WebAssembly with 128-bit SIMD (f32x4: four floats per instruction),
 * one thread. q and k are byte addresses of φ(Q) and φ(K), [n, dk] float32 rows; v and o of
 * [n, dv] rows; s of the state S, [dk, dv], and z of the normaliser, [dk], both zero on entry
 * (main.ts puts them all there); dv is a multiple of 4. Row i of S is dv floats: every update and
 * read of S goes four columns at a time.
 *   S_t = S_{t−1} + φ(k_t) v_tᵀ     z_t = z_{t−1} + φ(k_t)
 *   o_t = S_tᵀ φ(q_t)               (÷ φ(q_t)·z_t when normalize is 1)
 * Memory: S and z, dk·(dv + 1) floats, whatever n is. Work: about 4·n·dk·dv FLOPs.
 */
export function recurrent(
  q: usize,
  k: usize,
  v: usize,
  o: usize,
  n: i32,
  dk: i32,
  dv: i32,
  normalize: i32,
  s: usize,
  z: usize
): void {
  const krow = (<usize>dk) << 2; // bytes per row of φ(Q), φ(K)
  const vrow = (<usize>dv) << 2; // bytes per row of V, O and S
  for (let t = 0; t < n; t++) {
    const qt = q + <usize>t * krow;
    const kt = k + <usize>t * krow;
    const vt = v + <usize>t * vrow;
    const ot = o + <usize>t * vrow; // o starts at zero (main.ts allocates it)

    // TODO 1: token t joins the memory. After this step the dv floats of row i of S (at
    // s + i·4·dv) must hold the sum over s ≤ t of φ(k_s)_i · v_s, and z_i (at z + 4i) the sum of
    // the φ(k_s)_i. Token t counts in its own sum. Go four columns at a time: f32x4.splat the
    // weight, then v128.load, f32x4.mul, f32x4.add and v128.store.
    // TODO 2: read the memory out with φ(q_t) (the dk floats at qt): o_t, the dv floats at ot,
    // is the sum over s ≤ t of (φ(q_t)·φ(k_s)) v_s, computed from S alone, never from earlier
    // tokens. When normalize is 1, divide it by the sum of the same similarities, φ(q_t)·z.
    // Until then every output stays 0.
  }
}
