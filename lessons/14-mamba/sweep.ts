/**
 * Lesson 14's sweep: the learner's parallel scan timed over N; the analytic bytes of the
 * materialised and streamed forms for a real Mamba layer; the scan's rounds against N, counted
 * from probes (one untimed call per N, up to 5 s); and sequential against parallel time. On the
 * simd backend the time chart also has the sequential form, scan.as.ts on one CPU thread, beside
 * the parallel ONNX graph.
 */
import type { SweepResult, Tensor } from 'lab';
import { learner, warmUp } from '$lib/lessons/kit';
import { type Backend, type LessonContext, type ProbeRecord, bytesOf } from '$lib/lessons/types';
import { D, LAYER, NS, memory, minimalBuffers, streamedBuffers } from './memory';

/** The streamed form's analytic bytes: inputs, output and the [D, N_s] state. */
const streamed = { label: 'analytic, streamed form', buffers: (n: number) => streamedBuffers(n) };
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
  const results = await ctx.lab.sweep({
    label: 'parallel scan (your code)',
    n,
    setup: (size) => makeInputs(ctx.lab, shape(size), 1),
    run: (x) => scan(x, 'parallel'),
    bytes: (size) => bytesOf(memory, size)
  });
  if (ctx.backend === 'simd') {
    await warmUp(ctx.lab, () => scan(makeInputs(ctx.lab, shape(n[0]), 1), 'sequential'));
    await ctx.lab.sweep({
      label: 'sequential scan (your scan.as.ts, one thread)',
      n,
      setup: (size) => makeInputs(ctx.lab, shape(size), 1),
      run: (x) => scan(x, 'sequential'),
      bytes: (size) => bytesOf(streamed, size)
    });
  }
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
  await plotRounds(ctx, scan, results, shape);
  await compareForms(ctx, scan, n, shape);
}

/**
 * Rounds of the parallel form against N, counted from a probe of one call at each N the sweep
 * measured (WebGPU: dispatches of pscan.wgsl; WASM: the graph's runs when it runs several, else
 * the lengths its one graph halves the padded steps to, the rule of the 'rounds' check), beside
 * the N steps the sequential form takes one after another. Stops after PROBE_BUDGET_MS.
 */
const PROBE_BUDGET_MS = 5000;

async function plotRounds(
  ctx: LessonContext,
  scan: Scan,
  results: readonly SweepResult[],
  shape: (n: number) => Shape
): Promise<void> {
  const rounds: [number, number][] = [];
  const sequential: [number, number][] = [];
  const how = ctx.backend === 'webgpu' ? 'dispatches of pscan.wgsl' : 'levels of the ONNX graph’s scan';
  const start = Date.now();
  for (const { n } of results.filter((r) => r.status === 'measured')) {
    if (Date.now() - start > PROBE_BUDGET_MS) break;
    const x = makeInputs(ctx.lab, shape(n), 1);
    const { record } = await ctx.probe(() => scan(x, 'parallel'));
    rounds.push([n, countRounds(ctx.backend, record, shape(n))]);
    sequential.push([n, n]);
    ctx.lab.plot({
      id: 'depth',
      title: `Steps that must run one after another: sequential loop vs parallel scan (rounds counted by the probe: ${how})`,
      x: { label: 'sequence length N', log: true },
      y: { label: 'sequential steps (rounds)', log: true },
      series: [
        { label: 'sequential: N steps, one per token', points: sequential },
        { label: 'parallel scan (your code): rounds', points: rounds },
        {
          label: '⌈log₂ N⌉',
          dashed: true,
          points: rounds.map(([size]) => [size, Math.ceil(Math.log2(size))] as [number, number])
        }
      ]
    });
  }
}

function countRounds(backend: Backend, record: ProbeRecord, { n, d, ns }: Shape): number {
  if (backend === 'webgpu') return record.dispatches.filter((x) => x.file === 'pscan.wgsl').length;
  if (record.graphs.length !== 1) return record.graphs.length;
  const padded = 2 ** Math.ceil(Math.log2(n));
  const sizes = new Set<number>();
  for (const v of record.graphs[0].values) {
    if (v.shape.length === 2 && v.shape[1] === d * ns && v.shape[0] < padded) sizes.add(v.shape[0]);
  }
  return sizes.size;
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
