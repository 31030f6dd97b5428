/**
 * Lesson 17 checks: TTT-Linear with b = 1 against the registry's delta rule with β = η (an exact
 * identity), mini-batch TTT (b > 1, T = 1 and T not a multiple of b) against this lesson's float64
 * reference and away from b = 1, the ONNX dual form on WASM, and the inner loss on a task the inner
 * model can learn exactly: it falls wherever η·λ_max(K_bᵀK_b) ≤ 2 for every mini-batch, and stalls
 * where every mini-batch has η·λ_max > 2. The sweep times TTT over N, then plots time against b and
 * the inner loss against the token index.
 */
import type { Tensor } from 'lab';
import { cases, check, ensure, expectClose, expectTensor, fail, learner, matches, messages } from '$lib/lessons/kit';
import { type LessonContext, type LessonHarness, bytesOf } from '$lib/lessons/types';
import { B, D, memory } from './memory';
import { deltaReference, tttReference } from './reference';
import { weightUpdates } from './structure';
import { innerTask, inputs, losses, mean, stepSizes } from './task';

type Ttt = (q: Tensor, k: Tensor, v: Tensor, eta: Tensor, b: number) => Promise<Tensor>;

const m = messages('17-ttt', {
  'read-before-step':
    'Your z_t equals W_{t−1}ᵀ q_t: the weights before token t’s own gradient step. TTT reads the model after the step, z_t = W_tᵀ q_t.',
  'per-token':
    'Your output equals b = 1: you update W after every token. Mini-batch TTT takes all {b} gradients of a batch at the batch-start W₀.',
  zeros:
    'Every output is 0: the mini-batch step is not written yet (the gradients at W₀, the outputs through the in-batch scores, one update of W per batch).',
  'own-step': 'Token t must read W after its own step: the sum over s runs to s = t, included.',
  'last-batch': 'Only the last, shorter mini-batch ({tokens} tokens) is wrong.',
  'loss-summary': 'b = {b}: η·λ_max ∈ [{min}, {max}], loss {first} → {last}',
  'should-fall':
    '{summary}: every step is a contraction here, so the loss should fall at least 100×. Check the gradient g_s = η_s (W₀ᵀ k_s − v_s) and the update W ← W₀ − Σ k_s g_sᵀ.',
  'should-stall':
    '{summary}: every mini-batch overshoots along its top direction (η·λ_max > 2), yet the loss fell. Are the gradients really all taken at W₀?',
  'b1-ok': 'equals delta_rule with β = η for T = {cases} (max |Δ| = {worst}: float32 rounding; the identity is exact)',
  'minibatch-ok':
    'matches for {batches} (T = 1 and T not a multiple of b among them). Stale gradients move the outputs away from b = 1 (max |Δ|: {gaps})',
  'graph-ok': 'matches for {cases}',
  'no-graph':
    'tttGraph(…, {b}) ran no ONNX graph at T = {T}: that is the token loop handed in. The dual form runs each mini-batch as matmuls and updates W once per batch.',
  'update-per-token':
    'tttGraph(…, {b}) updated W {updates} times for the {batches} mini-batches of T = {T}: one update per mini-batch. Forming every W_t inside the batch (the primal form, or steps of b = 1) takes T sequential steps, which is what the dual form avoids.',
  'structure-ok': 'T = {T}, b = {b}: {updates} updates of W for {batches} mini-batches',
  'loss-ok': '{report}'
});

const SIGNATURE = 'ttt(q, k, v, eta, b): Promise<Tensor>';
const GRAPH_SIGNATURE = 'tttGraph(q, k, v, eta, b): Promise<Tensor>';
const TOLERANCE = { atol: 1e-4, rtol: 1e-4 }; // float32 over T ≤ 300 steps (SYLLABUS §3.12, §5)
const fmt = (x: number) => (x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(1) : x.toPrecision(3));

const zeros = (t: Tensor) => t.data.every((x) => x === 0);

const tttFn = (ctx: LessonContext) => learner<Ttt>(ctx, 'ttt', SIGNATURE);

/** Own cases (n = T); `cases` adds T = 1 and T not a multiple of b (or of 16) when a list lacks them. */
const IDENTITY_CASES = cases(
  [
    { n: 1, dk: 4, dv: 4, seed: 100 },
    { n: 33, dk: 16, dv: 8, seed: 110 },
    { n: 130, dk: 32, dv: 48, seed: 120 },
    { n: 300, dk: 64, dv: 64, seed: 130 }
  ],
  { block: 16, make: (n) => ({ n, dk: 8, dv: 8, seed: 190 }) }
).sort((x, y) => Number(x.n === 1) - Number(y.n === 1)); // T = 1 last: there, reading W₀ = 0 before the step gives zeros
const BATCH_CASES = cases(
  [
    { n: 50, dk: 16, dv: 8, b: 2, seed: 200 },
    { n: 50, dk: 16, dv: 16, b: 4, seed: 210 },
    { n: 100, dk: 32, dv: 32, b: 16, seed: 220 },
    { n: 150, dk: 64, dv: 32, b: 64, seed: 230 }
  ],
  { block: 4, make: (n) => ({ n, dk: 8, dv: 8, b: 4, seed: 290 }) }
).sort((x, y) => Number(x.n === 1) - Number(y.n === 1)); // T = 1 last: the longer cases give the more telling hints
const GRAPH_CASES = cases(
  [
    { n: 40, dk: 16, dv: 8, b: 1, seed: 400 },
    { n: 100, dk: 32, dv: 32, b: 16, seed: 410 }
  ],
  { block: 16, make: (n) => ({ n, dk: 8, dv: 8, b: 16, seed: 490 }) }
);
const LOSS = { T: 512, d: 16, eta: 0.4, batches: [1, 4, 16, 64] };

export const harness: LessonHarness = {
  checks: [
    check({
      id: 'b1-is-delta',
      title: 'TTT-Linear with b = 1 equals DeltaNet with β = η (the registry’s delta_rule)',
      async run(ctx) {
        const ttt = tttFn(ctx);
        const { lab } = ctx;
        let worst = 0;
        for (const { n: T, dk, dv, seed } of IDENTITY_CASES) {
          const { q, k, v, eta } = inputs(ctx, T, dk, dv, seed);
          const want = deltaReference(q, k, v, eta);
          const where = `T = ${T}, d_k = ${dk}, d_v = ${dv}`;
          const z = expectClose(lab, await ttt(q, k, v, eta, 1), want, TOLERANCE, where, 'ttt(…, 1)', (t) =>
            zeros(t)
              ? m('zeros')
              : matches(lab, t, tttReference(q, k, v, eta, 1, false), TOLERANCE)
                ? m('read-before-step')
                : null
          );
          worst = Math.max(worst, lab.tensors.compare(z, want).maxAbsError);
        }
        return m('b1-ok', { cases: IDENTITY_CASES.map((c) => c.n).join(', '), worst: fmt(worst) });
      }
    }),
    check({
      id: 'minibatch',
      title: 'Mini-batch TTT (b > 1) matches the float64 reference and differs from b = 1',
      async run(ctx) {
        const ttt = tttFn(ctx);
        const { lab } = ctx;
        const gaps: string[] = [];
        for (const { n: T, dk, dv, b, seed } of BATCH_CASES) {
          const { q, k, v, eta } = inputs(ctx, T, dk, dv, seed);
          const perToken = deltaReference(q, k, v, eta);
          const where = `T = ${T}, b = ${b}, d_k = ${dk}, d_v = ${dv}`;
          const want = tttReference(q, k, v, eta, b);
          const z = expectClose(lab, await ttt(q, k, v, eta, b), want, TOLERANCE, where, `ttt(…, ${b})`, (t, c) => {
            if (zeros(t)) return m('zeros');
            if (matches(lab, t, perToken, TOLERANCE)) return m('per-token', { b });
            if (matches(lab, t, tttReference(q, k, v, eta, b, false), TOLERANCE)) return m('own-step');
            const lastStart = T - (T % b);
            return T > b && T % b !== 0 && Math.floor(c.firstMismatch / dv) >= lastStart
              ? m('last-batch', { tokens: T % b })
              : null;
          });
          if (T > 1) gaps.push(`b = ${b} → ${fmt(lab.tensors.compare(z, perToken).maxAbsError)}`);
        }
        const batches = BATCH_CASES.map((c) => `T = ${c.n}, b = ${c.b}`).join('; ');
        return m('minibatch-ok', { batches, gaps: gaps.join(', ') });
      }
    }),
    check({
      id: 'graph',
      title: 'The ONNX dual form (graph.ts) matches the reference',
      backends: ['wasm'],
      async run(ctx) {
        const tttGraph = learner<Ttt>(ctx, 'tttGraph', GRAPH_SIGNATURE);
        for (const { n: T, dk, dv, b, seed } of GRAPH_CASES) {
          const { q, k, v, eta } = inputs(ctx, T, dk, dv, seed);
          const z = await tttGraph(q, k, v, eta, b);
          const want = tttReference(q, k, v, eta, b);
          expectClose(ctx.lab, z, want, TOLERANCE, `T = ${T}, b = ${b}`, `tttGraph(…, ${b})`, (t) =>
            zeros(t)
              ? m('zeros')
              : b > 1 && matches(ctx.lab, t, deltaReference(q, k, v, eta), TOLERANCE)
                ? m('per-token', { b })
                : null
          );
        }
        return m('graph-ok', { cases: GRAPH_CASES.map((c) => `T = ${c.n}, b = ${c.b}`).join('; ') });
      }
    }),
    check({
      id: 'one-update-per-batch',
      title: 'The dual form updates W once per mini-batch, never per token',
      backends: ['wasm'],
      async run(ctx) {
        const tttGraph = learner<Ttt>(ctx, 'tttGraph', GRAPH_SIGNATURE);
        // b, d_k and d_v all differ, so that the d_k×d_v updates of W are the only values of their shape.
        const { T, dk, dv, b } = { T: 100, dk: 8, dv: 12, b: 16 };
        const { q, k, v, eta } = inputs(ctx, T, dk, dv, 500);
        const { record } = await ctx.probe(() => tttGraph(q, k, v, eta, b));
        const batches = Math.ceil(T / b);
        ensure(record.graphs.length > 0, () => m('no-graph', { b, T }));
        const updates = weightUpdates(record, dk, dv);
        ensure(updates <= batches, () => m('update-per-token', { b, T, updates, batches }));
        return m('structure-ok', { T, b, updates, batches });
      }
    }),
    check({
      id: 'inner-loss',
      title: 'The inner loss falls when η·λ_max(K_bᵀK_b) ≤ 2, and stalls when every batch is past 2',
      async run(ctx) {
        const ttt = tttFn(ctx);
        const task = innerTask(ctx, LOSS.T, LOSS.d, LOSS.eta);
        const report: string[] = [];
        for (const b of LOSS.batches) {
          const z = await ttt(task.q, task.k, task.v, task.eta, b);
          const curve = losses(expectTensor(z, [LOSS.T, LOSS.d], `ttt(…, ${b})`), task.next);
          // First 16 tokens against the last 64: a fall of 100× or more counts as converging.
          const [first, last] = [mean(curve.slice(0, 16)), mean(curve.slice(-64))];
          const ratio = Number.isFinite(last) ? first / last : 0;
          const rho = stepSizes(task.k, b, LOSS.eta);
          const summary = m('loss-summary', {
            b,
            min: rho.min.toFixed(2),
            max: rho.max.toFixed(2),
            first: fmt(first),
            last: fmt(last)
          }).text;
          report.push(summary);
          if (rho.max <= 2 && !(ratio >= 100)) fail(m('should-fall', { summary }));
          if (rho.min > 2 && ratio >= 100) fail(m('should-stall', { summary }));
        }
        return m('loss-ok', { report: report.join('; ') });
      }
    })
  ],
  async sweep(ctx, n) {
    const ttt = tttFn(ctx);
    const tttGraph = learner<Ttt>(ctx, 'tttGraph', GRAPH_SIGNATURE);
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
