/**
 * Lesson 02 checks: cached generation (prefill, then one token at a time) against attention
 * recomputed over the whole sequence in float64; append, read back from the cache (rows pos.. and
 * nothing else); the structure of one decode step, from a probe (decode.ts); and the learner's
 * KV-cache byte formula on the models of the syllabus's table. The sweep (sweep.ts) times ONE decode
 * step with N tokens cached, charts its achieved bandwidth beside a plain copy, and plots the
 * cumulative generation time summed from those per-step times.
 */
import type { Tensor } from 'lab';
import {
  type Message,
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
import type { LessonHarness } from '$lib/lessons/types';
import { appendCheck, decodeStepCheck } from './decode';
import { D } from './memory';
import { sweep } from './sweep';
import { reference } from './reference';

type Generate = (q: Tensor, k: Tensor, v: Tensor, promptLength: number) => Promise<Tensor>;
type KvBytes = (L: number, g: number, d: number, N: number, b: number) => number;

const m = messages('02-kv-cache', {
  'decoded-row':
    'Rows 0..{last} (the prefill) match; row {row} is a decoded token. Does decodeStep write token t’s key and value into the cache BEFORE attending? Query t must see key t.',
  'prefill-row': 'The prefill rows already differ: check append and attend.',
  'prefill-unmasked':
    'The prefill rows equal attention WITHOUT the causal mask: in the prompt, query i (token pos + i) must not see the later prompt tokens, although they are already cached.',
  'decode-ok': 'matches recomputation for {cases} tokens (prompt + decoded)',
  'kv-wrong': '{name}: kvBytes({L}, {g}, {d}, {N}, {b}) returned {got}; expected 2·L·g·d·N·b = {want}.',
  'kv-half': 'That is exactly half: the cache holds a key AND a value for every token.',
  'kv-no-b': 'That is {b}× too small: multiply by the bytes per element b.',
  'kv-one-layer': 'That is one layer’s cache: every one of the L = {L} layers keeps its own.',
  'kv-ok':
    'full attention at 256K tokens needs {llama} bytes = {llamaGiB} GiB of cache in Llama-2-7B’s layout, {mistralGiB} GiB in Mistral-7B’s, {jambaGiB} GiB in Jamba’s'
});

/**
 * prompt = tokens prefilled at once; n = total tokens (the rest are decoded one at a time). The
 * edge cases: one token, and a prompt that does not fill append.wgsl's workgroups of 256.
 */
const CASES = cases(
  [
    { prompt: 1, n: 1, d: 8 },
    { prompt: 1, n: 6, d: 16 },
    { prompt: 5, n: 12, d: 16 },
    { prompt: 100, n: 133, d: 64 }
  ],
  { block: 256, make: (n) => ({ prompt: n - 2, n, d: 16 }) }
);
const TOLERANCE = { atol: 1e-5, rtol: 1e-4 };

const GiB = 2 ** 30;
const K256 = 256 * 1024; // 262,144 tokens
/** Models of SYLLABUS §2.1 (bf16, b = 2). Jamba keeps a KV cache in its 4 attention layers only. */
const MODELS = [
  { name: 'Llama-2-7B (MHA)', L: 32, g: 32, d: 128 },
  { name: 'Mistral-7B (GQA)', L: 32, g: 8, d: 128 },
  { name: 'Mixtral-8x7B (GQA)', L: 32, g: 8, d: 128 },
  { name: 'Jamba (4 attention layers)', L: 4, g: 8, d: 128 }
];
const fmt = (x: number) => x.toLocaleString('en-US');

/** Typical slips in the formula, recognised from the ratio to the right answer. */
function formulaHint(got: number, want: number, L: number, b: number): Message | null {
  if (got * 2 === want) return m('kv-half');
  if (got * b === want) return m('kv-no-b', { b });
  if (got * L === want) return m('kv-one-layer', { L });
  return null;
}

export const harness: LessonHarness = {
  checks: [
    check({
      id: 'decode',
      title: 'Cached decoding equals attention recomputed over the whole sequence',
      async run(ctx) {
        const generate = learner<Generate>(ctx, 'generate', 'generate(q, k, v, promptLength): Promise<Tensor>');
        for (const [i, { prompt, n, d }] of CASES.entries()) {
          const { q, k, v } = seeded(ctx.lab, { q: [n, d], k: [n, d], v: [n, d] }, 40 + 10 * i);
          const o = await generate(q, k, v, prompt);
          const where = `prompt of ${prompt}, ${n} tokens in all, d = ${d}`;
          expectClose(ctx.lab, o, reference(q, k, v), TOLERANCE, where, 'generate', (t, c) => {
            if (c.firstMismatch < 0) return null;
            const row = Math.floor(c.firstMismatch / d);
            if (row >= prompt) return m('decoded-row', { last: prompt - 1, row });
            const head = (x: Tensor) => ({ shape: [prompt, d], data: x.data.subarray(0, prompt * d) });
            const unmasked = reference(head(q), head(k), head(v), false);
            return matches(ctx.lab, head(t), unmasked, TOLERANCE) ? m('prefill-unmasked') : m('prefill-row');
          });
        }
        return m('decode-ok', { cases: CASES.map((c) => `${c.prompt}+${c.n - c.prompt}`).join(', ') });
      }
    }),
    appendCheck,
    decodeStepCheck,
    check({
      id: 'kv-bytes',
      title: 'kvBytes(L, g, d, N, b) gives the KV-cache sizes of real models',
      run(ctx) {
        const kvBytes = learner<KvBytes>(ctx, 'kvBytes', 'kvBytes(L, g, d, N, b): number');
        // Per token first (N = 1), then at 256K tokens; plus this lesson's float32 head, and N = 0.
        const sizes = [
          ...MODELS.flatMap((model) => [1, K256].map((N) => ({ ...model, N, b: 2 }))),
          { name: 'this lesson’s head (float32)', L: 1, g: 1, d: D, N: 1000, b: 4 },
          { name: 'an empty cache', L: 32, g: 32, d: 128, N: 0, b: 2 }
        ];
        for (const { name, L, g, d, N, b } of sizes) {
          const got = expectNumber(kvBytes(L, g, d, N, b), `kvBytes(${L}, ${g}, ${d}, ${fmt(N)}, ${b})`);
          const want = 2 * L * g * d * N * b;
          if (got === want) continue;
          const wrong = m('kv-wrong', { name, L, g, d, N: fmt(N), b, got: fmt(got), want: fmt(want) });
          const hint = formulaHint(got, want, L, b);
          fail(hint ? hinted(wrong, hint) : wrong);
        }
        // 2·32·32·128·262,144·2 = 137,438,953,472 bytes = 128 GiB.
        const llama = 2 * 32 * 32 * 128 * K256 * 2;
        return m('kv-ok', {
          llama: fmt(llama),
          llamaGiB: llama / GiB,
          mistralGiB: (2 * 32 * 8 * 128 * K256 * 2) / GiB,
          jambaGiB: (2 * 4 * 8 * 128 * K256 * 2) / GiB
        });
      }
    })
  ],
  sweep
};
