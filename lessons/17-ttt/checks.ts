/**
 * Lesson 17 checks: TTT-Linear with b = 1 against the registry's delta rule with β = η (an exact
 * identity), mini-batch TTT (b > 1, T = 1 and T not a multiple of b) against this lesson's float64
 * reference and away from b = 1, the ONNX dual form on WASM, and the inner loss on a task the inner
 * model can learn exactly: it falls wherever η·λ_max(K_bᵀK_b) ≤ 2 for every mini-batch, and stalls
 * where every mini-batch has η·λ_max > 2; Titans' momentum and forgetting against this lesson's
 * float64 reference, and its η = α = 0 case against the delta rule; on WebGPU, the kernel's
 * structure from the probes (dispatches and buffers that do not grow per token). The sweep times
 * TTT over N, then plots time against b, the inner loss against the token index, and the
 * sequential steps and dispatches (or graph runs) per call against N.
 */
import type { Tensor } from 'lab';
import { formatBytes } from '$lib/bench/format';
import {
  cases,
  check,
  dispatchCount,
  ensure,
  expectClose,
  expectTensor,
  fail,
  learner,
  matches,
  messages
} from '$lib/lessons/kit';
import { type LessonContext, type LessonHarness, bytesOf } from '$lib/lessons/types';
import { B, D, memory } from './memory';
import { deltaReference, titansReference, tttReference } from './reference';
import { stateBytes, weightUpdates } from './structure';
import { innerTask, inputs, losses, mean, stepSizes, titansRates, zerosOf } from './task';

type Ttt = (q: Tensor, k: Tensor, v: Tensor, eta: Tensor, b: number) => Promise<Tensor>;
type Titans = (q: Tensor, k: Tensor, v: Tensor, theta: Tensor, eta: Tensor, alpha: Tensor) => Tensor | Promise<Tensor>;

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
  'loss-ok': '{report}',
  'titans-zeros':
    'Every output is 0: the Titans step is not written yet (the surprise S, then the memory M, then z_t = M_tᵀ q_t).',
  'titans-no-momentum':
    'Your memory matches Titans without momentum (η_t ignored): S_t = η_t S_{t−1} − θ_t ∇ℓ carries a share η_t of the last surprise over.',
  'titans-no-forgetting':
    'Your memory matches Titans without forgetting (α_t ignored): M_t = (1 − α_t) M_{t−1} + S_t lets a share α_t of the old memory go.',
  'titans-read-before': 'Your z_t reads M_{t−1}, before token t’s step: Titans, like TTT, reads z_t = M_tᵀ q_t.',
  'reference-broken':
    'This lesson’s float64 Titans reference does not reduce to the delta rule at η = α = 0: the lesson is at fault, not your code.',
  'titans-ok': 'matches the float64 reference for T = {cases} (max |Δ| = {worst})',
  'titans-special-ok':
    'with η = α = 0, Titans is TTT-Linear with b = 1: equals delta_rule with β = θ for T = {cases} (max |Δ| = {worst})',
  'gpu-dispatches':
    'ttt.wgsl ran {dispatches} dispatches for T = {T}, b = {b}: more than one per mini-batch plus the scores pass ({most}). TTT with mini-batches takes T/b sequential steps, in one dispatch that loops over them or one dispatch per batch, never one per token.',
  'gpu-state-grows':
    'Beyond the inputs, the outputs and the T×b scores, your buffers hold {small} at T = {T1} and {large} at T = {T2}: a state that grows with N. TTT’s state is W, d_k × d_v = {w}, whatever N; keep one W (a column of it per workgroup), not one per token or per mini-batch.',
  'gpu-structure-ok':
    'T = {T1} → {T2} (b = {b}): {d1} → {d2} dispatches, and beyond the inputs, outputs and scores {small} → {large} of buffers: the state does not grow with N'
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
const TITANS_SIGNATURE = 'titans(q, k, v, theta, eta, alpha): Tensor';
const TITANS_CASES = cases(
  [
    { n: 1, dk: 4, dv: 4, seed: 700 },
    { n: 33, dk: 16, dv: 8, seed: 710 },
    { n: 200, dk: 32, dv: 24, seed: 720 }
  ],
  { block: 16, make: (n) => ({ n, dk: 8, dv: 8, seed: 790 }) }
).sort((x, y) => Number(x.n === 1) - Number(y.n === 1)); // T = 1 last: the longer cases give the more telling hints
/** The WebGPU structural probe: two lengths 8× apart; b, d_k and d_v as in the checks above. */
const GPU_SHAPE = { dk: 32, dv: 32, b: 16, T1: 64, T2: 512 };

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
      id: 'titans',
      title: 'Titans: momentum and forgetting match the float64 reference',
      async run(ctx) {
        const titans = learner<Titans>(ctx, 'titans', TITANS_SIGNATURE);
        const { lab } = ctx;
        let worst = 0;
        for (const { n: T, dk, dv, seed } of TITANS_CASES) {
          const { q, k, v } = inputs(ctx, T, dk, dv, seed);
          const { theta, eta, alpha } = titansRates(ctx, T, seed + 10);
          const want = titansReference(q, k, v, theta, eta, alpha);
          const where = `T = ${T}, d_k = ${dk}, d_v = ${dv}`;
          const got = expectTensor(await titans(q, k, v, theta, eta, alpha), [T, dv], `titans (${where})`);
          const near = (parts: Parameters<typeof titansReference>[6]) =>
            matches(lab, got, titansReference(q, k, v, theta, eta, alpha, parts), TOLERANCE);
          expectClose(lab, got, want, TOLERANCE, where, 'titans', (t) =>
            zeros(t)
              ? m('titans-zeros')
              : near({ momentum: false })
                ? m('titans-no-momentum')
                : near({ forgetting: false })
                  ? m('titans-no-forgetting')
                  : near({ ownStep: false })
                    ? m('titans-read-before')
                    : null
          );
          worst = Math.max(worst, lab.tensors.compare(got, want).maxAbsError);
        }
        return m('titans-ok', { cases: TITANS_CASES.map((c) => c.n).join(', '), worst: fmt(worst) });
      }
    }),
    check({
      id: 'titans-is-ttt',
      title: 'Titans with η = α = 0 is TTT-Linear with b = 1 (the delta rule with β = θ)',
      async run(ctx) {
        const titans = learner<Titans>(ctx, 'titans', TITANS_SIGNATURE);
        const { lab } = ctx;
        let worst = 0;
        for (const { n: T, dk, dv, seed } of TITANS_CASES) {
          const { q, k, v } = inputs(ctx, T, dk, dv, seed);
          const { theta } = titansRates(ctx, T, seed + 10);
          const none = zerosOf(ctx, T);
          const want = deltaReference(q, k, v, theta);
          // The reference reduces too: a check on the check, in float64.
          const ref = titansReference(q, k, v, theta, none, none);
          ensure(lab.tensors.compare(lab.tensors.from([T, dv], ref.data), want).maxAbsError < 1e-5, () =>
            m('reference-broken')
          );
          const where = `η = α = 0, T = ${T}, d_k = ${dk}, d_v = ${dv}`;
          const got = expectTensor(await titans(q, k, v, theta, none, none), [T, dv], `titans (${where})`);
          expectClose(lab, got, want, TOLERANCE, where, 'titans', (t) =>
            zeros(t)
              ? m('titans-zeros')
              : matches(lab, t, titansReference(q, k, v, theta, none, none, { ownStep: false }), TOLERANCE)
                ? m('titans-read-before')
                : null
          );
          worst = Math.max(worst, lab.tensors.compare(got, want).maxAbsError);
        }
        return m('titans-special-ok', { cases: TITANS_CASES.map((c) => c.n).join(', '), worst: fmt(worst) });
      }
    }),
    check({
      id: 'gpu-structure',
      title: 'The WebGPU kernel takes at most one dispatch per mini-batch and keeps a state that does not grow with N',
      backends: ['webgpu'],
      async run(ctx) {
        const ttt = tttFn(ctx);
        const { dk, dv, b, T1, T2 } = GPU_SHAPE;
        const probe = async (T: number) => {
          const { q, k, v, eta } = inputs(ctx, T, dk, dv, 600);
          const { record } = await ctx.probe(() => ttt(q, k, v, eta, b));
          return { dispatches: dispatchCount(record), state: stateBytes(record, T, dk, dv, b) };
        };
        const [small, large] = [await probe(T1), await probe(T2)];
        const most = 1 + Math.ceil(T2 / b);
        ensure(large.dispatches <= most, () => m('gpu-dispatches', { dispatches: large.dispatches, T: T2, b, most }));
        const params = {
          T1,
          T2,
          b,
          small: formatBytes(small.state),
          large: formatBytes(large.state),
          w: formatBytes(4 * dk * dv),
          d1: small.dispatches,
          d2: large.dispatches
        };
        // Growing by less than one W over an 8× longer sequence: nothing is kept per token or per batch.
        ensure(large.state - small.state < 4 * dk * dv, () => m('gpu-state-grows', params));
        return m('gpu-structure-ok', params);
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
    await depthPlot(ctx, ttt, tttGraph);
  }
};

/**
 * Sequential steps and dispatches per call against N, from the probes. WebGPU: the dispatches of
 * `ttt` (the scores pass and the one that loops over the N/b mini-batches). WASM: the graph runs of
 * `tttGraph` and its updates of W, one per mini-batch, i.e. its sequential steps. Beside them, the
 * N steps of per-token TTT (b = 1) and the N/b of mini-batches.
 */
async function depthPlot(ctx: LessonContext, ttt: Ttt, tttGraph: Ttt) {
  const lengths = [64, 256, 1024, 4096];
  const [dk, dv] = [8, 12]; // d_k ≠ d_v ≠ b, so that W's updates are the only values of their shape
  const calls: [number, number][] = [];
  const updates: [number, number][] = [];
  for (const N of lengths) {
    const { q, k, v, eta } = inputs(ctx, N, dk, dv, 800);
    const f = ctx.backend === 'webgpu' ? ttt : tttGraph;
    const { record } = await ctx.probe(() => f(q, k, v, eta, B));
    calls.push([N, dispatchCount(record) + record.graphs.length]);
    if (ctx.backend !== 'webgpu') updates.push([N, weightUpdates(record, dk, dv)]);
  }
  const series = [
    {
      label: 'per-token TTT (b = 1): N sequential steps',
      points: lengths.map((N) => [N, N] as [number, number]),
      dashed: true
    },
    {
      label: `mini-batch TTT (b = ${B}): N/b sequential steps`,
      points: lengths.map((N) => [N, Math.ceil(N / B)] as [number, number]),
      dashed: true
    },
    {
      label:
        ctx.backend === 'webgpu'
          ? 'your ttt.wgsl: dispatches per call (probed)'
          : 'tttGraph: graph runs per call (probed)',
      points: calls
    }
  ];
  if (updates.length) series.push({ label: 'tttGraph: updates of W per call (probed)', points: updates });
  ctx.lab.plot({
    id: 'sequential-depth',
    title: `Sequential steps and dispatches per call against N (b = ${B}, d_k = ${dk}, d_v = ${dv})`,
    x: { label: 'sequence length N', log: true },
    y: { label: 'count per call', log: true },
    series
  });
}

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
