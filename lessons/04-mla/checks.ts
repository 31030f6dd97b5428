/**
 * Lesson 04 checks: the learner's naive and absorbed MLA decode against the float64 reference
 * (several shapes, including N = 1 and N not a multiple of the workgroup size), with hints for the
 * typical absorption slips; a probe of one absorbed call at N = 1024 shows that it never builds
 * per-head keys or values; and the cache formula behind DeepSeek-V2's headline numbers (576
 * elements, "GQA with 2.25 groups", −82.2% and −93.3% against DeepSeek 67B), every number derived
 * here from the configs. The sweep (sweep.ts) times both decode paths over N and plots KV bytes
 * and decode FLOPs at DeepSeek-V2's shapes.
 */
import type { Tensor } from 'lab';
import { maxAbsDiff } from '$lib/kernels';
import {
  type Message,
  cases,
  check,
  expectClose,
  expectNumber,
  fail,
  largestAllocation,
  learner,
  listN,
  matches,
  messages,
  hinted
} from '$lib/lessons/kit';
import type { LessonContext, LessonHarness, ProbeRecord } from '$lib/lessons/types';
import { DEEPSEEK_V2, SHAPE } from './memory';
import { type MlaInputs, type Shape, absorbedDecode, expandCache, inputs, naiveDecode, widen } from './reference';
import { ABSORBED, NAIVE, sweep } from './sweep';

type Naive = (q: Tensor, k: Tensor, v: Tensor) => Promise<Tensor>;
type Absorbed = (x: MlaInputs<Tensor>) => Promise<Tensor>;
type CacheElements = (dC: number, dRope: number) => number;

const m = messages('04-mla', {
  'naive-ok': 'matches for {cases}. In float64 the two paths agree to {identity}: absorption is exact algebra.',
  'all-zero':
    'Every output is 0: is the second absorption (TODO 2) still the starter? The output is W_UV applied once to the softmax-weighted mix of the latents.',
  'no-q-abs':
    'Your scores use only the RoPE part: q_abs is zero. Step 1 must absorb W_UK into the query, q_abs[c] = Σ_i q_nope[h, i] · W_UK[h, i, c] (TODO 1).',
  'no-rope':
    'Your scores leave out the decoupled RoPE term q_pe · k_pe_t: the RoPE key is cached next to the latent and counts in every score.',
  'latent-scale':
    'You scaled by 1/√d_c; absorption does not change the scores, so the scale stays 1/√(d_h + d_R) = 1/√{dK}.',
  expanded:
    '{shape}: decodeAbsorbed made {largest}, at least h·N·d_h = {expanded} floats: the size of per-head keys. The absorbed path reads only the latent cache c_kv and k_pe; it never expands them into per-head K and V.',
  'absorbed-ok':
    'matches for {cases}; your absorbed and naive outputs differ by at most {gap} (float32 rounding). Its largest buffer at N = {n}: {largest}.',
  'elements-wrong': 'mlaCacheElements({dC}, {dRope}) returned {got}, expected {want}.',
  'latent-only':
    'You counted the latent only: the decoupled RoPE key k_pe (d_R per token, shared by all heads) is cached too.',
  'elements-ok':
    "DeepSeek-V2: {v2} elements = {perDh}·d_h, what GQA caches with {groups} groups (2·g·d_h); {pct}% of MHA's 2·128·128 = {mha}.",
  'reduction-wrong':
    "with mlaCacheElements(512, 64) = {got} per layer over 60 layers you get −{g16} (bf16) and −{g6} (6-bit) against DeepSeek 67B's {base} B/token; DeepSeek-V2 reports −{w16} and −{w6}.",
  'reduction-ok':
    "{want}·60 = {elements} elements/token: {bf16} B in bf16 (−{w16}), {six} B at 6 bits (−{w6}) vs 67B's {base} B. The −93.3% is MLA plus KV quantization, against a GQA baseline."
});

const ELEMENTS = 'mlaCacheElements(dC, dRope): number';

/** The kernels loop over tokens in steps of 64 invocations: N = 1 and N not a multiple of 64. */
const CASES: Shape[] = cases(
  [
    { n: 1, heads: 2, dNope: 8, dRope: 4, dV: 8, dC: 32 },
    { n: 37, heads: 3, dNope: 16, dRope: 8, dV: 12, dC: 64 },
    { n: 130, heads: 4, dNope: 16, dRope: 8, dV: 16, dC: 64 },
    { n: 200, heads: 8, dNope: 32, dRope: 16, dV: 32, dC: 128 }
  ],
  { block: 64, make: (n) => ({ n, heads: 2, dNope: 8, dRope: 4, dV: 8, dC: 32 }) }
);
/** The absorbed check's probe: the sweep's shape at an N where per-head keys dwarf every legitimate buffer. */
const PROBE: Shape = { n: 1024, ...SHAPE };
const TOLERANCE = { atol: 1e-5, rtol: 1e-4 };
const fmt = (x: number) => x.toLocaleString('en-US');
const pct = (r: number) => `${(100 * r).toFixed(1)}%`;

/** The naive path's inputs: the same query, and the per-head caches expanded from the latents (as float32). */
function naiveInputs(ctx: LessonContext, x: MlaInputs<Tensor>) {
  const { k, v } = expandCache(x);
  const f = ctx.lab.tensors.from;
  return { q: x.q, k: f(k.shape, k.data), v: f(v.shape, v.data) };
}

const shapeOf = (c: Shape) => `N = ${c.n}, h = ${c.heads}, d_h = ${c.dNope}, d_R = ${c.dRope}, d_c = ${c.dC}`;

/** Why an absorbed output is wrong, when it matches a typical mistake. */
function absorbedHint(ctx: LessonContext, o: Tensor, x: MlaInputs<Tensor>): Message | null {
  const ok = (want: { shape: readonly number[]; data: ArrayLike<number> }) => matches(ctx.lab, o, want, TOLERANCE);
  const w = widen(x);
  const dRope = x.kPe.shape[1];
  const dK = x.q.shape[1];
  const dNope = dK - dRope;
  // The query with its columns [from, to) set to zero.
  const zero = (from: number, to: number) => ({
    ...w,
    q: { shape: w.q.shape, data: w.q.data.map((v, i) => (i % dK >= from && i % dK < to ? 0 : v)) }
  });
  if (o.data.every((v) => v === 0)) return m('all-zero');
  if (ok(naiveDecode(zero(0, dNope)))) return m('no-q-abs');
  if (ok(naiveDecode(zero(dNope, dK)))) return m('no-rope');
  if (ok(naiveDecode(w, { scale: 1 / Math.sqrt(x.cKV.shape[1]) }))) return m('latent-scale', { dK });
  return null;
}

export const harness: LessonHarness = {
  checks: [
    check({
      id: 'naive',
      title: 'Naive decode (per-head K/V cache) matches the float64 reference',
      async run(ctx) {
        const decodeNaive = learner<Naive>(ctx, 'decodeNaive', NAIVE);
        let identity = 0;
        for (const [i, c] of CASES.entries()) {
          const x = inputs(ctx.lab, c, 100 * i);
          const { q, k, v } = naiveInputs(ctx, x);
          const want = naiveDecode(widen(x));
          expectClose(ctx.lab, await decodeNaive(q, k, v), want, TOLERANCE, shapeOf(c), 'decodeNaive');
          identity = Math.max(identity, maxAbsDiff(absorbedDecode(widen(x)), want));
        }
        return m('naive-ok', { cases: listN(CASES), identity: identity.toExponential(1) });
      }
    }),
    check({
      id: 'absorbed',
      title: 'Absorbed decode equals naive (float64 reference, f32 tolerance)',
      async run(ctx) {
        const decodeAbsorbed = learner<Absorbed>(ctx, 'decodeAbsorbed', ABSORBED);
        const decodeNaive = learner<Naive>(ctx, 'decodeNaive', NAIVE);
        let gap = 0;
        let probed: ProbeRecord | null = null;
        for (const [i, c] of [...CASES, PROBE].entries()) {
          const x = inputs(ctx.lab, c, 100 * i);
          // Only the last case is probed: on WebGPU a probe also runs a read-counting copy of the shader.
          const { result, record } =
            c === PROBE ? await ctx.probe(() => decodeAbsorbed(x)) : { result: await decodeAbsorbed(x), record: null };
          const want = naiveDecode(widen(x));
          const o = expectClose(ctx.lab, result, want, TOLERANCE, shapeOf(c), 'decodeAbsorbed', (t) =>
            absorbedHint(ctx, t, x)
          );
          const { q, k, v } = naiveInputs(ctx, x);
          gap = Math.max(gap, ctx.lab.tensors.compare(o, await decodeNaive(q, k, v)).maxAbsError);
          probed = record ?? probed;
        }
        // Per-head keys are h·N·(d_h + d_R) floats; at the probe's N, c_kv (N·d_c) and wkv_b are far smaller.
        const expanded = PROBE.heads * PROBE.n * PROBE.dNope;
        const largest = probed && largestAllocation(probed);
        if (largest && largest.bytes >= 4 * expanded) {
          fail(m('expanded', { shape: shapeOf(PROBE), largest: largest.text, expanded: fmt(expanded) }));
        }
        return m('absorbed-ok', {
          cases: listN([...CASES, PROBE]),
          gap: gap.toExponential(1),
          n: PROBE.n,
          largest: largest?.text ?? 'none'
        });
      }
    }),
    check({
      id: 'cache-elements',
      title: 'MLA caches d_c + d_R elements per token per layer: 576 for DeepSeek-V2, “GQA with 2.25 groups”',
      run(ctx) {
        const elements = learner<CacheElements>(ctx, 'mlaCacheElements', ELEMENTS);
        for (const [dC, dRope] of [
          [32, 8],
          [128, 16],
          [DEEPSEEK_V2.dC, DEEPSEEK_V2.dRope]
        ]) {
          const got = expectNumber(elements(dC, dRope), `mlaCacheElements(${dC}, ${dRope})`);
          const want = dC + dRope; // the latent c_kv plus the shared RoPE key k_pe
          if (got === want) continue;
          const wrong = m('elements-wrong', { dC, dRope, got, want });
          fail(got === dC ? hinted(wrong, m('latent-only')) : wrong);
        }
        const v2 = DEEPSEEK_V2.dC + DEEPSEEK_V2.dRope;
        const dh = DEEPSEEK_V2.dNope;
        const mha = 2 * DEEPSEEK_V2.heads * dh;
        return m('elements-ok', {
          v2,
          perDh: v2 / dh,
          groups: v2 / (2 * dh), // GQA caches 2·g·d_h per token per layer
          pct: ((100 * v2) / mha).toFixed(2),
          mha: fmt(mha)
        });
      }
    }),
    check({
      id: 'reduction-67b',
      title: 'KV cache per token vs DeepSeek 67B: −82.2% in bf16, −93.3% with ~6-bit KV',
      run(ctx) {
        const elements = learner<CacheElements>(ctx, 'mlaCacheElements', ELEMENTS);
        // DeepSeek LLM 67B: 95 layers, GQA with 8 KV heads of d_h = 128, K and V: 2·95·8·128 elements per token.
        const base = 2 * 95 * 8 * 128 * 2; // bf16 bytes
        const reduction = (perLayer: number, bits: number) => 1 - (perLayer * DEEPSEEK_V2.layers * bits) / 8 / base;
        const got = expectNumber(elements(DEEPSEEK_V2.dC, DEEPSEEK_V2.dRope), 'mlaCacheElements(512, 64)');
        const want = DEEPSEEK_V2.dC + DEEPSEEK_V2.dRope;
        const [g16, g6, w16, w6] = [reduction(got, 16), reduction(got, 6), reduction(want, 16), reduction(want, 6)];
        if (pct(g16) !== pct(w16) || pct(g6) !== pct(w6)) {
          fail(m('reduction-wrong', { got, g16: pct(g16), g6: pct(g6), base: fmt(base), w16: pct(w16), w6: pct(w6) }));
        }
        return m('reduction-ok', {
          want,
          elements: fmt(want * 60),
          bf16: fmt(want * 60 * 2),
          w16: pct(w16),
          six: fmt(want * 60 * 0.75),
          w6: pct(w6),
          base: fmt(base)
        });
      }
    })
  ],
  sweep
};
