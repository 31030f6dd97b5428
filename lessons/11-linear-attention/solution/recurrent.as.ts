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

    // Token t joins the memory first (its output sees s ≤ t): row i of S gains φ(k_t)_i · v_t,
    // and z_i gains φ(k_t)_i.
    for (let i = 0; i < dk; i++) {
      const ki = load<f32>(kt + ((<usize>i) << 2));
      const zi = z + ((<usize>i) << 2);
      store<f32>(zi, load<f32>(zi) + ki);
      const w = f32x4.splat(ki);
      const si = s + <usize>i * vrow;
      for (let c = 0; c < dv; c += 4) {
        const at = (<usize>c) << 2;
        v128.store(si + at, f32x4.add(v128.load(si + at), f32x4.mul(w, v128.load(vt + at))));
      }
    }

    // Then read it out: o_t = Σ_i φ(q_t)_i · (row i of S), and the denominator φ(q_t)·z.
    let den: f32 = 0;
    for (let i = 0; i < dk; i++) {
      const qi = load<f32>(qt + ((<usize>i) << 2));
      den += qi * load<f32>(z + ((<usize>i) << 2));
      const w = f32x4.splat(qi);
      const si = s + <usize>i * vrow;
      for (let c = 0; c < dv; c += 4) {
        const at = (<usize>c) << 2;
        v128.store(ot + at, f32x4.add(v128.load(ot + at), f32x4.mul(w, v128.load(si + at))));
      }
    }
    if (normalize) {
      const inv = f32x4.splat(1 / den);
      for (let c = 0; c < dv; c += 4) {
        const at = (<usize>c) << 2;
        v128.store(ot + at, f32x4.mul(v128.load(ot + at), inv));
      }
    }
  }
}
