/**
 * Lesson 14's structural checks, from the probes. (4) The parallel form is a scan in ⌈log₂ N⌉
 * rounds: on WebGPU, dispatches of pscan.wgsl; on WASM, the levels of the graph's scan (the sizes
 * it halves the steps to), or its graph runs when it runs one graph per round. The sequential
 * loop handed in as the parallel form fails here, by name. (5) The sequential form streams: no
 * allocation as large as one [N, D, N_s] array.
 */
import type { Tensor } from 'lab';
import { check, ensure, largestAllocation, learner, messages } from '$lib/lessons/kit';
import { formatBytes } from '$lib/bench/format';
import type { Check, LessonContext, ProbeRecord } from '$lib/lessons/types';
import { type Inputs, type Shape, makeInputs } from './reference';
import { SIGNATURE } from './sweep';

type Scan = (x: Inputs, form?: 'sequential' | 'parallel') => Promise<Tensor>;

const m = messages('14-mamba', {
  'sequential-shortcut':
    'For N = {n} the parallel form {did}: it is the sequential loop, N steps one after another, not a scan in ⌈log₂ N⌉ = {want} rounds.',
  rounds:
    'For N = {n} the parallel form took {rounds} rounds ({how}); a scan over the associative operator takes ⌈log₂ N⌉ = {want}, each round combining every step with one a doubling distance back (Hillis–Steele) or halving the problem (Blelloch).',
  'rounds-ok': 'the parallel form takes ⌈log₂ N⌉ = {want} rounds for N = {n} ({how})',
  materialised:
    'For {shape} the sequential form allocated {what}, as much as an [N, D, N_s] array ({full}): the streamed loop keeps only the [D, N_s] state and uses each step’s ā and b̄u where it computes them, without storing them.',
  'streamed-ok': 'the sequential form’s largest allocation for {shape} is {what}, below one [N, D, N_s] array ({full})'
});

// Longer than one 256-wide workgroup, and not a power of 2: ⌈log₂ 1000⌉ = 10 rounds.
const ROUNDS: Shape = { n: 1000, d: 2, ns: 16 };
// Wide enough that [N, D, N_s] dwarfs every input and output ([N, N_s] is a quarter of it).
const STREAMED: Shape = { n: 1000, d: 4, ns: 16 };

const label = ({ n, d, ns }: Shape) => `N = ${n}, D = ${d}, N_s = ${ns}`;

async function probe(ctx: LessonContext, shape: Shape, form: 'sequential' | 'parallel'): Promise<ProbeRecord> {
  const scan = learner<Scan>(ctx, 'selectiveScan', SIGNATURE);
  const x = makeInputs(ctx.lab, shape, 400);
  return (await ctx.probe(() => scan(x, form))).record;
}

/**
 * Rounds of the WASM graph: its runs when there are several, else the distinct lengths k < M
 * (M = N padded to a power of 2) of its [k, D·N_s] values: a work-efficient scan halves the
 * steps log₂ M times; a loop unrolled into the graph works on single steps only.
 */
function graphRounds(record: ProbeRecord, shape: Shape): { rounds: number; how: string } {
  if (record.graphs.length > 1) return { rounds: record.graphs.length, how: 'graph runs' };
  const padded = 2 ** Math.ceil(Math.log2(shape.n));
  const w = shape.d * shape.ns;
  const sizes = new Set<number>();
  for (const v of record.graphs[0].values) {
    if (v.shape.length === 2 && v.shape[1] === w && v.shape[0] < padded) sizes.add(v.shape[0]);
  }
  return { rounds: sizes.size, how: `lengths the graph halves the ${padded} padded steps to` };
}

export const structureChecks: Check[] = [
  check({
    id: 'rounds',
    title: 'The parallel form is a scan in ⌈log₂ N⌉ rounds, not the sequential loop',
    async run(ctx) {
      const { n } = ROUNDS;
      const want = Math.ceil(Math.log2(n));
      const record = await probe(ctx, ROUNDS, 'parallel');
      let rounds: number;
      let how: string;
      if (ctx.backend === 'webgpu') {
        rounds = record.dispatches.filter((d) => d.file === 'pscan.wgsl').length;
        how = 'dispatches of pscan.wgsl';
        const looped = record.dispatches.some((d) => d.file === 'scan.wgsl');
        ensure(rounds > 0 || !looped, () =>
          m('sequential-shortcut', { n, want, did: 'dispatched scan.wgsl and no round of pscan.wgsl' })
        );
      } else {
        ensure(record.graphs.length > 0, () => m('sequential-shortcut', { n, want, did: 'ran no ONNX graph' }));
        ({ rounds, how } = graphRounds(record, ROUNDS));
      }
      ensure(rounds === want, () => m('rounds', { n, want, rounds, how }));
      return m('rounds-ok', { n, want, how });
    }
  }),
  check({
    id: 'streamed',
    title: 'The sequential form stores nothing of size [N, D, N_s]',
    async run(ctx) {
      const { n, d, ns } = STREAMED;
      const full = 4 * n * d * ns;
      const largest = largestAllocation(await probe(ctx, STREAMED, 'sequential'));
      const what = largest?.text ?? 'nothing';
      const params = { shape: label(STREAMED), what, full: formatBytes(full) };
      ensure(!largest || largest.bytes < full, () => m('materialised', params));
      return m('streamed-ok', params);
    }
  })
];
