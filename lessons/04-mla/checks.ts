/**
 * Lesson 04 checks: the learner's naive and absorbed MLA decode against the float64 reference
 * (several shapes, including N = 1 and N not a multiple of the workgroup size), and the cache
 * formula behind DeepSeek-V2's headline numbers (576 elements, "GQA with 2.25 groups", −82.2% and
 * −93.3% against DeepSeek 67B), every number derived here from the configs. The sweep times both
 * decode paths over N; two extra plots draw KV bytes and decode FLOPs at DeepSeek-V2's shapes.
 */
import type { Tensor } from 'lab';
import { CheckFailure, isTensor, learnerFunction, outcome } from '$lib/lessons/check-helpers';
import { type LessonContext, type LessonHarness, bytesOf } from '$lib/lessons/types';
import { DEEPSEEK_V2, SHAPE, decodeFlops, memory, naiveBuffers } from './memory';
import { type MlaInputs, absorbedDecode, expandCache, naiveDecode, widen } from './reference';

type Naive = (q: Tensor, k: Tensor, v: Tensor) => Promise<Tensor>;
type Absorbed = (x: MlaInputs<Tensor>) => Promise<Tensor>;
type CacheElements = (dC: number, dRope: number) => number;

const CASES = [
  { n: 1, heads: 2, dNope: 8, dRope: 4, dV: 8, dC: 32 },
  { n: 37, heads: 3, dNope: 16, dRope: 8, dV: 12, dC: 64 },
  { n: 130, heads: 4, dNope: 16, dRope: 8, dV: 16, dC: 64 },
  { n: 200, heads: 8, dNope: 32, dRope: 16, dV: 32, dC: 128 }
];
const TOLERANCE = { atol: 1e-5, rtol: 1e-4 };

/** Seeded inputs; the up-projections are scaled by 1/√d_c so that keys and scores are O(1). */
function inputs(ctx: LessonContext, c: (typeof CASES)[number], seed: number): MlaInputs<Tensor> {
  const { tensors } = ctx.lab;
  const scaled = (shape: number[], s: number, k: number) => {
    const t = tensors.randn(shape, s);
    return tensors.from(
      shape,
      t.data.map((x) => x * k)
    );
  };
  return {
    q: tensors.randn([c.heads, c.dNope + c.dRope], seed + 1),
    cKV: tensors.randn([c.n, c.dC], seed + 3),
    kPe: tensors.randn([c.n, c.dRope], seed + 4),
    wkvB: scaled([c.heads, c.dNope + c.dV, c.dC], seed + 5, 1 / Math.sqrt(c.dC))
  };
}

/** The naive path's inputs: the same query, and the per-head caches expanded from the latents (as float32). */
function naiveInputs(ctx: LessonContext, x: MlaInputs<Tensor>) {
  const { k, v } = expandCache(x);
  const f = ctx.lab.tensors.from;
  return { q: x.q, k: f(k.shape, k.data), v: f(v.shape, v.data) };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const describe = (c: (typeof CASES)[number]) =>
  `N = ${c.n}, h = ${c.heads}, d_h = ${c.dNope}, d_R = ${c.dRope}, d_c = ${c.dC}`;

/** Why an absorbed output is wrong, when it matches a typical mistake. */
function absorbedHint(ctx: LessonContext, o: Tensor, x: MlaInputs<Tensor>): string {
  const ok = (want: { shape: readonly number[]; data: ArrayLike<number> }) =>
    ctx.lab.tensors.compare(o, want, TOLERANCE).ok;
  const w = widen(x);
  const dRope = x.kPe.shape[1];
  const dNope = x.q.shape[1] - dRope;
  const dC = x.cKV.shape[1];
  // The query with its columns [from, to) set to zero.
  const zero = (from: number, to: number) => ({
    ...w,
    q: {
      shape: w.q.shape,
      data: w.q.data.map((v, i) => (i % (dNope + dRope) >= from && i % (dNope + dRope) < to ? 0 : v))
    }
  });
  if (o.data.every((v) => v === 0))
    return ' Every output is 0: does step 5 still write o[h, j] = Σ_c W_UV[h, j, c] · mix[c]?';
  if (ok(naiveDecode(zero(0, dNope)))) {
    return ' Your scores use only the RoPE part: q_abs is zero. Step 1 must absorb W_UK into the query, q_abs[c] = Σ_i q_nope[h, i] · W_UK[h, i, c] (TODO 1).';
  }
  if (ok(naiveDecode(zero(dNope, dNope + dRope)))) {
    return ' Your scores leave out the decoupled RoPE term q_pe · k_pe_t: the RoPE key is cached next to the latent and counts in every score.';
  }
  if (ok(naiveDecode(w, { scale: 1 / Math.sqrt(dC) }))) {
    return ` You scaled by 1/√d_c; absorption does not change the scores, so the scale stays 1/√(d_h + d_R) = 1/√${dNope + dRope}.`;
  }
  return '';
}

export const harness: LessonHarness = {
  checks: [
    {
      id: 'naive',
      title: 'Naive decode (per-head K/V cache) matches the float64 reference',
      run: (ctx) =>
        outcome(async () => {
          const decodeNaive = learnerFunction<Naive>(ctx, 'decodeNaive', 'decodeNaive(q, k, v): Promise<Tensor>');
          let identity = 0;
          for (const [i, c] of CASES.entries()) {
            const x = inputs(ctx, c, 100 * i);
            const { q, k, v } = naiveInputs(ctx, x);
            const o = await decodeNaive(q, k, v);
            if (!isTensor(o)) throw new CheckFailure(`decodeNaive must return a Tensor, got ${String(o)}`);
            const want = naiveDecode(widen(x));
            const cmp = ctx.lab.tensors.compare(o, want, TOLERANCE);
            if (!cmp.ok) return { pass: false, message: `${describe(c)}: ${cmp.message}.` };
            identity = Math.max(identity, maxAbsDiff(absorbedDecode(widen(x)).data, want.data));
          }
          return {
            pass: true,
            message: `matches for N = ${CASES.map((c) => c.n).join(', ')}. In float64 the two paths agree to ${identity.toExponential(1)}: absorption is exact algebra.`
          };
        })
    },
    {
      id: 'absorbed',
      title: 'Absorbed decode equals naive (float64 reference, f32 tolerance)',
      run: (ctx) =>
        outcome(async () => {
          const decodeAbsorbed = learnerFunction<Absorbed>(ctx, 'decodeAbsorbed', 'decodeAbsorbed(x): Promise<Tensor>');
          const decodeNaive = learnerFunction<Naive>(ctx, 'decodeNaive', 'decodeNaive(q, k, v): Promise<Tensor>');
          let gap = 0;
          for (const [i, c] of CASES.entries()) {
            const x = inputs(ctx, c, 100 * i);
            const o = await decodeAbsorbed(x);
            if (!isTensor(o)) throw new CheckFailure(`decodeAbsorbed must return a Tensor, got ${String(o)}`);
            const cmp = ctx.lab.tensors.compare(o, naiveDecode(widen(x)), TOLERANCE);
            if (!cmp.ok) return { pass: false, message: `${describe(c)}: ${cmp.message}.${absorbedHint(ctx, o, x)}` };
            const { q, k, v } = naiveInputs(ctx, x);
            gap = Math.max(gap, maxAbsDiff(o.data, (await decodeNaive(q, k, v)).data));
          }
          return {
            pass: true,
            message: `matches for N = ${CASES.map((c) => c.n).join(', ')}; your absorbed and naive outputs differ by at most ${gap.toExponential(1)} (float32 rounding).`
          };
        })
    },
    {
      id: 'cache-elements',
      title: 'MLA caches d_c + d_R elements per token per layer: 576 for DeepSeek-V2, “GQA with 2.25 groups”',
      run: (ctx) =>
        outcome(() => {
          const elements = learnerFunction<CacheElements>(
            ctx,
            'mlaCacheElements',
            'mlaCacheElements(dC, dRope): number'
          );
          for (const [dC, dRope] of [
            [32, 8],
            [128, 16],
            [DEEPSEEK_V2.dC, DEEPSEEK_V2.dRope]
          ]) {
            const got = elements(dC, dRope);
            const want = dC + dRope; // the latent c_kv plus the shared RoPE key k_pe
            if (got !== want) {
              const hint =
                got === dC
                  ? ' You counted the latent only: the decoupled RoPE key k_pe (d_R per token, shared by all heads) is cached too.'
                  : '';
              return {
                pass: false,
                message: `mlaCacheElements(${dC}, ${dRope}) returned ${got}, expected ${want}.${hint}`
              };
            }
          }
          const v2 = elements(DEEPSEEK_V2.dC, DEEPSEEK_V2.dRope);
          const dh = DEEPSEEK_V2.dNope;
          const groups = v2 / (2 * dh); // GQA caches 2·g·d_h per token per layer
          const mha = 2 * DEEPSEEK_V2.heads * dh;
          return {
            pass: true,
            message: `DeepSeek-V2: ${v2} elements = ${v2 / dh}·d_h, what GQA caches with ${groups} groups (2·g·d_h); ${((100 * v2) / mha).toFixed(2)}% of MHA's 2·128·128 = ${mha.toLocaleString('en-US')}.`
          };
        })
    },
    {
      id: 'reduction-67b',
      title: 'KV cache per token vs DeepSeek 67B: −82.2% in bf16, −93.3% with ~6-bit KV',
      run: (ctx) =>
        outcome(() => {
          const elements = learnerFunction<CacheElements>(
            ctx,
            'mlaCacheElements',
            'mlaCacheElements(dC, dRope): number'
          );
          // DeepSeek LLM 67B: 95 layers, GQA with 8 KV heads of d_h = 128, K and V: 2·95·8·128 elements per token.
          const base = 2 * 95 * 8 * 128 * 2; // bf16 bytes
          const reduction = (perLayer: number, bits: number) => 1 - (perLayer * DEEPSEEK_V2.layers * bits) / 8 / base;
          const pct = (r: number) => `${(100 * r).toFixed(1)}%`;
          const got = elements(DEEPSEEK_V2.dC, DEEPSEEK_V2.dRope);
          const want = DEEPSEEK_V2.dC + DEEPSEEK_V2.dRope;
          const [g16, g6, w16, w6] = [reduction(got, 16), reduction(got, 6), reduction(want, 16), reduction(want, 6)];
          if (pct(g16) !== pct(w16) || pct(g6) !== pct(w6)) {
            return {
              pass: false,
              message: `with mlaCacheElements(512, 64) = ${got} per layer over 60 layers you get −${pct(g16)} (bf16) and −${pct(g6)} (6-bit) against DeepSeek 67B's ${base.toLocaleString('en-US')} B/token; DeepSeek-V2 reports −${pct(w16)} and −${pct(w6)}.`
            };
          }
          return {
            pass: true,
            message: `${want}·60 = ${(want * 60).toLocaleString('en-US')} elements/token: ${(want * 60 * 2).toLocaleString('en-US')} B in bf16 (−${pct(w16)}), ${(want * 60 * 0.75).toLocaleString('en-US')} B at 6 bits (−${pct(w6)}) vs 67B's ${base.toLocaleString('en-US')} B. The −93.3% is MLA plus KV quantization, against a GQA baseline.`
          };
        })
    }
  ],
  async sweep(ctx, n) {
    plotKv(ctx);
    plotFlops(ctx);
    const decodeAbsorbed = learnerFunction<Absorbed>(ctx, 'decodeAbsorbed', 'decodeAbsorbed(x): Promise<Tensor>');
    const { heads, dNope, dRope, dV, dC } = SHAPE;
    const latent = (size: number) => inputs(ctx, { n: size, heads, dNope, dRope, dV, dC }, 7);
    // Compile the kernel (or build the session) once before timing, so the first point is not a compile.
    await ctx.lab.time(() => decodeAbsorbed(latent(1)), { warmup: 0, repeats: 1 });
    await ctx.lab.sweep({
      label: 'absorbed decode, latent cache (your code)',
      n,
      setup: latent,
      run: (x) => decodeAbsorbed(x),
      bytes: (size) => bytesOf(memory, size)
    });
    await compareTimes(ctx, n, latent);
  }
};

/**
 * Naive vs absorbed decode time on this device, side by side, timed with lab.time (the sweep
 * above times the absorbed path alone). Stops when the next size would overrun COMPARE_BUDGET_MS.
 */
const COMPARE_BUDGET_MS = 10_000;

async function compareTimes(ctx: LessonContext, ns: number[], latent: (n: number) => MlaInputs<Tensor>): Promise<void> {
  const decodeNaive = learnerFunction<Naive>(ctx, 'decodeNaive', 'decodeNaive(q, k, v): Promise<Tensor>');
  const decodeAbsorbed = learnerFunction<Absorbed>(ctx, 'decodeAbsorbed', 'decodeAbsorbed(x): Promise<Tensor>');
  const { heads: h, dNope, dRope, dV } = SHAPE;
  const { tensors } = ctx.lab;
  const naive: [number, number][] = [];
  const absorbed: [number, number][] = [];
  const start = Date.now();
  let last = 0;
  // Every other size of the sweep (powers of 4) keeps this part short.
  for (const n of ns.filter((x) => Math.log2(x) % 2 === 0)) {
    // Each size runs 2 × (1 warm-up + 3 repeats); predict it from the last one, growing like N (×4).
    if (last > 0 && Date.now() - start + last * 4 > COMPARE_BUDGET_MS) break;
    if (Math.max(...naiveBuffers(n).map((b) => b.bytes)) > maxBuffer(ctx)) break;
    const t0 = Date.now();
    const q = tensors.randn([h, dNope + dRope], 1);
    const k = tensors.randn([h, n, dNope + dRope], 2);
    const v = tensors.randn([h, n, dV], 3);
    const tn = await ctx.lab.time(() => decodeNaive(q, k, v), { warmup: 1, repeats: 3 });
    const x = latent(n);
    const ta = await ctx.lab.time(() => decodeAbsorbed(x), { warmup: 1, repeats: 3 });
    naive.push([n, tn.medianMs]);
    absorbed.push([n, ta.medianMs]);
    last = Date.now() - t0;
    ctx.lab.plot({
      id: 'decode-time',
      title: `Decode time, naive vs absorbed, lesson shapes (measured here, ${tn.timer} timer)`,
      x: { label: 'cached tokens N', log: true },
      y: { label: 'ms per decoded token', log: true },
      series: [
        { label: `naive: reads h·(d_h+d_R+d_v) = ${h * (dNope + dRope + dV)} floats/token`, points: naive },
        { label: `absorbed: reads d_c+d_R = ${SHAPE.dC + dRope} floats/token`, points: absorbed }
      ]
    });
  }
}

function maxBuffer(ctx: LessonContext): number {
  return ctx.backend === 'webgpu' ? ctx.lab.gpu.limits.maxStorageBufferBindingSize : 512 * 2 ** 20;
}

const TOKENS = Array.from({ length: 8 }, (_, i) => 1024 * 2 ** i); // 1K … 128K

/** KV cache bytes vs N at DeepSeek-V2's shapes (60 layers, d_h = 128, bf16), analytic. */
function plotKv(ctx: LessonContext): void {
  const { layers, heads, dNope: dh, dC, dRope } = DEEPSEEK_V2;
  const curve = (label: string, perLayer: number, nLayers = layers) => ({
    label,
    dashed: true,
    points: TOKENS.map((n) => [n, (perLayer * nLayers * 2 * n) / 2 ** 30] as [number, number])
  });
  ctx.lab.plot({
    id: 'kv-bytes',
    title: 'KV cache vs N, whole model, bf16 (analytic, DeepSeek-V2 shapes)',
    x: { label: 'tokens N', log: true },
    y: { label: 'GiB', log: true },
    series: [
      curve(`MHA, ${heads} heads: 2·h·d_h = ${2 * heads * dh}/token/layer`, 2 * heads * dh),
      curve(`GQA-8: 2·8·d_h = ${2 * 8 * dh}/token/layer`, 2 * 8 * dh),
      curve(`MLA: d_c + d_R = ${dC + dRope}/token/layer`, dC + dRope),
      curve('DeepSeek 67B (GQA-8, 95 layers)', 2 * 8 * 128, 95)
    ]
  });
}

/** Attention FLOPs to decode one token in one layer at DeepSeek-V2's shapes, analytic. */
function plotFlops(ctx: LessonContext): void {
  const at = (f: (n: number) => number) => TOKENS.map((n) => [n, f(n) / 1e9] as [number, number]);
  ctx.lab.plot({
    id: 'decode-flops',
    title: 'Decode FLOPs per token per layer (analytic, DeepSeek-V2 shapes)',
    x: { label: 'cached tokens N', log: true },
    y: { label: 'GFLOP', log: true },
    series: [
      { label: 'naive: per-head K/V cached', dashed: true, points: at((n) => decodeFlops.naive(DEEPSEEK_V2, n)) },
      {
        label: 'naive maths on a latent cache (re-expand K/V every step)',
        dashed: true,
        points: at((n) => decodeFlops.reexpand(DEEPSEEK_V2, n))
      },
      { label: 'absorbed: latent cache', dashed: true, points: at((n) => decodeFlops.absorbed(DEEPSEEK_V2, n)) }
    ]
  });
}
