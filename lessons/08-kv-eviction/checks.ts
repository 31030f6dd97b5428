/**
 * Lesson 08 checks: (1) the sinks + window decode and (2) the H2O decode against the float64
 * reference (reference.ts): the same output and the same kept positions; (3) the cache does not
 * grow with N, from the probes (totalBytes and largestAllocation), while a full cache does;
 * (4) on a seeded sink-like input, window only loses the sink's attention mass, sinks + window
 * keep it. Cost: a few decodes of up to 400 tokens, O(N·budget·d) each.
 */
import type { Tensor } from 'lab';
import { formatBytes } from '$lib/bench/format';
import { check, expectClose, fail, largestAllocation, learner, messages, seeded, totalBytes } from '$lib/lessons/kit';
import type { Lab, LessonContext, LessonHarness } from '$lib/lessons/types';
import { evictingBytes } from './memory';
import { type Policy, referenceDecode, sinkInputs } from './reference';
import { sweep } from './sweep';

type Decode = (q: Tensor, k: Tensor, v: Tensor, policy: Policy) => { o: Tensor; kept: number[] };

const m = messages('08-kv-eviction', {
  'kept-wrong': '{policy}, N = {n}: the last query saw positions [{got}], the reference keeps [{want}].',
  'sinks-moved':
    '{policy}, N = {n}: the last query saw [{got}]: the first s tokens must stay in the cache for good, not be overwritten by the ring.',
  'not-accumulated':
    '{policy}, N = {n}: you kept [{got}], which is what scores from the last step alone keep: H2O sums the attention each token has received over every step so far.',
  'budget-off':
    '{policy}, N = {n}: the last query saw {count} keys; the budget allows heavy + recent + 1 (the cache plus the new token): {want}.',
  'output-ok': 'output and kept positions match the float64 reference for {cases}',
  'memory-grows':
    'the decode allocated {b1} at N = {n1} and {b2} at N = {n2}: the cache grows with N. Make it once, budget + 1 rows, and evict into it.',
  'memory-big':
    'the decode allocated {b1} (largest: {largest}), more than the {want} of budget + 1 rows of K, V and scores.',
  'memory-none': 'the decode allocated nothing through the lab: make the caches with tensors.zeros.',
  'memory-ok':
    'the H2O cache is {b1} at N = {n1} and {b2} at N = {n2}; a full cache (window = N) grew from {f1} to {f2}',
  'sink-lost':
    'on the sink-like input, sinks + window kept {sinks} of the attention mass and window only {window}: the sinks should keep more.',
  'sink-ok':
    'on the sink-like input (N = {n}, budget {b}), window only keeps {window} of the attention mass, sinks (4) + window {sinks}: the sink mass is what window only loses'
});

const TOL = { atol: 1e-5, rtol: 1e-4 };
const inputs = (lab: Lab, n: number, d: number, seed: number) => seeded(lab, { q: [n, d], k: [n, d], v: [n, d] }, seed);
const describe = (p: Policy) =>
  p.kind === 'h2o'
    ? `H2O (heavy ${p.heavy}, recent ${p.recent})`
    : p.kind === 'sinks'
      ? `sinks ${p.sinks} + window ${p.recent}`
      : `window ${p.recent}`;

function decodeOf(ctx: LessonContext): Decode {
  return learner<Decode>(ctx, 'decode', 'decode(q, k, v, policy): { o: Tensor, kept: number[] }');
}

function run(ctx: LessonContext, list: { n: number; d: number; policy: Policy; sink?: boolean }[], seed: number) {
  const decode = decodeOf(ctx);
  for (const [c, { n, d, policy, sink }] of list.entries()) {
    const { q, k, v } = inputs(ctx.lab, n, d, seed + c);
    if (sink) sinkInputs(q, k);
    const got = decode(q, k, v, policy);
    const ref = referenceDecode(q, k, v, policy);
    const kept = Array.from(got?.kept ?? []);
    const params = { policy: describe(policy), n, got: kept.join(', '), want: ref.kept.join(', ') };
    if (kept.join() !== ref.kept.join()) {
      if (policy.kind === 'sinks') {
        const asWindow = referenceDecode(q, k, v, { kind: 'window', recent: policy.sinks + policy.recent });
        if (kept.join() === asWindow.kept.join()) fail(m('sinks-moved', params));
      }
      if (policy.kind === 'h2o') {
        const b = policy.heavy + policy.recent + 1;
        if (kept.length !== Math.min(b, n)) fail(m('budget-off', { ...params, count: kept.length, want: b }));
        if (kept.join() === referenceDecode(q, k, v, policy, false).kept.join()) fail(m('not-accumulated', params));
      }
      fail(m('kept-wrong', params));
    }
    expectClose(ctx.lab, got.o, ref.o, TOL, `${describe(policy)}, N = ${n}, d = ${d}`, 'decode(…).o');
  }
  return m('output-ok', { cases: list.map((c) => `${describe(c.policy)} at N = ${c.n}`).join('; ') });
}

export const harness: LessonHarness = {
  checks: [
    check({
      id: 'sinks',
      title: '1. sinks + window (StreamingLLM): the kept positions and the output match the reference',
      run: (ctx) =>
        run(
          ctx,
          [
            { n: 1, d: 8, policy: { kind: 'sinks', sinks: 4, recent: 8 } },
            { n: 12, d: 8, policy: { kind: 'sinks', sinks: 4, recent: 8 } },
            { n: 100, d: 16, policy: { kind: 'sinks', sinks: 4, recent: 8 } },
            { n: 67, d: 32, policy: { kind: 'sinks', sinks: 4, recent: 1 } },
            { n: 50, d: 16, policy: { kind: 'window', recent: 10 } }
          ],
          10
        )
    }),
    check({
      id: 'h2o',
      title: '2. heavy hitters (H2O): accumulated scores pick the kept positions; output matches',
      run: (ctx) =>
        run(
          ctx,
          [
            { n: 1, d: 8, policy: { kind: 'h2o', heavy: 4, recent: 4 } },
            { n: 9, d: 8, policy: { kind: 'h2o', heavy: 4, recent: 4 } },
            { n: 120, d: 16, policy: { kind: 'h2o', heavy: 8, recent: 8 } },
            { n: 80, d: 16, policy: { kind: 'h2o', heavy: 6, recent: 2 }, sink: true },
            { n: 200, d: 32, policy: { kind: 'h2o', heavy: 16, recent: 16 } }
          ],
          30
        )
    }),
    check({
      id: 'memory',
      title: '3. the evicting cache stays the same size as N grows (probes: totalBytes, largestAllocation)',
      async run(ctx) {
        const decode = decodeOf(ctx);
        const [n1, n2, d] = [64, 400, 16];
        const policy: Policy = { kind: 'h2o', heavy: 8, recent: 8 };
        const bytes = async (n: number, p: Policy) => {
          const { q, k, v } = inputs(ctx.lab, n, d, 5);
          return (await ctx.probe(() => decode(q, k, v, p))).record;
        };
        const [r1, r2] = [await bytes(n1, policy), await bytes(n2, policy)];
        const [b1, b2] = [totalBytes(r1), totalBytes(r2)];
        const want = evictingBytes(16, d);
        const params = { n1, n2, b1: formatBytes(b1), b2: formatBytes(b2), want: formatBytes(want) };
        if (b2 === 0) fail(m('memory-none'));
        if (b2 > b1) fail(m('memory-grows', params));
        if (b1 > want) fail(m('memory-big', { ...params, largest: largestAllocation(r1)?.text ?? '?' }));
        const f1 = totalBytes(await bytes(n1, { kind: 'window', recent: n1 }));
        const f2 = totalBytes(await bytes(n2, { kind: 'window', recent: n2 }));
        return m('memory-ok', { ...params, f1: formatBytes(f1), f2: formatBytes(f2) });
      }
    }),
    check({
      id: 'sink-mass',
      title: '4. window only loses the sink’s attention mass; sinks + window keep it',
      run(ctx) {
        const decode = decodeOf(ctx);
        const [n, d, b] = [128, 16, 16];
        const { q, k, v } = inputs(ctx.lab, n, d, 80);
        sinkInputs(q, k);
        const full = referenceDecode(q, k, v, { kind: 'window', recent: n });
        // Mass retained by what the learner's decode keeps: compare its output's kept sets through
        // the reference (the reference mass of the same policy, once its kept positions match).
        const mass = (p: Policy) => {
          const got = decode(q, k, v, p);
          const ref = referenceDecode(q, k, v, p);
          if (Array.from(got.kept).join() !== ref.kept.join()) {
            fail(
              m('kept-wrong', {
                policy: describe(p),
                n,
                got: Array.from(got.kept).join(', '),
                want: ref.kept.join(', ')
              })
            );
          }
          return ref.mass;
        };
        const window = mass({ kind: 'window', recent: b });
        const sinks = mass({ kind: 'sinks', sinks: 4, recent: b - 4 });
        const params = { n, b, window: window.toFixed(3), sinks: sinks.toFixed(3), full: full.mass.toFixed(3) };
        if (!(sinks > window + 0.1)) fail(m('sink-lost', params));
        return m('sink-ok', params);
      }
    })
  ],
  sweep
};
