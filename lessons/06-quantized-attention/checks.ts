/**
 * Lesson 06 checks: the learner's per-block quantize–dequantize against the float64 reference
 * (several shapes and bit widths, N = 1, N not a multiple of the block, a block of zeros), their K
 * smoothing (the mean key over tokens) and its invariance for exact attention, and the error of
 * INT8 attention with and without smoothing on a seeded K with channel-wise outliers. The learner
 * writes the quantization (quantizeQK); the attention on their dequantized Q̂ and K̂ is lesson 01's
 * naive attention (src/lib/baselines). The sweep times INT8 + smoothing over N; two plots show
 * error vs bits and the bytes of Q and K vs N.
 */
import type { Tensor } from 'lab';
import { naiveAttention } from '$lib/baselines/naive-attention';
import {
  type Message,
  cases,
  check,
  expectClose,
  expectTensor,
  fail,
  learner,
  listN,
  messages,
  hinted
} from '$lib/lessons/kit';
import { type Lab, type LessonContext, type LessonHarness, bytesOf } from '$lib/lessons/types';
import { BLOCK, D, memory, qkBytes } from './memory';
import { attention, error, fakeQuant, smoothK as refSmoothK } from './reference';

interface QuantOptions {
  bits?: number;
  smooth: boolean;
  block?: number;
}
type Quantize = (x: Tensor, bits: number, block?: number) => Promise<Tensor>;
type SmoothK = (k: Tensor) => Tensor;
type QuantizeQK = (q: Tensor, k: Tensor, opts: QuantOptions) => Promise<{ q: Tensor; k: Tensor }>;

const m = messages('06-quantized-attention', {
  nan: '{where}: the output has NaN. A block of zeros has δ = 0: it must dequantize to zeros, not 0/0.',
  'quant-wrong': '{where}: row {row}, column {col} (block {block}, δ = {delta}): got {got}, expected {want} (x = {x}).',
  'per-tensor':
    'Your output uses one δ for the whole tensor (per-tensor quantization): each block of {block} tokens needs its own δ = max|X_block| / (2^(b−1) − 1).',
  zeros: '{where}: quantize returned zeros: is TODO 2 still the starter?',
  truncated:
    'Your levels are rounded toward zero: an element between two integer levels takes the nearer one (round, not trunc or floor).',
  'quant-ok': 'matches for {cases} at 4, 6 and 8 bits, including a short last block and a block of zeros',
  'smooth-unchanged': 'smoothK returned K unchanged (TODO 1): subtract the mean key k̄ = (1/N) Σ_t k_t from every key.',
  'smooth-row-mean':
    'Each key now has mean 0 over its channels: you subtracted each key’s own mean. That shifts q·k_j by a different amount for every key j, which changes softmax. Subtract the mean over tokens: one vector k̄, the same for every key.',
  'not-exact':
    'quantizeQK(q, k, { smooth: {smooth} }) without bits, then attention, must be exact attention; N = {n}: {detail}.',
  'smooth-ok':
    'smoothK matches; with smoothed K, exact attention equals attention with K (N = 1, 37, 100; max |Δ| = {worst}): each score row drops by the same q_i·k̄.',
  'int8-ok': 'N = 256, d = 64, block 64: {smooth} against float64 attention',
  'int8-poor': 'N = 256, d = 64, block 64: {smooth} (needs cosine > 0.999). Without smoothing: {plain}.',
  'smoothing-changed-nothing': 'Smoothing changed nothing: is smoothK still TODO 1?',
  'no-smooth-worse':
    'without smoothing: {plain}; with: {smooth}. The outlier channels set δ, so the ordinary channels lose {ratio}× more.',
  'no-smooth-close':
    'without smoothing: {plain}; with: {smooth}, only {ratio}× better. Smoothing should remove the channel outliers before quantization (is smoothK still TODO 1?).'
});

const QUANTIZE_QK = 'quantizeQK(q, k, { bits, smooth, block }): Promise<{ q: Tensor; k: Tensor }>';

/** Attention on the learner's Q̂ and K̂: their quantizeQK, then lesson 01's naive causal attention. */
async function quantAttention(ctx: LessonContext, q: Tensor, k: Tensor, v: Tensor, opts: QuantOptions) {
  const quantizeQK = learner<QuantizeQK>(ctx, 'quantizeQK', QUANTIZE_QK);
  const qk = (await quantizeQK(q, k, opts)) as unknown;
  const parts = (typeof qk === 'object' && qk !== null ? qk : {}) as { q?: unknown; k?: unknown };
  const qHat = expectTensor(parts.q, q.shape, 'quantizeQK(…).q');
  const kHat = expectTensor(parts.k, k.shape, 'quantizeQK(…).k');
  return naiveAttention(ctx.lab, qHat, kHat, v);
}

/**
 * Keys with channel-wise outliers, as SageAttention observed in real models: a bias per channel
 * shared by every token, large (30 to 50 in magnitude) in every 16th channel, on top of N(0, 1).
 */
function outlierK(lab: Lab, n: number, d: number, seed: number): Tensor {
  const k = lab.tensors.randn([n, d], seed);
  const z = lab.tensors.randn([d], seed + 1).data;
  const bias = Array.from(z, (x, c) =>
    c % 16 === 3 ? (x < 0 ? -1 : 1) * (30 + 10 * Math.min(2, Math.abs(x))) : 0.5 * x
  );
  return lab.tensors.from(
    [n, d],
    k.data.map((x, i) => x + bias[i % d])
  );
}

function fixture(lab: Lab, n: number, d = D, seed = 1) {
  return {
    q: lab.tensors.randn([n, d], seed),
    k: outlierK(lab, n, d, seed + 10),
    v: lab.tensors.randn([n, d], seed + 20)
  };
}

/**
 * Learner's x̂ against the reference, element by element. float32 and float64 may round an exact
 * tie (x/δ = k + ½) differently: one level off is allowed for at most 0.5% of the elements.
 */
function compareQuant(got: Tensor, x: Tensor, bits: number, block: number, where: string): Message | null {
  const want = fakeQuant(x, bits, block);
  const d = x.shape[1];
  let ties = 0;
  for (let i = 0; i < want.data.length; i++) {
    const delta = want.delta[Math.floor(i / d / block)];
    const diff = Math.abs(got.data[i] - want.data[i]);
    if (diff <= 1e-6 * (Math.abs(want.data[i]) + delta)) continue;
    if (Math.abs(diff - delta) <= 1e-3 * delta && ++ties <= Math.max(1, 0.005 * want.data.length)) continue;
    const [row, col] = [Math.floor(i / d), i % d];
    return m('quant-wrong', {
      where,
      row,
      col,
      block: Math.floor(row / block),
      delta: delta.toPrecision(4),
      got: got.data[i].toPrecision(6),
      want: want.data[i].toPrecision(6),
      x: x.data[i].toPrecision(6)
    });
  }
  return null;
}

/** Does `got` equal the reference's levels rounded toward zero (same per-block δ)? */
function truncated(got: Tensor, x: Tensor, bits: number, block: number): boolean {
  const { delta } = fakeQuant(x, bits, block);
  const d = x.shape[1];
  return got.data.every((g, i) => {
    const s = delta[Math.floor(i / d / block)];
    return Math.abs(g - (s > 0 ? Math.trunc(x.data[i] / s) * s : 0)) <= 1e-6 * (Math.abs(g) + s);
  });
}

/** quant.wgsl runs one workgroup per block: N = 1 and N not a multiple of the block are edge cases. */
const QUANT_CASES = cases(
  [
    { n: 1, d: 8, bits: 8, block: 64, outliers: false, zeroRows: 0 },
    { n: 100, d: 16, bits: 4, block: 32, outliers: false, zeroRows: 0 },
    { n: 64, d: 32, bits: 6, block: 16, outliers: false, zeroRows: 16 },
    { n: 130, d: 64, bits: 8, block: 64, outliers: true, zeroRows: 0 }
  ],
  { block: BLOCK, make: (n) => ({ n, d: 16, bits: 8, block: BLOCK, outliers: false, zeroRows: 0 }) }
);

const fmt = (e: { cos: number; rel: number }) => `cosine ${e.cos.toFixed(5)}, relative error ${e.rel.toExponential(2)}`;

/** INT8 attention error on the outlier fixture, with and without smoothing. */
async function int8Errors(ctx: LessonContext) {
  const { q, k, v } = fixture(ctx.lab, 256);
  const want = attention(q, k, v).data;
  const run = async (smooth: boolean) =>
    error((await quantAttention(ctx, q, k, v, { bits: 8, smooth, block: BLOCK })).data, want);
  return { smooth: await run(true), plain: await run(false) };
}

export const harness: LessonHarness = {
  checks: [
    check({
      id: 'quantize',
      title: 'Per-block quantize–dequantize matches the float64 reference',
      async run(ctx) {
        const quantize = learner<Quantize>(ctx, 'quantize', 'quantize(x, bits, block): Promise<Tensor>');
        for (const [i, c] of QUANT_CASES.entries()) {
          const raw = c.outliers ? outlierK(ctx.lab, c.n, c.d, 40 + i) : ctx.lab.tensors.randn([c.n, c.d], 40 + i);
          const x = ctx.lab.tensors.from(
            raw.shape,
            raw.data.map((v, j) => (j < c.zeroRows * c.d ? 0 : v))
          );
          const got = expectTensor(await quantize(x, c.bits, c.block), x.shape, 'quantize');
          const where = `N = ${c.n}, d = ${c.d}, ${c.bits} bits, block ${c.block}`;
          if (got.data.some((v) => Number.isNaN(v))) fail(m('nan', { where }));
          const bad = compareQuant(got, x, c.bits, c.block, where);
          if (!bad) continue;
          if (got.data.every((v) => v === 0) && x.data.some((v) => v !== 0)) fail(m('zeros', { where }));
          const perTensor = c.n > c.block && !compareQuant(got, x, c.bits, c.n, where);
          if (perTensor) fail(hinted(bad, m('per-tensor', { block: c.block })));
          fail(truncated(got, x, c.bits, c.block) ? hinted(bad, m('truncated')) : bad);
        }
        return m('quant-ok', { cases: listN(QUANT_CASES) });
      }
    }),
    check({
      id: 'smooth-invariance',
      title: 'Smoothing K (minus the mean key) leaves exact attention unchanged',
      async run(ctx) {
        const smoothK = learner<SmoothK>(ctx, 'smoothK', 'smoothK(k): Tensor');
        const { k } = fixture(ctx.lab, 100);
        const where = `smoothK, N = 100, d = ${D}`;
        expectClose(ctx.lab, smoothK(k), refSmoothK(k), { atol: 1e-4, rtol: 1e-4 }, where, 'smoothK', (s) => {
          if (s.data.every((x, i) => x === k.data[i])) return m('smooth-unchanged');
          const rowMean = (t: number) => s.data.slice(t * D, (t + 1) * D).reduce((a, b) => a + b, 0) / D;
          return Array.from({ length: 100 }, (_, t) => rowMean(t)).every((x) => Math.abs(x) < 1e-3)
            ? m('smooth-row-mean')
            : null;
        });
        let worst = 0;
        for (const n of [1, 37, 100]) {
          const { q, k: kn, v } = fixture(ctx.lab, n, D, n);
          const exact = attention(q, kn, v);
          for (const smooth of [true, false]) {
            const o = expectTensor(await quantAttention(ctx, q, kn, v, { smooth }), q.shape, 'attention');
            const c = ctx.lab.tensors.compare(o, exact, { atol: 1e-5, rtol: 1e-4 });
            if (!c.ok) fail(m('not-exact', { smooth: String(smooth), n, detail: c.message }));
            if (smooth) worst = Math.max(worst, c.maxAbsError);
          }
        }
        return m('smooth-ok', { worst: worst.toExponential(1) });
      }
    }),
    check({
      id: 'int8-smooth',
      title: 'INT8 Q, K with smoothing: cosine similarity > 0.999 on keys with channel outliers',
      async run(ctx) {
        const e = await int8Errors(ctx);
        if (e.smooth.cos > 0.999) return m('int8-ok', { smooth: fmt(e.smooth) });
        const poor = m('int8-poor', { smooth: fmt(e.smooth), plain: fmt(e.plain) });
        const same = Math.abs(e.smooth.rel - e.plain.rel) <= 1e-3 * e.plain.rel;
        fail(same ? hinted(poor, m('smoothing-changed-nothing')) : poor);
      }
    }),
    check({
      id: 'int8-no-smooth',
      title: 'Without smoothing, INT8 is measurably worse on the same input',
      async run(ctx) {
        const e = await int8Errors(ctx);
        const ratio = e.plain.rel / e.smooth.rel;
        const params = { plain: fmt(e.plain), smooth: fmt(e.smooth) };
        if (ratio >= 2) return m('no-smooth-worse', { ...params, ratio: ratio.toFixed(1) });
        fail(m('no-smooth-close', { ...params, ratio: ratio.toFixed(2) }));
      }
    })
  ],
  async sweep(ctx, n) {
    await plotErrorVsBits(ctx);
    plotBytes(ctx);
    await ctx.lab.sweep({
      label: 'INT8 Q, K + smoothing, simulated in f32 (your code)',
      n,
      setup: (size) => fixture(ctx.lab, size),
      run: ({ q, k, v }) => quantAttention(ctx, q, k, v, { bits: 8, smooth: true, block: BLOCK }),
      bytes: (size) => bytesOf(memory, size)
    });
  }
};

/** Relative error of the learner's attention vs bits, smoothing on and off (measured here, N = 256). */
async function plotErrorVsBits(ctx: LessonContext): Promise<void> {
  const { q, k, v } = fixture(ctx.lab, 256);
  const want = attention(q, k, v).data;
  const series = [
    { label: 'no smoothing', smooth: false, points: [] as [number, number][] },
    { label: 'smoothed K', smooth: true, points: [] as [number, number][] }
  ];
  for (const bits of [4, 5, 6, 7, 8]) {
    for (const s of series) {
      s.points.push([bits, error((await quantAttention(ctx, q, k, v, { bits, smooth: s.smooth })).data, want).rel]);
    }
  }
  ctx.lab.plot({
    id: 'error-vs-bits',
    title: 'Attention error vs bits of Q and K (your code, N = 256, K with channel outliers)',
    x: { label: 'bits per element of Q and K' },
    y: { label: '‖O − O_exact‖ / ‖O_exact‖', log: true },
    series: series.map(({ label, points }) => ({ label, points }))
  });
}

/** Bytes of Q and K at b bits (plus one f32 scale per block) vs f32, analytic. */
function plotBytes(ctx: LessonContext): void {
  const ns = Array.from({ length: 8 }, (_, i) => 1024 * 2 ** i);
  const curve = (label: string, bits: number) => ({
    label,
    dashed: true,
    points: ns.map((x) => [x, qkBytes(x, bits, bits < 16) / 2 ** 20] as [number, number])
  });
  ctx.lab.plot({
    id: 'qk-bytes',
    title: `Bytes of Q and K a kernel reads, d = ${D}, one head (analytic)`,
    x: { label: 'tokens N', log: true },
    y: { label: 'MiB', log: true },
    series: [
      curve('float32', 32),
      curve('FP16/BF16', 16),
      curve('INT8 + scales', 8),
      curve('INT6 + scales', 6),
      curve('INT4 + scales', 4)
    ]
  });
}
