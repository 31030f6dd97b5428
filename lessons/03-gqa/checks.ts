/**
 * Lesson 03 checks: the learner's head mapping, their GQA decode step against multi-head
 * attention on repeated K/V (float64, and the registry's gqa_attention) for g = H, H/4 and 1, and
 * the KV-cache formula at Mistral-7B's shape; structure.ts checks, from probes, that neither the
 * cache nor a decode step holds a copy of K/V per query head. The sweep times a decode step for several g (one
 * series each), then plots decode time against g at a fixed N, and the KV cache of 7B-scale models.
 */
import type { Plot, Tensor } from 'lab';
import {
  cases,
  check,
  expectClose,
  expectNumber,
  fail,
  learner,
  matches,
  messages,
  seeded,
  hinted
} from '$lib/lessons/kit';
import { type LessonHarness, bytesOf } from '$lib/lessons/types';
import { D, H, gqaMemory } from './memory';
import { grouped, gqaRegistry, mhaRepeated } from './reference';
import { DECODE, UPLOAD, cacheSizeCheck, isGpuBuffer, noRepeatCheck, uploadMeasured } from './structure';
import { bandwidth } from './sweep';

type KvHead = (h: number, H: number, g: number) => number;
type KvBytes = (L: number, g: number, d: number, N: number, b: number) => number;
type Upload = (k: Tensor, v: Tensor) => unknown;
type GqaDecode = (q: Tensor, cache: unknown) => Promise<Tensor>;

const m = messages('03-gqa', {
  'wrong-head': 'H = {H}, g = {g}: query head {h} should read KV head {want}, got {got} (your mapping: [{mapping}]).',
  'round-robin-map':
    'Your mapping is h mod g (round robin), so neighbouring heads read different KV heads. In GQA, consecutive query heads form a group (HF’s repeat_kv, FlashAttention’s repeat).',
  'out-of-range': 'A KV head must be an integer from 0 to g − 1 = {last}.',
  'mapping-ok': 'H = 32, g = 8: heads 0–3 read KV head 0, heads 4–7 KV head 1, …, heads 28–31 KV head 7',
  'round-robin': 'Your output is GQA with query head h reading KV head h mod g: fix kvHead.',
  'head-row': 'Rows are query heads: head {head} should read KV head {kv}.',
  'no-scale': 'Your output is GQA with scores that are not scaled by 1/√d.',
  zeros: 'gqaDecode returns only zeros: write the decode step.',
  'decode-ok': 'matches MHA on repeated K/V (and the registry’s gqa_attention) for H = 8 and 12 with g = H, H/4, 1',
  'mistral-wrong': 'kvBytes(32, 8, 128, 262,144, 2) returned {got}; 2·L·g·d·N·b = {want} bytes ({gib} GiB)',
  'not-proportional': 'kvBytes should grow in proportion to g: g = 32 gave {llama}, g = 8 {mistral}, g = 1 {mqa}',
  'mistral-ok':
    'Mistral-7B (g = 8): {mistral} bytes = {mistralGiB} GiB; Llama-2-7B (g = 32): {llamaGiB} GiB; MQA (g = 1) would need {mqaGiB} GiB',
  'bad-g': 'G must be a number of KV heads that divides H = {H} (8, 4, 2 or 1); got {got}'
});

/**
 * H query heads, g KV heads (H, H/4 and 1 for each H), n cached tokens, head dimension d; gqa.wgsl
 * runs 64 threads over the cached tokens, so N = 1 and N not a multiple of 64 are edge cases.
 */
const CASES = cases(
  [
    { H: 8, g: 8, n: 1, d: 16 },
    { H: 8, g: 2, n: 7, d: 16 },
    { H: 8, g: 1, n: 70, d: 32 },
    { H: 8, g: 2, n: 130, d: 64 },
    { H: 12, g: 12, n: 5, d: 8 },
    { H: 12, g: 3, n: 130, d: 64 },
    { H: 12, g: 1, n: 33, d: 16 }
  ],
  { block: 64, make: (n) => ({ H: 8, g: 2, n, d: 16 }) }
);
const TOLERANCE = { atol: 1e-5, rtol: 1e-4 };
const GiB = 2 ** 30;
const K256 = 256 * 1024;
const fmt = (x: number) => x.toLocaleString('en-US');
const variant = (g: number, heads: number) => (g === heads ? 'MHA' : g === 1 ? 'MQA' : 'GQA');

export const harness: LessonHarness = {
  checks: [
    check({
      id: 'head-mapping',
      title: 'kvHead(h, H, g) sends each group of H/g consecutive query heads to one KV head',
      run(ctx) {
        const kvHead = learner<KvHead>(ctx, 'kvHead', 'kvHead(h, H, g): number');
        for (const [heads, g] of [
          [8, 8],
          [8, 2],
          [8, 1],
          [32, 8],
          [32, 4],
          [12, 3],
          [12, 1]
        ]) {
          const got = Array.from({ length: heads }, (_, h) => kvHead(h, heads, g));
          const want = got.map((_, h) => grouped(h, heads, g));
          const h = got.findIndex((x, i) => x !== want[i]);
          if (h < 0) continue;
          const wrong = m('wrong-head', {
            H: heads,
            g,
            h,
            want: want[h],
            got: String(got[h]),
            mapping: got.join(', ')
          });
          if (got.every((x, i) => x === i % g)) fail(hinted(wrong, m('round-robin-map')));
          if (!Number.isInteger(got[h]) || got[h] < 0 || got[h] >= g)
            fail(hinted(wrong, m('out-of-range', { last: g - 1 })));
          fail(wrong);
        }
        return m('mapping-ok');
      }
    }),
    check({
      id: 'gqa-decode',
      title: 'GQA equals multi-head attention with K and V repeated (g = H, H/4, 1)',
      async run(ctx) {
        const upload = learner<Upload>(ctx, 'upload', UPLOAD);
        const gqaDecode = learner<GqaDecode>(ctx, 'gqaDecode', DECODE);
        for (const [i, { H: heads, g, n, d }] of CASES.entries()) {
          const { q, k, v } = seeded(ctx.lab, { q: [heads, d], k: [g, n, d], v: [g, n, d] }, 70 + 10 * i);
          const want = mhaRepeated(q, k, v);
          const registry = gqaRegistry(q, k, v);
          if (registry.data.some((x, j) => Math.abs(x - want.data[j]) > 1e-12)) {
            throw new Error('internal: the registry’s gqa_attention disagrees with MHA on repeated K/V');
          }
          const o = await gqaDecode(q, upload(k, v));
          const where = `H = ${heads}, g = ${g} (${variant(g, heads)}), N = ${n}, d = ${d}`;
          expectClose(ctx.lab, o, want, TOLERANCE, where, 'gqaDecode', (t, c) => {
            if (
              g < heads &&
              matches(
                ctx.lab,
                t,
                mhaRepeated(q, k, v, (h, _H, gg) => h % gg),
                TOLERANCE
              )
            ) {
              return m('round-robin');
            }
            if (t.data.every((x) => x === 0)) return m('zeros');
            if (matches(ctx.lab, t, mhaRepeated(q, k, v, grouped, 1), TOLERANCE)) return m('no-scale');
            if (c.firstMismatch < 0) return null;
            const head = Math.floor(c.firstMismatch / d);
            return m('head-row', { head, kv: grouped(head, heads, g) });
          });
        }
        return m('decode-ok');
      }
    }),
    cacheSizeCheck,
    noRepeatCheck,
    check({
      id: 'mistral',
      title: 'Full attention over 256K tokens needs 32 GiB of cache in Mistral-7B’s layout, a quarter of Llama-2-7B’s',
      run(ctx) {
        const kvBytes = learner<KvBytes>(ctx, 'kvBytes', 'kvBytes(L, g, d, N, b): number');
        // Both models: 32 layers, 32 query heads of d = 128, bf16. Llama-2-7B keeps 32 KV heads, Mistral-7B 8.
        const mistral = expectNumber(kvBytes(32, 8, 128, K256, 2), 'kvBytes(32, 8, 128, 262,144, 2)');
        const want = 2 * 32 * 8 * 128 * K256 * 2; // 34,359,738,368 bytes = 32 GiB
        if (mistral !== want) fail(m('mistral-wrong', { got: fmt(mistral), want: fmt(want), gib: want / GiB }));
        const llama = expectNumber(kvBytes(32, 32, 128, K256, 2), 'kvBytes(32, 32, 128, 262,144, 2)');
        const mqa = expectNumber(kvBytes(32, 1, 128, K256, 2), 'kvBytes(32, 1, 128, 262,144, 2)');
        if (llama !== 4 * want || mqa * 8 !== want) {
          fail(m('not-proportional', { llama: fmt(llama), mistral: fmt(mistral), mqa: fmt(mqa) }));
        }
        return m('mistral-ok', {
          mistral: fmt(mistral),
          mistralGiB: mistral / GiB,
          llamaGiB: llama / GiB,
          mqaGiB: mqa / GiB
        });
      }
    })
  ],
  async sweep(ctx, n) {
    const { lab } = ctx;
    const upload = learner<Upload>(ctx, 'upload', UPLOAD);
    const gqaDecode = learner<GqaDecode>(ctx, 'gqaDecode', DECODE);
    const G = ctx.learner.G ?? H / 4;
    if (typeof G !== 'number' || !Number.isInteger(G) || G < 1 || H % G !== 0) {
      fail(m('bad-g', { H, got: String(JSON.stringify(G)) }));
    }
    const q = lab.tensors.randn([H, D], 3);
    const randomCache = (g: number, size: number) =>
      upload(lab.tensors.randn([g, size, D], 1), lab.tensors.randn([g, size, D], 2));
    const release = (cache: unknown) => {
      const fields = typeof cache === 'object' && cache !== null ? Object.values(cache) : [];
      for (const x of fields.flat()) if (isGpuBuffer(x)) lab.gpu.release(x);
    };

    // The time and memory charts: one decode step of your model (H query heads, G KV heads).
    const results = await lab.sweep({
      label: `g = ${G} (${variant(G, H)})`,
      n,
      setup: (size) => randomCache(G, size), // not timed: N cached tokens of G KV heads
      run: (cache) => gqaDecode(q, cache),
      bytes: (size) => bytesOf(gqaMemory(G), size)
    });
    // Achieved GB/s of that step beside a plain copy of the same bytes (sweep.ts).
    await bandwidth(ctx, results, G);

    // The cache your upload() holds, for g = H, H/4, 1, beside the analytic 2·g·d·N·4.
    const sizes = n.filter((size) => size <= 16384);
    const series: Plot['series'] = [];
    for (const g of [H, H / 4, 1]) {
      const points: [number, number][] = [];
      for (const size of sizes) {
        const { cache, bytes } = await uploadMeasured(
          ctx,
          lab.tensors.zeros([g, size, D]),
          lab.tensors.zeros([g, size, D])
        );
        release(cache);
        points.push([size, bytes]);
      }
      const name = `g = ${g} (${variant(g, H)})`;
      series.push(
        { label: `${name}: your cache`, points },
        {
          label: `${name}: 2·g·d·N·4`,
          dashed: true,
          points: sizes.map((size) => [size, 2 * g * D * size * 4] as [number, number])
        }
      );
    }
    lab.plot({
      id: 'kv-vs-n',
      title: `KV cache bytes against N, H = ${H} query heads, d = ${D}, float32`,
      x: { label: 'cached tokens N', log: true },
      y: { label: 'bytes', log: true },
      series
    });

    // Decode time against g at one N: the FLOPs are the same for every g; the bytes read are ∝ g.
    const fixedN = 4096;
    const times: [number, number][] = [];
    for (let g = 1; g <= H; g *= 2) {
      const cache = randomCache(g, fixedN);
      times.push([g, (await lab.time(() => gqaDecode(q, cache), { warmup: 1, repeats: 3 })).medianMs]);
      release(cache);
    }
    const tMha = times[times.length - 1][1];
    lab.plot({
      id: 'decode-vs-g',
      title: `One decode step at N = ${fixedN}, H = ${H} query heads, against the number of KV heads g`,
      x: { label: 'KV heads g' },
      y: { label: 'ms' },
      series: [
        { label: 'your decode step (median of 3)', points: times },
        {
          label: 'if time ∝ bytes read (bandwidth-bound), through g = H',
          dashed: true,
          points: times.map(([g]) => [g, (tMha * g) / H])
        },
        {
          label: 'if time ∝ FLOPs (compute-bound): the same for every g',
          dashed: true,
          points: times.map(([g]) => [g, tMha])
        }
      ]
    });

    // The same formula at real scale: 32 layers, 32 query heads of d = 128, bf16.
    const tokens = [1024, 4096, 16384, 65536, K256];
    const model = (label: string, g: number) => ({
      label,
      dashed: true,
      points: tokens.map((t) => [t, (2 * 32 * g * 128 * t * 2) / GiB] as [number, number])
    });
    lab.plot({
      id: 'kv-7b',
      title: 'KV cache of a 7B model (32 layers, 32 query heads, d = 128, bf16), analytic',
      x: { label: 'context length N (tokens)', log: true },
      y: { label: 'GiB', log: true },
      series: [model('g = 32: Llama-2-7B (MHA)', 32), model('g = 8: Mistral-7B (GQA)', 8), model('g = 1: MQA', 1)]
    });
  }
};
