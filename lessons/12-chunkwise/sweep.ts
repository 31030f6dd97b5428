/**
 * Lesson 12's depth chart, called from the sweep in checks.ts once the chunkwise form has been
 * timed over N: how many steps must run one after another. For the chunkwise form that is the
 * scan over the chunk states, one per chunk; the count comes from a probe of one call at each N the
 * sweep measured (the chunk states the call allocated), not from the formula ⌈N/C⌉. The recurrent
 * form walks its N tokens one after another (one rank-one update per token, by construction).
 * Cost: one untimed call per N at dk = dv = 8, up to 5 s.
 */
import type { SweepResult, Tensor } from 'lab';
import type { LessonContext, ProbeRecord } from '$lib/lessons/types';

type Chunkwise = (q: Tensor, k: Tensor, v: Tensor, chunkSize: number) => Promise<Tensor>;

/** Head size of the probes: small, and a d×d state (4·P² bytes) never the size of a row-per-token array (4·N·P). */
const P = 8;
const PROBE_BUDGET_MS = 5000;

/**
 * Chunk states one call kept: its largest allocation that is not a row-per-token array (q, k, v, o
 * or a copy of one), in dk×dv states. The scan walks them in order.
 */
export function chunkStates(record: ProbeRecord, n: number): number {
  const perToken = 4 * n * P;
  const other = record.allocations.filter((a) => a.bytes !== perToken).map((a) => a.bytes);
  return Math.floor(Math.max(0, ...other) / (4 * P * P));
}

export async function depth(
  ctx: LessonContext,
  chunkwise: Chunkwise,
  results: readonly SweepResult[],
  c: number
): Promise<void> {
  const { lab } = ctx;
  const chunked: [number, number][] = [];
  const recurrent: [number, number][] = [];
  const start = Date.now();
  for (const { n } of results.filter((r) => r.status === 'measured')) {
    if (Date.now() - start > PROBE_BUDGET_MS) break;
    const q = lab.tensors.randn([n, P], 1);
    const k = lab.tensors.randn([n, P], 2);
    const v = lab.tensors.randn([n, P], 3);
    const { record } = await ctx.probe(() => chunkwise(q, k, v, c));
    [q, k, v].forEach((t) => lab.tensors.free(t));
    chunked.push([n, chunkStates(record, n)]);
    recurrent.push([n, n]);
    lab.plot({
      id: 'depth',
      title: `Steps that must run one after another, recurrent vs chunkwise (C = ${c}; chunk states counted by the probe)`,
      x: { label: 'sequence length N', log: true },
      y: { label: 'sequential steps', log: true },
      series: [
        { label: 'recurrent: N steps, one per token', points: recurrent },
        { label: 'chunkwise (your code): chunk states, walked in order', points: chunked },
        {
          label: '⌈N/C⌉',
          dashed: true,
          points: chunked.map(([size]) => [size, Math.ceil(size / c)] as [number, number])
        }
      ]
    });
  }
}
