/**
 * Lesson 21's sweep, over the answer length L (the charts' N), after a prompt of 16 tokens: the
 * time of one whole generation for four samplers (autoregressive: blocks of one, one token per
 * call; masked diffusion: one block, 4 tokens per call; block diffusion, blocks of 16, 4 tokens per
 * call, without and with the KV cache). Then, for every L that ran, one probed generation per
 * sampler: the sequential network calls the probes counted, and the positions each computed;
 * beside them the attention FLOPs of each sampler, counted by reference.ts's callCosts.
 * Cost: the four generations at every L (AR makes L calls; the others L/4).
 */
import { learner } from '$lib/lessons/kit';
import { type LessonContext, bytesOf } from '$lib/lessons/types';
import { PROMPT, SAMPLERS, memory } from './memory';
import { callCosts } from './reference';
import { counted, promptTokens } from './structure';

type CreateNetwork = (seed?: number) => unknown;
type Generate = (
  network: unknown,
  prompt: readonly number[],
  options: { genLength: number; blockLength: number; steps: number; cache: boolean }
) => Promise<number[]>;

export async function sweep(ctx: LessonContext, n: number[]): Promise<void> {
  const { lab } = ctx;
  const createNetwork = learner<CreateNetwork>(ctx, 'createNetwork', 'createNetwork(seed?): Network');
  const generate = learner<Generate>(ctx, 'generate', 'generate(network, prompt, options): Promise<number[]>');
  const prompt = promptTokens(PROMPT);
  const ran = new Map<string, number[]>();
  for (const s of SAMPLERS) {
    const results = await lab.sweep({
      label: s.label,
      n,
      setup: () => createNetwork(),
      run: (network, size) => generate(network, prompt, { genLength: size, ...s.config(size) }),
      bytes: (size) => bytesOf(memory, size)
    });
    ran.set(
      s.label,
      results.filter((r) => r.status === 'measured').map((r) => r.n)
    );
  }

  // One probed generation per sampler and length: the calls and positions the harness counted.
  const calls: { label: string; points: [number, number][] }[] = [];
  const positions: { label: string; points: [number, number][] }[] = [];
  for (const s of SAMPLERS) {
    const c: [number, number][] = [];
    const p: [number, number][] = [];
    for (const size of ran.get(s.label) ?? []) {
      const network = createNetwork();
      const { record } = await ctx.probe(() => generate(network, prompt, { genLength: size, ...s.config(size) }));
      const seen = counted(ctx, record);
      c.push([size, seen.calls]);
      p.push([size, seen.positions]);
    }
    calls.push({ label: s.label, points: c });
    positions.push({ label: s.label, points: p });
  }
  lab.plot({
    id: 'calls',
    title: 'Sequential network calls per generation (counted by the probes)',
    x: { label: 'answer length L', log: true },
    y: { label: 'network calls', log: true },
    series: calls
  });
  lab.plot({
    id: 'positions',
    title: 'Positions computed per generation, summed over its calls (counted by the probes)',
    x: { label: 'answer length L', log: true },
    y: { label: 'positions computed', log: true },
    series: positions
  });
  lab.plot({
    id: 'attention-flops',
    title: 'Attention FLOPs per generation (counted call by call by reference.ts, 2 layers, d = 64)',
    x: { label: 'answer length L', log: true },
    y: { label: 'FLOPs', log: true },
    series: SAMPLERS.map((s) => ({
      label: s.label,
      dashed: !s.config(64).cache,
      points: n.map((size) => {
        const { blockLength, steps, cache } = s.config(size);
        return [size, callCosts(PROMPT, size, blockLength, steps, cache).attentionFlops] as [number, number];
      })
    }))
  });
}
