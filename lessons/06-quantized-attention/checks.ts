/**
 * Lesson 06 checks: the learner's per-block quantize–dequantize against the float64 reference
 * (several shapes and bit widths, N = 1, N not a multiple of the block, a block of zeros), their K
 * smoothing (the mean key over tokens) and its invariance for exact attention, and the error of
 * INT8 attention with and without smoothing on a seeded K with channel-wise outliers. The sweep
 * times INT8 + smoothing over N; two plots show error vs bits and the bytes of Q and K vs N.
 */
import type { Tensor } from 'lab';
import { CheckFailure, isTensor, learnerFunction, outcome } from '$lib/lessons/check-helpers';
import { type LessonContext, type LessonHarness, bytesOf } from '$lib/lessons/types';
import { BLOCK, D, memory, qkBytes } from './memory';
import { attention, error, fakeQuant, smoothK as refSmoothK } from './reference';

interface QuantOptions {
  bits?: number;
  smooth: boolean;
  block?: number;
}
type Quantize = (x: Tensor, bits: number, block?: number) => Promise<Tensor>;
type SmoothK = (k: Tensor) => Tensor;
type QuantAttention = (q: Tensor, k: Tensor, v: Tensor, opts: QuantOptions) => Promise<Tensor>;

const quantizeFn = (ctx: LessonContext) =>
  learnerFunction<Quantize>(ctx, 'quantize', 'quantize(x, bits, block): Promise<Tensor>');
const smoothFn = (ctx: LessonContext) => learnerFunction<SmoothK>(ctx, 'smoothK', 'smoothK(k): Tensor');
const attentionFn = (ctx: LessonContext) =>
  learnerFunction<QuantAttention>(
    ctx,
    'quantAttention',
    'quantAttention(q, k, v, { bits, smooth, block }): Promise<Tensor>'
  );

/**
 * Keys with channel-wise outliers, as SageAttention observed in real models: a bias per channel
 * shared by every token, large (30 to 50 in magnitude) in every 16th channel, on top of N(0, 1).
 */
function outlierK(ctx: LessonContext, n: number, d: number, seed: number): Tensor {
  const k = ctx.lab.tensors.randn([n, d], seed);
  const z = ctx.lab.tensors.randn([d], seed + 1).data;
  const bias = Array.from(z, (x, c) =>
    c % 16 === 3 ? (x < 0 ? -1 : 1) * (30 + 10 * Math.min(2, Math.abs(x))) : 0.5 * x
  );
  return ctx.lab.tensors.from(
    [n, d],
    k.data.map((x, i) => x + bias[i % d])
  );
}

function fixture(ctx: LessonContext, n: number, d = D, seed = 1) {
  const { randn } = ctx.lab.tensors;
  return { q: randn([n, d], seed), k: outlierK(ctx, n, d, seed + 10), v: randn([n, d], seed + 20) };
}

function expectTensor(name: string, t: unknown, shape: readonly number[]): asserts t is Tensor {
  if (!isTensor(t))
    throw new CheckFailure(`${name} must return a Tensor { shape, data: Float32Array }, got ${String(t)}`);
  if (t.shape.join() !== shape.join())
    throw new CheckFailure(`${name}: expected shape [${shape.join(', ')}], got [${t.shape.join(', ')}]`);
}

/**
 * Learner's x̂ against the reference, element by element. float32 and float64 may round an exact
 * tie (x/δ = k + ½) differently: one level off is allowed for at most 0.5% of the elements.
 */
function compareQuant(got: Tensor, x: Tensor, bits: number, block: number): string | null {
  const want = fakeQuant(x, bits, block);
  const d = x.shape[1];
  let ties = 0;
  for (let i = 0; i < want.data.length; i++) {
    const delta = want.delta[Math.floor(i / d / block)];
    const diff = Math.abs(got.data[i] - want.data[i]);
    if (diff <= 1e-6 * (Math.abs(want.data[i]) + delta)) continue;
    if (Math.abs(diff - delta) <= 1e-3 * delta && ++ties <= Math.max(1, 0.005 * want.data.length)) continue;
    const [r, c] = [Math.floor(i / d), i % d];
    return `row ${r}, column ${c} (block ${Math.floor(r / block)}, δ = ${delta.toPrecision(4)}): got ${got.data[i].toPrecision(6)}, expected ${want.data[i].toPrecision(6)} (x = ${x.data[i].toPrecision(6)})`;
  }
  return null;
}

const QUANT_CASES = [
  { n: 1, d: 8, bits: 8, block: 64, outliers: false, zeroRows: 0 },
  { n: 100, d: 16, bits: 4, block: 32, outliers: false, zeroRows: 0 },
  { n: 64, d: 32, bits: 6, block: 16, outliers: false, zeroRows: 16 },
  { n: 130, d: 64, bits: 8, block: 64, outliers: true, zeroRows: 0 }
];

const fmt = (e: { cos: number; rel: number }) => `cosine ${e.cos.toFixed(5)}, relative error ${e.rel.toExponential(2)}`;

/** INT8 attention error on the outlier fixture, with and without smoothing. */
async function int8Errors(ctx: LessonContext) {
  const quantAttention = attentionFn(ctx);
  const { q, k, v } = fixture(ctx, 256);
  const want = attention(q, k, v).data;
  const run = async (smooth: boolean) => {
    const o = await quantAttention(q, k, v, { bits: 8, smooth, block: BLOCK });
    expectTensor('quantAttention', o, q.shape);
    return error(o.data, want);
  };
  return { smooth: await run(true), plain: await run(false) };
}

export const harness: LessonHarness = {
  checks: [
    {
      id: 'quantize',
      title: 'Per-block quantize–dequantize matches the float64 reference',
      run: (ctx) =>
        outcome(async () => {
          const quantize = quantizeFn(ctx);
          for (const [i, c] of QUANT_CASES.entries()) {
            let x = c.outliers ? outlierK(ctx, c.n, c.d, 40 + i) : ctx.lab.tensors.randn([c.n, c.d], 40 + i);
            if (c.zeroRows)
              x = ctx.lab.tensors.from(
                x.shape,
                x.data.map((v, j) => (j < c.zeroRows * c.d ? 0 : v))
              );
            const got = await quantize(x, c.bits, c.block);
            expectTensor('quantize', got, x.shape);
            const where = `N = ${c.n}, d = ${c.d}, ${c.bits} bits, block ${c.block}`;
            if (got.data.some((v) => Number.isNaN(v))) {
              return {
                pass: false,
                message: `${where}: the output has NaN. A block of zeros has δ = 0: it must dequantize to zeros, not 0/0.`
              };
            }
            const bad = compareQuant(got, x, c.bits, c.block);
            if (bad) {
              const perTensor = c.n > c.block && !compareQuant(got, x, c.bits, c.n);
              const hint = perTensor
                ? ` Your output uses one δ for the whole tensor (per-tensor quantization): each block of ${c.block} tokens needs its own δ = max|X_block| / (2^(b−1) − 1).`
                : '';
              return { pass: false, message: `${where}: ${bad}.${hint}` };
            }
          }
          return {
            pass: true,
            message: `matches for N = ${QUANT_CASES.map((c) => c.n).join(', ')} at 4, 6 and 8 bits, including a short last block and a block of zeros`
          };
        })
    },
    {
      id: 'smooth-invariance',
      title: 'Smoothing K (minus the mean key) leaves exact attention unchanged',
      run: (ctx) =>
        outcome(async () => {
          const smoothK = smoothFn(ctx);
          const quantAttention = attentionFn(ctx);
          const { k } = fixture(ctx, 100);
          const s = smoothK(k);
          expectTensor('smoothK', s, k.shape);
          const want = refSmoothK(k);
          const cmp = ctx.lab.tensors.compare(s, want, { atol: 1e-4, rtol: 1e-4 });
          if (!cmp.ok) {
            const unchanged = s.data.every((x, i) => x === k.data[i]);
            const rowMeans = Array.from(
              { length: 100 },
              (_, t) => s.data.slice(t * D, (t + 1) * D).reduce((a, b) => a + b, 0) / D
            );
            const hint = unchanged
              ? ' smoothK returned K unchanged (TODO 1): subtract the mean key k̄ = (1/N) Σ_t k_t from every key.'
              : rowMeans.every((m) => Math.abs(m) < 1e-3)
                ? ' Each key now has mean 0 over its channels: you subtracted each key’s own mean. That shifts q·k_j by a different amount for every key j, which changes softmax. Subtract the mean over tokens: one vector k̄, the same for every key.'
                : '';
            return { pass: false, message: `smoothK, N = 100, d = ${D}: ${cmp.message}.${hint}` };
          }
          let worst = 0;
          for (const n of [1, 37, 100]) {
            const { q, k: kn, v } = fixture(ctx, n, D, n);
            const exact = attention(q, kn, v);
            for (const smooth of [true, false]) {
              const o = await quantAttention(q, kn, v, { smooth });
              expectTensor('quantAttention', o, q.shape);
              const c = ctx.lab.tensors.compare(o, exact, { atol: 1e-5, rtol: 1e-4 });
              if (!c.ok) {
                return {
                  pass: false,
                  message: `quantAttention(q, k, v, { smooth: ${smooth} }) without bits must be exact attention; N = ${n}: ${c.message}.`
                };
              }
              if (smooth) worst = Math.max(worst, c.maxAbsError);
            }
          }
          return {
            pass: true,
            message: `smoothK matches; with smoothed K, exact attention equals attention with K (N = 1, 37, 100; max |Δ| = ${worst.toExponential(1)}): each score row drops by the same q_i·k̄.`
          };
        })
    },
    {
      id: 'int8-smooth',
      title: 'INT8 Q, K with smoothing: cosine similarity > 0.999 on keys with channel outliers',
      run: (ctx) =>
        outcome(async () => {
          const e = await int8Errors(ctx);
          if (e.smooth.cos > 0.999)
            return { pass: true, message: `N = 256, d = 64, block 64: ${fmt(e.smooth)} against float64 attention` };
          const same = Math.abs(e.smooth.rel - e.plain.rel) <= 1e-3 * e.plain.rel;
          const hint = same ? ' Smoothing changed nothing: is smoothK still TODO 1?' : '';
          return {
            pass: false,
            message: `N = 256, d = 64, block 64: ${fmt(e.smooth)} (needs cosine > 0.999). Without smoothing: ${fmt(e.plain)}.${hint}`
          };
        })
    },
    {
      id: 'int8-no-smooth',
      title: 'Without smoothing, INT8 is measurably worse on the same input',
      run: (ctx) =>
        outcome(async () => {
          const e = await int8Errors(ctx);
          const ratio = e.plain.rel / e.smooth.rel;
          if (ratio >= 2) {
            return {
              pass: true,
              message: `without smoothing: ${fmt(e.plain)}; with: ${fmt(e.smooth)}. The outlier channels set δ, so the ordinary channels lose ${ratio.toFixed(1)}× more.`
            };
          }
          return {
            pass: false,
            message: `without smoothing: ${fmt(e.plain)}; with: ${fmt(e.smooth)}, only ${ratio.toFixed(2)}× better. Smoothing should remove the channel outliers before quantization (is smoothK still TODO 1?).`
          };
        })
    }
  ],
  async sweep(ctx, n) {
    await plotErrorVsBits(ctx);
    plotBytes(ctx);
    const quantAttention = attentionFn(ctx);
    await ctx.lab.sweep({
      label: 'INT8 Q, K + smoothing, simulated in f32 (your code)',
      n,
      setup: (size) => fixture(ctx, size),
      run: ({ q, k, v }) => quantAttention(q, k, v, { bits: 8, smooth: true, block: BLOCK }),
      bytes: (size) => bytesOf(memory, size)
    });
  }
};

/** Relative error of the learner's attention vs bits, smoothing on and off (measured here, N = 256). */
async function plotErrorVsBits(ctx: LessonContext): Promise<void> {
  const quantAttention = attentionFn(ctx);
  const { q, k, v } = fixture(ctx, 256);
  const want = attention(q, k, v).data;
  const series = [
    { label: 'no smoothing', smooth: false, points: [] as [number, number][] },
    { label: 'smoothed K', smooth: true, points: [] as [number, number][] }
  ];
  for (const bits of [4, 5, 6, 7, 8]) {
    for (const s of series)
      s.points.push([bits, error((await quantAttention(q, k, v, { bits, smooth: s.smooth })).data, want).rel]);
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
    points: ns.map((m) => [m, qkBytes(m, bits, bits < 16) / 2 ** 20] as [number, number])
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
