/**
 * Lesson 17 checks: TTT-Linear with b = 1 against the registry's delta rule with β = η (an exact
 * identity), mini-batch TTT (b > 1, T not a multiple of b) against this lesson's float64 reference
 * and away from b = 1, the ONNX dual form on WASM, and the inner loss on a task the inner model
 * can learn exactly: it falls wherever η·λ_max(K_bᵀK_b) ≤ 2 for every mini-batch, and stalls where
 * every mini-batch has η·λ_max > 2. The sweep times TTT over N, then plots time against b and the
 * inner loss against the token index.
 */
import type { Tensor } from 'lab';
import { uniform } from '$lib/kernels';
import { CheckFailure, isTensor, learnerFunction, outcome } from '$lib/lessons/check-helpers';
import { type LessonContext, type LessonHarness, bytesOf } from '$lib/lessons/types';
import { B, D, memory } from './memory';
import { deltaReference, tttReference } from './reference';

type Ttt = (q: Tensor, k: Tensor, v: Tensor, eta: Tensor, b: number) => Promise<Tensor>;

const TOLERANCE = { atol: 1e-4, rtol: 1e-4 }; // float32 over T ≤ 300 steps (SYLLABUS §3.12, §5)
const fmt = (x: number) => (x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(1) : x.toPrecision(3));

function unitRows(x: Float32Array, d: number): Float32Array {
  for (let r = 0; r < x.length / d; r++) {
    const row = x.subarray(r * d, (r + 1) * d);
    const norm = Math.hypot(...row);
    for (let i = 0; i < d; i++) row[i] /= norm;
  }
  return x;
}

/** Random inputs: unit keys, inner learning rates η ∈ (0.05, 0.95). */
function inputs(ctx: LessonContext, T: number, dk: number, dv: number, seed: number) {
  const { tensors } = ctx.lab;
  return {
    q: tensors.randn([T, dk], seed),
    k: tensors.from([T, dk], unitRows(tensors.randn([T, dk], seed + 1).data, dk)),
    v: tensors.randn([T, dv], seed + 2),
    eta: tensors.from([T], uniform([T], seed + 3, 0.05, 0.95).data)
  };
}

function expectTensor(o: unknown, T: number, dv: number, what: string): Tensor {
  if (!isTensor(o))
    throw new CheckFailure(`${what} must return a Tensor { shape, data: Float32Array }, got ${String(o)}`);
  if (o.shape.length !== 2 || o.shape[0] !== T || o.shape[1] !== dv) {
    throw new CheckFailure(`${what}: expected shape [T, dv] = [${T}, ${dv}], got [${o.shape.join(', ')}]`);
  }
  return o;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * The inner task: v = Aᵀk for a fixed random A (d×d), so a linear W can fit it exactly. Query t
 * is the NEXT key, so z_t = W_tᵀ k_{t+1} predicts v_{t+1} before the model has seen that token:
 * ℓ_t = ½‖z_t − v_{t+1}‖² is the online (held-out) inner loss.
 */
export function innerTask(ctx: LessonContext, T: number, d: number, eta: number) {
  const { tensors } = ctx.lab;
  const keys = unitRows(tensors.randn([T + 1, d], 7).data, d);
  const A = tensors.randn([d, d], 8).data.map((x) => x / Math.sqrt(d));
  const values = new Float32Array((T + 1) * d);
  for (let t = 0; t <= T; t++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += A[i * d + j] * keys[t * d + i];
      values[t * d + j] = s;
    }
  }
  return {
    q: tensors.from([T, d], keys.subarray(d)),
    k: tensors.from([T, d], keys.subarray(0, T * d)),
    v: tensors.from([T, d], values.subarray(0, T * d)),
    eta: tensors.from([T], new Float32Array(T).fill(eta)),
    next: values.subarray(d)
  };
}

export function losses(z: Tensor, next: Float32Array): number[] {
  const d = z.shape[1];
  return Array.from({ length: z.shape[0] }, (_, t) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += (z.data[t * d + j] - next[t * d + j]) ** 2;
    return s / 2;
  });
}

/** η·λ_max(K_bᵀK_b) over the full mini-batches: min and max (power iteration, float64). */
function stepSizes(k: Tensor, b: number, eta: number): { min: number; max: number } {
  const [T, d] = k.shape;
  let [min, max] = [Infinity, 0];
  for (let start = 0; start + b <= T; start += b) {
    let x = new Float64Array(d).fill(1);
    let lambda = 0;
    for (let it = 0; it < 100; it++) {
      const y = new Float64Array(d);
      for (let s = start; s < start + b; s++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += k.data[s * d + i] * x[i];
        for (let i = 0; i < d; i++) y[i] += dot * k.data[s * d + i];
      }
      lambda = Math.hypot(...y);
      x = y.map((e) => e / lambda);
    }
    [min, max] = [Math.min(min, eta * lambda), Math.max(max, eta * lambda)];
  }
  return { min, max };
}

const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;

const IDENTITY_CASES = [
  { T: 1, dk: 4, dv: 4 },
  { T: 33, dk: 16, dv: 8 },
  { T: 130, dk: 32, dv: 48 },
  { T: 300, dk: 64, dv: 64 }
];
const BATCH_CASES = [
  { T: 50, dk: 16, dv: 8, b: 2 },
  { T: 50, dk: 16, dv: 16, b: 4 },
  { T: 100, dk: 32, dv: 32, b: 16 },
  { T: 150, dk: 64, dv: 32, b: 64 }
];
const LOSS = { T: 512, d: 16, eta: 0.4, batches: [1, 4, 16, 64] };

export const harness: LessonHarness = {
  checks: [
    {
      id: 'b1-is-delta',
      title: 'TTT-Linear with b = 1 equals DeltaNet with β = η (the registry’s delta_rule)',
      run: (ctx) =>
        outcome(async () => {
          const ttt = learnerFunction<Ttt>(ctx, 'ttt', 'ttt(q, k, v, eta, b): Promise<Tensor>');
          let worst = 0;
          for (const [n, { T, dk, dv }] of IDENTITY_CASES.entries()) {
            const { q, k, v, eta } = inputs(ctx, T, dk, dv, 100 + 10 * n);
            const z = expectTensor(await ttt(q, k, v, eta, 1), T, dv, 'ttt(…, 1)');
            const c = ctx.lab.tensors.compare(z, deltaReference(q, k, v, eta), TOLERANCE);
            worst = Math.max(worst, c.maxAbsError);
            if (c.ok) continue;
            const before = ctx.lab.tensors.compare(z, tttReference(q, k, v, eta, 1, false), TOLERANCE).ok;
            const hint = before
              ? ' Your z_t equals W_{t−1}ᵀ q_t: the weights before token t’s own gradient step. TTT reads the model after the step, z_t = W_tᵀ q_t.'
              : '';
            return { pass: false, message: `T = ${T}, d_k = ${dk}, d_v = ${dv}: ${c.message}.${hint}` };
          }
          return {
            pass: true,
            message: `equals delta_rule with β = η for T = ${IDENTITY_CASES.map((c) => c.T).join(', ')} (max |Δ| = ${fmt(worst)}: float32 rounding; the identity is exact)`
          };
        })
    },
    {
      id: 'minibatch',
      title: 'Mini-batch TTT (b > 1) matches the float64 reference and differs from b = 1',
      run: (ctx) =>
        outcome(async () => {
          const ttt = learnerFunction<Ttt>(ctx, 'ttt', 'ttt(q, k, v, eta, b): Promise<Tensor>');
          const gaps: string[] = [];
          for (const [n, { T, dk, dv, b }] of BATCH_CASES.entries()) {
            const { q, k, v, eta } = inputs(ctx, T, dk, dv, 200 + 10 * n);
            const z = expectTensor(await ttt(q, k, v, eta, b), T, dv, `ttt(…, ${b})`);
            const want = tttReference(q, k, v, eta, b);
            const perToken = deltaReference(q, k, v, eta);
            const c = ctx.lab.tensors.compare(z, want, TOLERANCE);
            if (!c.ok) {
              const { tensors } = ctx.lab;
              let hint = '';
              if (tensors.compare(z, perToken, TOLERANCE).ok) {
                hint = ` Your output equals b = 1: you update W after every token. Mini-batch TTT takes all ${b} gradients of a batch at the batch-start W₀.`;
              } else if (tensors.compare(z, tttReference(q, k, v, eta, b, false), TOLERANCE).ok) {
                hint = ' Token t must read W after its own step: the sum over s runs to s = t, included.';
              } else if (Math.floor(c.firstMismatch / dv) >= T - (T % b) && T % b !== 0) {
                hint = ` Only the last, shorter mini-batch (${T % b} tokens) is wrong.`;
              }
              return { pass: false, message: `T = ${T}, b = ${b}, d_k = ${dk}, d_v = ${dv}: ${c.message}.${hint}` };
            }
            gaps.push(`b = ${b} → ${fmt(maxDiff(want.data, perToken.data))}`);
          }
          return {
            pass: true,
            message: `matches for b = ${BATCH_CASES.map((c) => c.b).join(', ')} (T not a multiple of b). Stale gradients move the outputs away from b = 1 (max |Δ|: ${gaps.join(', ')})`
          };
        })
    },
    {
      id: 'graph',
      title: 'The ONNX dual form (graph.ts) matches the reference',
      backends: ['wasm'],
      run: (ctx) =>
        outcome(async () => {
          const tttGraph = learnerFunction<Ttt>(ctx, 'tttGraph', 'tttGraph(q, k, v, eta, b): Promise<Tensor>');
          for (const [n, { T, dk, dv, b }] of [
            { T: 40, dk: 16, dv: 8, b: 1 },
            { T: 100, dk: 32, dv: 32, b: 16 }
          ].entries()) {
            const { q, k, v, eta } = inputs(ctx, T, dk, dv, 400 + 10 * n);
            const z = expectTensor(await tttGraph(q, k, v, eta, b), T, dv, `tttGraph(…, ${b})`);
            const c = ctx.lab.tensors.compare(z, tttReference(q, k, v, eta, b), TOLERANCE);
            if (!c.ok) return { pass: false, message: `T = ${T}, b = ${b}: ${c.message}` };
          }
          return { pass: true, message: 'matches for b = 1 and b = 16' };
        })
    },
    {
      id: 'inner-loss',
      title: 'The inner loss falls when η·λ_max(K_bᵀK_b) ≤ 2, and stalls when every batch is past 2',
      run: (ctx) =>
        outcome(async () => {
          const ttt = learnerFunction<Ttt>(ctx, 'ttt', 'ttt(q, k, v, eta, b): Promise<Tensor>');
          const task = innerTask(ctx, LOSS.T, LOSS.d, LOSS.eta);
          const report: string[] = [];
          for (const b of LOSS.batches) {
            const curve = losses(
              expectTensor(await ttt(task.q, task.k, task.v, task.eta, b), LOSS.T, LOSS.d, `ttt(…, ${b})`),
              task.next
            );
            // First 16 tokens against the last 64: a fall of 100× or more counts as converging.
            const [first, last] = [mean(curve.slice(0, 16)), mean(curve.slice(-64))];
            const ratio = Number.isFinite(last) ? first / last : 0;
            const rho = stepSizes(task.k, b, LOSS.eta);
            const summary = `b = ${b}: η·λ_max ∈ [${rho.min.toFixed(2)}, ${rho.max.toFixed(2)}], loss ${fmt(first)} → ${fmt(last)}`;
            report.push(summary);
            if (rho.max <= 2 && !(ratio >= 100)) {
              return {
                pass: false,
                message: `${summary}: every step is a contraction here, so the loss should fall at least 100×. Check the gradient g_s = η_s (W₀ᵀ k_s − v_s) and the update W ← W₀ − Σ k_s g_sᵀ.`
              };
            }
            if (rho.min > 2 && ratio >= 100) {
              return {
                pass: false,
                message: `${summary}: every mini-batch overshoots along its top direction (η·λ_max > 2), yet the loss fell. Are the gradients really all taken at W₀?`
              };
            }
          }
          return { pass: true, message: report.join('; ') };
        })
    }
  ],
  async sweep(ctx, n) {
    const ttt = learnerFunction<Ttt>(ctx, 'ttt', 'ttt(q, k, v, eta, b): Promise<Tensor>');
    const tttGraph = learnerFunction<Ttt>(ctx, 'tttGraph', 'tttGraph(q, k, v, eta, b): Promise<Tensor>');
    const setup = (size: number) => inputs(ctx, size, D, D, 1);
    const bytes = (size: number) => bytesOf(memory, size);
    if (ctx.backend === 'webgpu') {
      await ctx.lab.sweep({
        label: `b = ${B}: your WGSL kernel`,
        n,
        setup,
        run: (x) => ttt(x.q, x.k, x.v, x.eta, B),
        bytes
      });
    } else {
      await ctx.lab.sweep({
        label: `b = ${B}: the dual form as ONNX graphs`,
        n,
        setup,
        run: (x) => tttGraph(x.q, x.k, x.v, x.eta, B),
        bytes
      });
    }
    await batchPlot(ctx, ttt);
    await lossPlot(ctx, ttt);
  }
};

/** Time against b at fixed T: fewer sequential steps, more work per step. */
async function batchPlot(ctx: LessonContext, ttt: Ttt) {
  const T = 512;
  const sizes = [1, 2, 4, 8, 16, 32, 64];
  const x = inputs(ctx, T, D, D, 1);
  const measured: [number, number][] = [];
  // On WASM the first calls also pay for JavaScript's compiler tiers: warm up longer there.
  const warmup = ctx.backend === 'wasm' ? 3 : 1;
  for (const b of sizes) {
    const t = await ctx.lab.time(() => ttt(x.q, x.k, x.v, x.eta, b), { warmup, repeats: 3 });
    measured.push([b, t.medianMs]);
  }
  // Analytic shapes, anchored at the measured b = 1 point. Work per token: 3·d_k·d_v for the
  // gradient, output and update, plus ≈ (b + 1)/2 in-batch scores of d_k + d_v each.
  // Sequential depth of ttt.wgsl per mini-batch: ≈ 2·d_k + 2·b operations, T/b times.
  const work = (b: number) => 3 * D * D + ((b + 1) / 2) * (2 * D);
  const depth = (b: number) => (T / b) * (2 * D + 2 * b);
  const base = measured[0][1];
  ctx.lab.plot({
    id: 'time-vs-b',
    title: `Time against the mini-batch size b, T = ${T}, d = ${D} (${ctx.backend === 'webgpu' ? 'ttt.wgsl' : 'TypeScript'})`,
    x: { label: 'mini-batch size b', log: true },
    y: { label: 'time (ms, median)', log: true },
    series: [
      { label: `measured: your ttt on ${ctx.backend}`, points: measured },
      {
        label: 'if time ∝ total work (one core)',
        points: sizes.map((b) => [b, (base * work(b)) / work(1)]),
        dashed: true
      },
      {
        label: 'if time ∝ sequential depth (an ideal wide GPU)',
        points: sizes.map((b) => [b, (base * depth(b)) / depth(1)]),
        dashed: true
      }
    ]
  });
}

/** The inner loss of the check's learnable task, smoothed over 16-token windows. */
async function lossPlot(ctx: LessonContext, ttt: Ttt) {
  const task = innerTask(ctx, LOSS.T, LOSS.d, LOSS.eta);
  const series = [];
  for (const b of LOSS.batches) {
    const curve = losses(await ttt(task.q, task.k, task.v, task.eta, b), task.next);
    const points: [number, number][] = [];
    for (let t = 0; t + 16 <= curve.length; t += 16)
      points.push([t + 8, Math.log10(Math.max(mean(curve.slice(t, t + 16)), 1e-30))]);
    series.push({ label: `b = ${b}`, points });
  }
  ctx.lab.plot({
    id: 'inner-loss',
    title: `Inner loss ½‖W_tᵀk_{t+1} − v_{t+1}‖² on a learnable task (d = ${LOSS.d}, η = ${LOSS.eta})`,
    x: { label: 'token t' },
    y: { label: 'log₁₀ loss (mean of 16 tokens)' },
    series
  });
}
