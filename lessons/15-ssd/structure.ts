/**
 * Lesson 15's structural check, from the probe of one call: the chunked form keeps one
 * N_s × P state per chunk and head, and builds nothing as large as an L × L matrix. The
 * quadratic (attention) form over the whole sequence, or the recurrence with a state per token,
 * gives the same y and fails here, by name. The sweep reads the same count (`heldStates`) to chart
 * how many chunk steps step 3 walks one after another.
 */
import type { Tensor } from 'lab';
import { formatBytes } from '$lib/bench/format';
import { check, ensure, largestAllocation, learner, messages } from '$lib/lessons/kit';
import type { Check, ProbeRecord } from '$lib/lessons/types';

type Ssd = (x: Tensor, dt: Tensor, A: Tensor, B: Tensor, C: Tensor, chunk?: number) => Promise<Tensor>;

const m = messages('15-ssd', {
  quadratic:
    'For L = {L}, C = {chunk} your SSD made {what}, as large as an L × L matrix ({full}): that is the quadratic (attention) form over the whole sequence. The chunked form builds C × C blocks, one per chunk.',
  'too-many-states':
    'For L = {L}, C = {chunk}, H = {H} your SSD holds {states} head states of N_s × P at once, where the chunked form keeps one per chunk and head ({want}). More means a state per token, or chunks smaller than C: the recurrence, not SSD.',
  'chunked-ok':
    'for L = {L}, C = {chunk}: {states} head states of N_s × P (one per chunk and head), and the largest allocation, {what}, is below L × L ({full})'
});

// P, N_s and C all differ, so that a value's last two axes say whether it is a state.
const SHAPE = { L: 1024, H: 2, P: 16, N: 8, chunk: 64 };

/** A probed call's shape: length, heads, head width and state size. */
export interface ProbeShape {
  L: number;
  H: number;
  P: number;
  N: number;
}

/**
 * How many N_s × P head states the run held at once. WASM: the largest graph value whose last two
 * axes are (N_s, P) or (P, N_s), in states. WebGPU: the bytes of every buffer beyond the inputs,
 * the output and the uniform, in states.
 */
export function heldStates(record: ProbeRecord, backend: string, shape: ProbeShape = SHAPE): number {
  const { L, H, P, N } = shape;
  const state = N * P;
  if (backend === 'webgpu') {
    const io = 4 * (2 * L * H * P + L * H + H + 2 * L * N) + 64;
    const bytes = record.allocations.reduce((a, x) => a + x.bytes, 0);
    return Math.max(0, Math.floor((bytes - io) / (4 * state)));
  }
  let most = 0;
  for (const g of record.graphs) {
    for (const v of g.values) {
      const [a, b] = v.shape.slice(-2);
      if ((a === N && b === P) || (a === P && b === N))
        most = Math.max(
          most,
          v.shape.reduce((x, y) => x * y, 1)
        );
    }
  }
  return most / state;
}

export const structureChecks: Check[] = [
  check({
    id: 'chunked',
    title: 'One state per chunk, and nothing of size L × L',
    async run(ctx) {
      const ssd = learner<Ssd>(ctx, 'ssd', 'ssd(x, dt, A, B, C, chunk): Promise<Tensor>');
      const { L, H, P, N, chunk } = SHAPE;
      const t = ctx.lab.tensors;
      const x = t.randn([L, H, P], 500);
      const dt = t.from([L, H], new Array(L * H).fill(0.01));
      const A = t.from([H], [-1, -4]);
      const [B, C] = [t.randn([L, N], 501), t.randn([L, N], 502)];
      const { record } = await ctx.probe(() => ssd(x, dt, A, B, C, chunk));
      const full = 4 * L * L;
      const largest = largestAllocation(record);
      const what = largest?.text ?? 'nothing';
      const params = { L, chunk, H, what, full: formatBytes(full) };
      ensure(!largest || largest.bytes < full, () => m('quadratic', params));
      const states = heldStates(record, ctx.backend);
      const want = H * Math.ceil(L / chunk);
      ensure(states <= want, () => m('too-many-states', { ...params, states, want }));
      return m('chunked-ok', { ...params, states });
    }
  })
];
