/**
 * Lesson 21, the real network: the sampler's tokens against the float64 reference (with the cache
 * and without), and what the probes saw. A network call is one ONNX graph run on WASM and one
 * `embed` dispatch (the first of a call's five kernels) on WebGPU; the positions a call computed
 * are the rows of the graph's input h0, or the workgroups of kv.wgsl's dispatches (one per
 * position, per layer). The learner's code never reports these counts.
 */
import { type Message, check, dispatchCount, fail, hinted, learner, messages } from '$lib/lessons/kit';
import type { LessonContext, ProbeRecord } from '$lib/lessons/types';
import { VOCAB, callCosts, referenceGenerate, referenceWeights } from './reference';

type Network = unknown;
type CreateNetwork = (seed?: number) => Network;
type Generate = (
  network: Network,
  prompt: readonly number[],
  options: { genLength: number; blockLength: number; steps: number; cache: boolean }
) => Promise<number[]>;

const LAYERS = 2;
const SEED = 7;

/** Block diffusion, masked diffusion (one block) and autoregressive decoding (blocks of one). */
export const CONFIGS = [
  { name: 'block diffusion', prompt: 5, genLength: 16, blockLength: 4, steps: 8 },
  { name: 'masked diffusion', prompt: 3, genLength: 12, blockLength: 12, steps: 4 },
  { name: 'autoregressive', prompt: 2, genLength: 6, blockLength: 1, steps: 6 }
];

export const promptTokens = (n: number) => Array.from({ length: n }, (_, i) => (7 * i + 3) % VOCAB);

/** Network calls and positions computed, from a probe's record. */
export function counted(ctx: LessonContext, record: ProbeRecord): { calls: number; positions: number } {
  if (ctx.backend === 'webgpu') {
    const kv = record.dispatches.filter((d) => d.entryPoint === 'kv');
    return {
      calls: dispatchCount(record, 'embed'),
      positions: kv.reduce((a, d) => a + d.workgroups[0] * d.repeat, 0) / LAYERS
    };
  }
  return {
    calls: record.graphs.length,
    positions: record.graphs.reduce((a, g) => a + (g.inputs.find((x) => x.name === 'h0')?.shape[0] ?? 0), 0)
  };
}

const m = messages('21-diffusion-llm', {
  'net-wrong':
    '{name} (prompt {prompt}, L = {L}, B = {B}, T = {T}), cache {cache}: position {at} is {got}; the float64 reference draws {want}.',
  'net-stale':
    'Without the cache your tokens are right; with it they are not: the K and V a call reads from the cache must come from final tokens. The last call of a block computed its K and V while some of its tokens were still [MASK].',
  'net-masked': 'Position {at} is still [MASK] at the end: every step must commit as many tokens as the schedule says.',
  'net-ok': 'the sampler draws the float64 reference’s tokens from the network, with and without the cache ({cases})',
  'calls-wrong':
    '{name} with T = {T} steps, cache {cache}: the probes counted {got} network calls; a generation makes exactly T, one per step.',
  'calls-ok': 'network calls counted by the probes: {detail}',
  'cache-recomputes':
    'With the cache, {name} computed {got} positions over its {T} calls, as many as without it: each call recomputed the K and V of the prompt and of finished blocks. Start each call at the first position whose K and V in the cache are not final yet.',
  'cache-wrong':
    'With the cache, {name} computed {got} positions over its {T} calls; computing the prompt and each finished block once (in the first call of the next block) and the current block at every call makes {want}.',
  'cache-off':
    'With cache: false, {name} computed {got} positions; without a cache every call must compute every position up to the end of its block ({want}).',
  'cache-ok':
    'with the cache no call recomputes a finished block: {detail} positions computed (with / without the cache)'
});

async function generateOn(ctx: LessonContext, config: (typeof CONFIGS)[number], cache: boolean) {
  const createNetwork = learner<CreateNetwork>(ctx, 'createNetwork', 'createNetwork(seed?): Network');
  const generate = learner<Generate>(ctx, 'generate', 'generate(network, prompt, options): Promise<number[]>');
  const network = createNetwork(SEED);
  const { genLength, blockLength, steps } = config;
  return ctx.probe(async () =>
    Array.from(await generate(network, promptTokens(config.prompt), { genLength, blockLength, steps, cache }))
  );
}

export const networkCheck = check({
  id: 'network',
  title: 'On the lesson’s network, the sampler draws the float64 reference’s tokens, cache on or off',
  async run(ctx) {
    const w = referenceWeights(ctx.lab, SEED);
    for (const config of CONFIGS) {
      const want = referenceGenerate(w, promptTokens(config.prompt), config).tokens;
      const wrong: Record<string, Message | null> = {};
      for (const cache of [false, true]) {
        const { result: got } = await generateOn(ctx, config, cache);
        const at = want.findIndex((t, i) => got[i] !== t);
        if (at < 0 && got.length === want.length) {
          wrong[String(cache)] = null;
          continue;
        }
        const i = at < 0 ? want.length : at;
        const { name, prompt, genLength: L, blockLength: B, steps: T } = config;
        const msg = m('net-wrong', {
          name,
          prompt,
          L,
          B,
          T,
          cache: cache ? 'on' : 'off',
          at: i,
          got: String(got[i]),
          want: String(want[i])
        });
        wrong[String(cache)] = got[i] === VOCAB ? hinted(msg, m('net-masked', { at: i })) : msg;
      }
      if (wrong.false) fail(wrong.false);
      if (wrong.true) fail(hinted(wrong.true, m('net-stale')));
    }
    return m('net-ok', { cases: CONFIGS.map((c) => c.name).join(', ') });
  }
});

export const callsCheck = check({
  id: 'calls',
  title: 'A generation makes T network calls, counted by the probes',
  async run(ctx) {
    const detail: string[] = [];
    for (const config of CONFIGS) {
      for (const cache of [false, true]) {
        const { record } = await generateOn(ctx, config, cache);
        const { calls } = counted(ctx, record);
        const { name, steps: T } = config;
        if (calls !== T) fail(m('calls-wrong', { name, T, cache: cache ? 'on' : 'off', got: calls }));
      }
      detail.push(`${config.name} (L = ${config.genLength}, B = ${config.blockLength}): ${config.steps}`);
    }
    return m('calls-ok', { detail: detail.join('; ') });
  }
});

export const cacheCheck = check({
  id: 'cache',
  title: 'With the cache, no call recomputes the prompt’s or a finished block’s K and V (from the probes)',
  async run(ctx) {
    const detail: string[] = [];
    for (const config of CONFIGS) {
      const { name, prompt, genLength: L, blockLength: B, steps: T } = config;
      const [on, off] = [callCosts(prompt, L, B, T, true).positions, callCosts(prompt, L, B, T, false).positions];
      const withCache = counted(ctx, (await generateOn(ctx, config, true)).record).positions;
      if (withCache !== on) {
        fail(
          withCache === off && on !== off
            ? m('cache-recomputes', { name, got: withCache, T })
            : m('cache-wrong', { name, got: withCache, T, want: on })
        );
      }
      const without = counted(ctx, (await generateOn(ctx, config, false)).record).positions;
      if (without !== off) fail(m('cache-off', { name, got: without, want: off }));
      detail.push(`${name} ${on} / ${off}`);
    }
    return m('cache-ok', { detail: detail.join(', ') });
  }
});
