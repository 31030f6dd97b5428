/**
 * Lesson 03 checks: the learner's head mapping, their GQA decode step against multi-head
 * attention on repeated K/V (float64, and the registry's gqa_attention) for g = H, H/4 and 1, and
 * the KV-cache formula at Mistral-7B's shape. The sweep times a decode step for several g (one
 * series each), then plots decode time against g at a fixed N, and the KV cache of 7B-scale models.
 */
import type { GpuBuffer, Tensor } from 'lab';
import { CheckFailure, isTensor, learnerFunction, outcome } from '$lib/lessons/check-helpers';
import { type LessonHarness, bytesOf } from '$lib/lessons/types';
import { D, H, gqaMemory } from './memory';
import { grouped, gqaRegistry, mhaRepeated } from './reference';

type KvHead = (h: number, H: number, g: number) => number;
type KvBytes = (L: number, g: number, d: number, N: number, b: number) => number;
type Upload = (k: Tensor, v: Tensor) => unknown;
type GqaDecode = (q: Tensor, cache: unknown) => Promise<Tensor>;

/** H query heads, g KV heads (H, H/4 and 1 for each H), n cached tokens, head dimension d. */
const CASES = [
  { H: 8, g: 8, n: 1, d: 16 },
  { H: 8, g: 2, n: 7, d: 16 },
  { H: 8, g: 1, n: 70, d: 32 },
  { H: 8, g: 2, n: 130, d: 64 },
  { H: 12, g: 12, n: 5, d: 8 },
  { H: 12, g: 3, n: 130, d: 64 },
  { H: 12, g: 1, n: 33, d: 16 }
];
const TOLERANCE = { atol: 1e-5, rtol: 1e-4 };
const GiB = 2 ** 30;
const K256 = 256 * 1024;
const fmt = (x: number) => x.toLocaleString('en-US');
const variant = (g: number, heads: number) => (g === heads ? 'MHA' : g === 1 ? 'MQA' : 'GQA');

const isGpuBuffer = (x: unknown): x is GpuBuffer =>
  typeof x === 'object' &&
  x !== null &&
  typeof (x as GpuBuffer).label === 'string' &&
  typeof (x as GpuBuffer).size === 'number';

/** Bytes held by a cache that upload() made: its GPU buffers (WebGPU) or its tensors (WASM). */
function cacheBytes(cache: unknown): number {
  if (typeof cache !== 'object' || cache === null) return 0;
  let total = 0;
  for (const x of Object.values(cache)) {
    if (isTensor(x)) total += x.data.byteLength;
    else if (isGpuBuffer(x)) total += x.size;
  }
  return total;
}

export const harness: LessonHarness = {
  checks: [
    {
      id: 'head-mapping',
      title: 'kvHead(h, H, g) sends each group of H/g consecutive query heads to one KV head',
      run: (ctx) =>
        outcome(() => {
          const kvHead = learnerFunction<KvHead>(ctx, 'kvHead', 'kvHead(h, H, g): number');
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
            const roundRobin = got.every((x, i) => x === i % g);
            const hint = roundRobin
              ? ' Your mapping is h mod g (round robin), so neighbouring heads read different KV heads. In GQA, consecutive query heads form a group (HF’s repeat_kv, FlashAttention’s repeat).'
              : !Number.isInteger(got[h]) || got[h] < 0 || got[h] >= g
                ? ` A KV head must be an integer from 0 to g − 1 = ${g - 1}.`
                : '';
            return {
              pass: false,
              message: `H = ${heads}, g = ${g}: query head ${h} should read KV head ${want[h]}, got ${String(got[h])} (your mapping: [${got.join(', ')}]).${hint}`
            };
          }
          return {
            pass: true,
            message: 'H = 32, g = 8: heads 0–3 read KV head 0, heads 4–7 KV head 1, …, heads 28–31 KV head 7'
          };
        })
    },
    {
      id: 'gqa-decode',
      title: 'GQA equals multi-head attention with K and V repeated (g = H, H/4, 1)',
      run: (ctx) =>
        outcome(async () => {
          const upload = learnerFunction<Upload>(ctx, 'upload', 'upload(k, v): Cache');
          const gqaDecode = learnerFunction<GqaDecode>(ctx, 'gqaDecode', 'gqaDecode(q, cache): Promise<Tensor>');
          const { tensors } = ctx.lab;
          for (const [i, { H: heads, g, n, d }] of CASES.entries()) {
            const q = tensors.randn([heads, d], 70 + i);
            const k = tensors.randn([g, n, d], 80 + i);
            const v = tensors.randn([g, n, d], 90 + i);
            const want = mhaRepeated(q, k, v);
            const registry = gqaRegistry(q, k, v);
            if (registry.data.some((x, j) => Math.abs(x - want.data[j]) > 1e-12)) {
              throw new Error('internal: the registry’s gqa_attention disagrees with MHA on repeated K/V');
            }
            const o = await gqaDecode(q, upload(k, v));
            if (!isTensor(o))
              throw new CheckFailure(`gqaDecode must return a Tensor { shape, data: Float32Array }, got ${String(o)}`);
            const c = tensors.compare(o, want, TOLERANCE);
            if (c.ok) continue;
            const where = `H = ${heads}, g = ${g} (${variant(g, heads)}), N = ${n}, d = ${d}`;
            const roundRobin =
              g < heads &&
              tensors.compare(
                o,
                mhaRepeated(q, k, v, (h, _H, gg) => h % gg),
                TOLERANCE
              ).ok;
            const hint = roundRobin
              ? ' Your output is GQA with query head h reading KV head h mod g: fix kvHead.'
              : c.firstMismatch >= 0 && o.shape.length === 2
                ? ` (rows are query heads: head ${Math.floor(c.firstMismatch / d)} should read KV head ${grouped(Math.floor(c.firstMismatch / d), heads, g)})`
                : '';
            return { pass: false, message: `${where}: ${c.message}.${hint}` };
          }
          return {
            pass: true,
            message: `matches MHA on repeated K/V (and the registry’s gqa_attention) for H = 8 and 12 with g = H, H/4, 1`
          };
        })
    },
    {
      id: 'cache-size',
      title: 'The cache holds g KV heads, not a copy per query head',
      run: (ctx) =>
        outcome(() => {
          const upload = learnerFunction<Upload>(ctx, 'upload', 'upload(k, v): Cache');
          const [heads, g, n, d] = [8, 2, 100, 16];
          const bytes = cacheBytes(upload(ctx.lab.tensors.randn([g, n, d], 1), ctx.lab.tensors.randn([g, n, d], 2)));
          const want = 2 * g * n * d * 4;
          if (bytes === want) {
            return {
              pass: true,
              message: `g = ${g} KV heads of ${n} tokens, d = ${d}: ${fmt(want)} bytes, ${heads / g}× less than MHA’s ${fmt((want * heads) / g)}`
            };
          }
          const message =
            bytes === (want * heads) / g
              ? `the cache holds K and V repeated for all H = ${heads} query heads (${fmt(bytes)} bytes): the output is right, but nothing is saved. Keep the g heads; let each query head read its KV head.`
              : bytes === 0
                ? 'no GPU buffers or tensors found in the object upload() returned: keep the K and V buffers (WebGPU) or tensors (WASM) as its fields'
                : `the cache holds ${fmt(bytes)} bytes; K and V for g = ${g} heads × ${n} tokens × d = ${d} in float32 are ${fmt(want)}`;
          return { pass: false, message };
        })
    },
    {
      id: 'mistral',
      title: 'Mistral-7B’s KV cache at 256K tokens is 32 GiB, a quarter of Llama-2-7B’s',
      run: (ctx) =>
        outcome(() => {
          const kvBytes = learnerFunction<KvBytes>(ctx, 'kvBytes', 'kvBytes(L, g, d, N, b): number');
          // Both models: 32 layers, 32 query heads of d = 128, bf16. Llama-2-7B keeps 32 KV heads, Mistral-7B 8.
          const mistral = kvBytes(32, 8, 128, K256, 2);
          const want = 2 * 32 * 8 * 128 * K256 * 2; // 34,359,738,368 bytes = 32 GiB
          if (mistral !== want) {
            return {
              pass: false,
              message: `kvBytes(32, 8, 128, 262,144, 2) returned ${String(mistral)}; 2·L·g·d·N·b = ${fmt(want)} bytes (${want / GiB} GiB)`
            };
          }
          const llama = kvBytes(32, 32, 128, K256, 2);
          const mqa = kvBytes(32, 1, 128, K256, 2);
          if (llama !== 4 * want || mqa * 8 !== want) {
            return {
              pass: false,
              message: `kvBytes should grow in proportion to g: g = 32 gave ${fmt(llama)}, g = 8 ${fmt(mistral)}, g = 1 ${fmt(mqa)}`
            };
          }
          return {
            pass: true,
            message: `Mistral-7B (g = 8): ${fmt(mistral)} bytes = ${mistral / GiB} GiB; Llama-2-7B (g = 32): ${llama / GiB} GiB; MQA (g = 1) would need ${mqa / GiB} GiB`
          };
        })
    }
  ],
  async sweep(ctx, n) {
    const { lab } = ctx;
    const upload = learnerFunction<Upload>(ctx, 'upload', 'upload(k, v): Cache');
    const gqaDecode = learnerFunction<GqaDecode>(ctx, 'gqaDecode', 'gqaDecode(q, cache): Promise<Tensor>');
    const G = ctx.learner.G ?? H / 4;
    if (typeof G !== 'number' || !Number.isInteger(G) || G < 1 || H % G !== 0) {
      throw new CheckFailure(
        `G must be a number of KV heads that divides H = ${H} (8, 4, 2 or 1); got ${JSON.stringify(G)}`
      );
    }
    const q = lab.tensors.randn([H, D], 3);
    const randomCache = (g: number, size: number) =>
      upload(lab.tensors.randn([g, size, D], 1), lab.tensors.randn([g, size, D], 2));
    const release = (cache: unknown) => {
      for (const x of Object.values(cache as object)) if (isGpuBuffer(x)) lab.gpu.release(x);
    };

    // The time and memory charts: one decode step of your model (H query heads, G KV heads).
    await lab.sweep({
      label: `g = ${G} (${variant(G, H)})`,
      n,
      setup: (size) => randomCache(G, size), // not timed: N cached tokens of G KV heads
      run: (cache) => gqaDecode(q, cache),
      bytes: (size) => bytesOf(gqaMemory(G), size)
    });

    // The cache your upload() holds, for g = H, H/4, 1, beside the analytic 2·g·d·N·4.
    const sizes = n.filter((size) => size <= 16384);
    const series = [H, H / 4, 1].flatMap((g) => {
      const points = sizes.map((size) => {
        const cache = upload(lab.tensors.zeros([g, size, D]), lab.tensors.zeros([g, size, D]));
        const bytes = cacheBytes(cache);
        release(cache);
        return [size, bytes] as [number, number];
      });
      const name = `g = ${g} (${variant(g, H)})`;
      return [
        { label: `${name}: your cache`, points },
        {
          label: `${name}: 2·g·d·N·4`,
          dashed: true,
          points: sizes.map((size) => [size, 2 * g * D * size * 4] as [number, number])
        }
      ];
    });
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
