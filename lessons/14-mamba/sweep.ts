/**
 * Lesson 14's sweep: the learner's parallel scan timed over N; the analytic bytes of the
 * materialised and streamed forms for a real Mamba layer; and sequential against parallel time.
 */
import type { Tensor } from 'lab';
import { learner, warmUp } from '$lib/lessons/kit';
import { type LessonContext, bytesOf } from '$lib/lessons/types';
import { D, LAYER, NS, memory, minimalBuffers, streamedBuffers } from './memory';
import { type Inputs, type Shape, makeInputs } from './reference';

type Form = 'sequential' | 'parallel';
type Scan = (x: Inputs, form?: Form) => Promise<Tensor>;

export const SIGNATURE = 'selectiveScan(x, form, bRule): Promise<Tensor>';

export async function sweep(ctx: LessonContext, n: number[]): Promise<void> {
  const scan = learner<Scan>(ctx, 'selectiveScan', SIGNATURE);
  if (n.length === 0) return;
  const shape = (size: number): Shape => ({ n: size, d: D, ns: NS });
  // Shader compilation or onnxruntime's first session would otherwise count in the first
  // point's wall time, from which the sweep predicts the next ones.
  await warmUp(ctx.lab, () => scan(makeInputs(ctx.lab, shape(n[0]), 1), 'parallel'));
  await ctx.lab.sweep({
    label: 'parallel scan (your code)',
    n,
    setup: (size) => makeInputs(ctx.lab, shape(size), 1),
    run: (x) => scan(x, 'parallel'),
    bytes: (size) => bytesOf(memory, size)
  });
  // The two analytic curves for a real layer's width, where the difference decides what fits.
  const { d, ns } = LAYER;
  const mib = (buffers: (n: number, d: number, ns: number) => { bytes: number }[]) =>
    n.map((s) => [s, buffers(s, d, ns).reduce((a, b) => a + b.bytes, 0) / 2 ** 20] as [number, number]);
  ctx.lab.plot({
    id: 'memory-forms',
    title: `Bytes of one scan for a Mamba layer, D = ${d} channels, N_s = ${ns} (analytic)`,
    x: { label: 'sequence length N', log: true },
    y: { label: 'MiB', log: true },
    series: [
      {
        label: 'materialised: deltaA and deltaB_u [N, D, N_s] (mamba-minimal)',
        dashed: true,
        points: mib(minimalBuffers)
      },
      {
        label: 'streamed: inputs and output only, the [D, N_s] state on chip',
        dashed: true,
        points: mib(streamedBuffers)
      }
    ]
  });
  await compareForms(ctx, scan, n, shape);
}

/**
 * Sequential vs parallel time over N, on every other length. Each form stops when its next point
 * is predicted to overrun its share of the budget: the timed work grows with N (a little faster
 * than linearly), the rest of the wall time (inputs, uploads, graph sessions) is taken as fixed.
 */
async function compareForms(ctx: LessonContext, scan: Scan, ns: number[], shape: (n: number) => Shape): Promise<void> {
  const BUDGET_MS = 6000; // per form, wall clock
  const REPEATS = 3;
  const series: Record<Form, [number, number][]> = { sequential: [], parallel: [] };
  const lengths = ns.filter((_, i) => (ns.length - 1 - i) % 2 === 0); // ends with the longest
  for (const form of ['sequential', 'parallel'] as const) {
    const start = Date.now();
    let last: { n: number; work: number; rest: number } | null = null;
    for (const n of lengths) {
      if (last && Date.now() - start + last.rest + last.work * Math.pow(n / last.n, 1.2) > BUDGET_MS) break;
      const x = makeInputs(ctx.lab, shape(n), 1);
      if (!last) await warmUp(ctx.lab, () => scan(x, form)); // the first call compiles shaders or starts onnxruntime
      const t0 = Date.now();
      const timing = await ctx.lab.time(() => scan(x, form), { warmup: 0, repeats: REPEATS });
      const work = timing.medianMs * REPEATS;
      last = { n, work, rest: Math.max(0, Date.now() - t0 - work) };
      series[form].push([n, timing.medianMs]);
      ctx.lab.plot({
        id: 'time-forms',
        title: `Sequential vs parallel scan, D = ${D}, N_s = ${NS}: time vs N`,
        x: { label: 'sequence length N', log: true },
        y: { label: `ms (median of ${REPEATS})`, log: true },
        series: [
          { label: 'sequential (streamed)', points: series.sequential },
          { label: 'parallel (scan over the associative operator)', points: series.parallel }
        ]
      });
    }
  }
}
