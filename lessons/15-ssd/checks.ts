/**
 * Lesson 15 checks: the learner's chunked SSD against the float64 recurrence (the registry's
 * selective scan with a scalar A per head), on several shapes, chunk sizes and a long sequence
 * (L = 1 and L not a multiple of C among them); and their duality map, head h → (q, k, v, g), fed
 * to the registry's gated linear attention (lesson 13's layer), against the same recurrence; and
 * its structure (structure.ts): one state per chunk, nothing of size L × L; and Mamba-2's own
 * shape (N_s = 128, P = 64, C = 256). The sweep times SSD over L, then over the chunk size and over
 * the state size N_s (against the recurrence, the same code with C = 1), charts the sequential
 * chunk steps and dispatches against L from the probes, and plots the state bytes of Mamba-1 and
 * Mamba-2 layers.
 */
import type { Tensor } from 'lab';
import { uniform } from '$lib/kernels';
import {
  type Message,
  cases,
  check,
  dispatchCount,
  expectClose,
  expectTensor,
  fail,
  join,
  learner,
  matches,
  messages
} from '$lib/lessons/kit';
import { type Lab, type LessonContext, type LessonHarness, bytesOf } from '$lib/lessons/types';
import { CHUNK, HEADS, NS, P, memory } from './memory';
import { diagonalBlocksOnly, gla, glaInputs, recurrence } from './reference';
import { heldStates, structureChecks } from './structure';

type Ssd = (x: Tensor, dt: Tensor, A: Tensor, B: Tensor, C: Tensor, chunk?: number) => Promise<Tensor>;
type ToGla = (x: Tensor, dt: Tensor, A: Tensor, B: Tensor, C: Tensor, h: number) => unknown;

const m = messages('15-ssd', {
  'not-finite': '{where}: the output holds NaN or Infinity',
  zeros:
    'Your output is all zeros: none of the four steps reaches y yet. Each token gets its chunk’s diagonal block (step 1) plus the state entering its chunk, read out (step 4); steps 2 and 3 build and pass that state.',
  'diagonal-only':
    'Your output holds the diagonal blocks (step 1) and nothing else: every chunk starts from a zero state. Step 3 must pass the states from chunk to chunk: h_[c] = e^{ΣA over chunk c−1} h_[c−1] + states[c−1].',
  'first-chunk':
    'Token {token} (head {head}) is in the first chunk, where no state is involved: step 1 is wrong. y_l = Σ_{s ≤ l} (C_l·B_s) e^{a_l − a_s} Δ_s x_s within the chunk.',
  'state-carry':
    'Chunks 0 and 1 are right, token {token} (head {head}) in chunk {index} is not: the state reaches the next chunk, but on its way through a whole chunk it must also decay, h_[c] = e^{Σ ΔA over chunk c−1}·h_[c−1] + states[c−1].',
  'state-enter':
    'The first chunk is right; token {token} (head {head}), in chunk 1, is not: the state entering a chunk is wrong (step 2 builds it, step 3 passes it on, step 4 reads it through C_l, decayed by e^{a_l}).',
  'not-object': 'toGla must return { q, k, v, g }, got {got}',
  swapped: 'q and k are swapped: C reads the state out (the query), B writes into it (the key).',
  'q-k': 'q must be C and k must be B.',
  'v-no-step': 'v = x is missing the step: Mamba feeds Δ_t·B_t·x_t into the state (Euler for B), so v = Δ·x.',
  v: 'v must be head h of x, times Δ: v_t = Δ_{t,h} x_{t,h}.',
  'g-no-step': 'g = A is missing the step: the decay is a_t = e^{Δ_t A}, so g_t = Δ_t·A_h.',
  g: 'g must be the log decay of head h, g_t = Δ_{t,h}·A_h (≤ 0).',
  head: 'head {head}:',
  'gla-vs-recurrence': 'head {head}: gated linear attention of your (q, k, v, g) vs the recurrence',
  matches: 'matches the recurrence for L = {cases} with C = {chunks}',
  duality: 'on {heads} heads, lesson 13’s layer reproduces the SSM recurrence (largest difference {worst})',
  'state-too-small':
    'The same shape with N_s = {half} is right, N_s = {N} is not: somewhere the state of a head channel has room for fewer than {N} entries (a per-thread array, a buffer, a loop bound).',
  'mamba2-where': 'Mamba-2’s shape, N_s = {N}: L = {L}, H = {H}, P = {P}, C = {chunk}',
  mamba2:
    'Mamba-2’s shape (N_s = {N}, P = {P}, C = {chunk}) at L = {L}: matches the recurrence, largest difference {worst}; each head keeps a P × N_s = {state}-number state'
});

const SSD_SIGNATURE = 'ssd(x, dt, A, B, C, chunk): Promise<Tensor>';
const GLA_SIGNATURE = 'toGla(x, dt, A, B, C, h): { q, k, v, g }';
/** Chunked vs recurrent in float32 (syllabus §3.12: "SSD minimal vs selective scan", 1e-4). */
const TOLERANCE = { atol: 1e-4, rtol: 1e-4 };
/** toGla only rearranges and multiplies: its tensors must equal the map's almost exactly. */
const EXACT = { atol: 1e-6, rtol: 1e-5 };

const ssdFn = (ctx: LessonContext) => learner<Ssd>(ctx, 'ssd', SSD_SIGNATURE);

interface Inputs {
  x: Tensor;
  dt: Tensor;
  A: Tensor;
  B: Tensor;
  C: Tensor;
}

/**
 * Mamba-2's initialisation: Δ log-uniform in [0.001, 0.1], A_h uniform in [−16, −1]; x, B, C
 * standard normal. (Mamba-2 computes Δ = softplus(dt + bias) with the bias set so that Δ starts in
 * that range.)
 */
function makeInputs(lab: Lab, L: number, H: number, Pw: number, N: number, seed: number): Inputs {
  const f = (shape: number[], values: ArrayLike<number>) => lab.tensors.from(shape, values);
  const logDt = uniform([L * H], seed, Math.log(0.001), Math.log(0.1)).data;
  return {
    x: lab.tensors.randn([L, H, Pw], seed + 1),
    dt: f([L, H], Array.from(logDt, Math.exp)),
    A: f([H], uniform([H], seed + 2, -16, -1).data),
    B: lab.tensors.randn([L, N], seed + 3),
    C: lab.tensors.randn([L, N], seed + 4)
  };
}

/** Own cases (n = L); `cases` adds L = 1 and L not a multiple of C when the list lacks them. */
/** Mamba-2's defaults (mamba2.py): d_state N_s = 128, headdim P = 64, chunk_size C = 256; 3 chunks, the last one short. */
const MAMBA2 = { L: 600, H: 2, P: 64, N: 128, chunk: 256 };

const CASES = cases(
  [
    { n: 1, H: 1, P: 4, N: 4, chunk: 16 },
    { n: 7, H: 2, P: 8, N: 8, chunk: 16 },
    { n: 100, H: 2, P: 16, N: 16, chunk: 16 },
    { n: 200, H: 3, P: 8, N: 32, chunk: 32 },
    { n: 130, H: 2, P: 64, N: 64, chunk: 64 },
    { n: 1024, H: 2, P: 16, N: 16, chunk: 64 }
  ],
  { block: 16, make: (n) => ({ n, H: 2, P: 8, N: 8, chunk: 16 }) }
);

/** Which step a wrong output points at: none of the states (diagonal blocks only), or where the first wrong token sits. */
function ssdHint(lab: Lab, y: Tensor, i: Inputs, chunk: number, mismatch: number): Message {
  const [, H, Pw] = i.x.shape;
  if (y.data.every((v) => v === 0)) return m('zeros');
  if (matches(lab, y, diagonalBlocksOnly(i.x, i.dt, i.A, i.B, i.C, chunk), TOLERANCE)) return m('diagonal-only');
  const token = Math.floor(mismatch / (H * Pw));
  const head = Math.floor(mismatch / Pw) % H;
  if (token < chunk) return m('first-chunk', { token, head });
  const index = Math.floor(token / chunk);
  return index >= 2 ? m('state-carry', { token, head, index }) : m('state-enter', { token, head });
}

/** Head h of a [L, H, P] array, as [L, P]. */
function headOf(data: ArrayLike<number>, L: number, H: number, Pw: number, h: number): Float64Array {
  return Float64Array.from({ length: L * Pw }, (_, e) => data[(Math.floor(e / Pw) * H + h) * Pw + (e % Pw)]);
}

/** What is wrong with the learner's (q, k, v, g) for head h, as hints; empty when nothing is. */
function mapHints(lab: Lab, got: Record<'q' | 'k' | 'v' | 'g', Tensor>, i: Inputs, h: number): Message[] {
  const [L, H, Pw] = i.x.shape;
  const want = glaInputs(i.x, i.dt, i.A, i.B, i.C, h);
  const same = (a: Tensor, b: { shape: readonly number[]; data: ArrayLike<number> }) => matches(lab, a, b, EXACT);
  const hints: Message[] = [];
  if (!same(got.q, want.q) || !same(got.k, want.k)) {
    hints.push(same(got.q, want.k) && same(got.k, want.q) ? m('swapped') : m('q-k'));
  }
  if (!same(got.v, want.v)) {
    hints.push(same(got.v, { shape: [L, Pw], data: headOf(i.x.data, L, H, Pw, h) }) ? m('v-no-step') : m('v'));
  }
  if (!same(got.g, want.g)) {
    hints.push(got.g.data.every((a) => Math.abs(a - i.A.data[h]) < 1e-6) ? m('g-no-step') : m('g'));
  }
  return hints;
}

export const harness: LessonHarness = {
  checks: [
    check({
      id: 'ssd-recurrence',
      title: 'Chunked SSD equals the recurrence',
      async run(ctx) {
        const f = ssdFn(ctx);
        for (const [k, { n: L, H, P: Pw, N, chunk }] of CASES.entries()) {
          const i = makeInputs(ctx.lab, L, H, Pw, N, 100 + 10 * k);
          const where = `L = ${L}, H = ${H}, P = ${Pw}, N_s = ${N}, C = ${chunk}`;
          const y = expectTensor(await f(i.x, i.dt, i.A, i.B, i.C, chunk), i.x.shape, `ssd (${where})`);
          if (!y.data.every(Number.isFinite)) fail(m('not-finite', { where }));
          expectClose(ctx.lab, y, recurrence(i.x, i.dt, i.A, i.B, i.C), TOLERANCE, where, 'ssd', (_, c) =>
            ssdHint(ctx.lab, y, i, chunk, c.firstMismatch)
          );
        }
        const chunks = [...new Set(CASES.map((c) => c.chunk))].join(', ');
        return m('matches', { cases: CASES.map((c) => c.n).join(', '), chunks });
      }
    }),
    check({
      id: 'duality',
      title: 'Each head is gated linear attention: q = C, k = B, v = Δ·x, g = Δ·A',
      run(ctx) {
        const toGla = learner<ToGla>(ctx, 'toGla', GLA_SIGNATURE);
        const { lab } = ctx;
        const [L, H, Pw, N] = [200, 3, 8, 16];
        const i = makeInputs(lab, L, H, Pw, N, 7);
        const y = recurrence(i.x, i.dt, i.A, i.B, i.C);
        let worst = 0;
        for (let h = 0; h < H; h++) {
          const r = toGla(i.x, i.dt, i.A, i.B, i.C, h);
          if (typeof r !== 'object' || r === null) fail(m('not-object', { got: String(r) }));
          const map = r as Record<string, unknown>;
          const got = {
            q: expectTensor(map.q, [L, N], 'toGla → q'),
            k: expectTensor(map.k, [L, N], 'toGla → k'),
            v: expectTensor(map.v, [L, Pw], 'toGla → v'),
            g: expectTensor(map.g, [L], 'toGla → g')
          };
          const hints = mapHints(lab, got, i, h);
          if (hints.length > 0) fail(join(m('head', { head: h }), ...hints));
          const o = lab.tensors.from([L, Pw], gla(got.q, got.k, got.v, got.g).data);
          const yh = { shape: [L, Pw], data: headOf(y.data, L, H, Pw, h) };
          expectClose(lab, o, yh, TOLERANCE, m('gla-vs-recurrence', { head: h }).text, 'gated linear attention');
          worst = Math.max(worst, lab.tensors.compare(o, yh, TOLERANCE).maxAbsError);
        }
        return m('duality', { heads: H, worst: worst.toExponential(1) });
      }
    }),
    check({
      id: 'mamba2-state',
      title: 'Mamba-2’s state size: N_s = 128, P = 64, C = 256',
      async run(ctx) {
        const f = ssdFn(ctx);
        const { L, H, P: Pw, N, chunk } = MAMBA2;
        const i = makeInputs(ctx.lab, L, H, Pw, N, 300);
        const where = m('mamba2-where', MAMBA2).text;
        const y = expectTensor(await f(i.x, i.dt, i.A, i.B, i.C, chunk), i.x.shape, `ssd (${where})`);
        if (!y.data.every(Number.isFinite)) fail(m('not-finite', { where }));
        const want = recurrence(i.x, i.dt, i.A, i.B, i.C);
        // The same shape with half the state tells a size limit apart from a wrong step.
        const smaller = async () => {
          const h = makeInputs(ctx.lab, L, H, Pw, N / 2, 301);
          const z = await f(h.x, h.dt, h.A, h.B, h.C, chunk);
          return matches(ctx.lab, z, recurrence(h.x, h.dt, h.A, h.B, h.C), TOLERANCE);
        };
        const halfOk = matches(ctx.lab, y, want, TOLERANCE) || (await smaller());
        expectClose(ctx.lab, y, want, TOLERANCE, where, 'ssd', (_, c) =>
          halfOk ? m('state-too-small', { N, half: N / 2 }) : ssdHint(ctx.lab, y, i, chunk, c.firstMismatch)
        );
        const worst = ctx.lab.tensors.compare(y, want, TOLERANCE).maxAbsError;
        return m('mamba2', { ...MAMBA2, state: Pw * N, worst: worst.toExponential(1) });
      }
    }),
    ...structureChecks
  ],
  async sweep(ctx, n) {
    const f = ssdFn(ctx);
    const { lab } = ctx;
    await lab.sweep({
      label: `chunked SSD (your code), C = ${CHUNK}`,
      n,
      setup: (L) => makeInputs(lab, L, HEADS, P, NS, 1),
      run: (i) => f(i.x, i.dt, i.A, i.B, i.C, CHUNK),
      bytes: (L) => bytesOf(memory, L)
    });

    // Time against the chunk size at a fixed length: the blocks grow like C², the steps of the
    // recurrence from chunk to chunk shrink like L/C.
    const L = 2048;
    const i = makeInputs(lab, L, HEADS, P, NS, 2);
    const points: [number, number][] = [];
    for (const chunk of [8, 16, 32, 64, 128, 256]) {
      const t = await lab.time(() => f(i.x, i.dt, i.A, i.B, i.C, chunk), { warmup: 1, repeats: 3 });
      points.push([chunk, t.medianMs]);
    }
    lab.plot({
      id: 'chunk-size',
      title: `Time vs chunk size (L = ${L}, H = ${HEADS}, P = ${P}, N_s = ${NS})`,
      x: { label: 'chunk size C', log: true },
      y: { label: 'time (ms, median)', log: true },
      series: [{ label: 'chunked SSD (your code)', points }]
    });

    // Time against the state size N_s at the same L: the chunked form (C = 64) against the
    // recurrence, which is the same code with chunks of one token (L sequential steps of step 3,
    // a state per token, no blocks to multiply). Both do work ∝ N_s per token; the question is
    // what each extra state entry costs, in matmuls (SSD) or in sequential elementwise steps.
    const sizes = [16, 32, 64, 128];
    const bySize: Record<'ssd' | 'scan', [number, number][]> = { ssd: [], scan: [] };
    for (const N of sizes) {
      const j = makeInputs(lab, L, HEADS, P, N, 3);
      for (const [form, chunk] of [
        ['ssd', CHUNK],
        ['scan', 1]
      ] as const) {
        const t = await lab.time(() => f(j.x, j.dt, j.A, j.B, j.C, chunk), { warmup: 1, repeats: 3 });
        bySize[form].push([N, t.medianMs]);
      }
    }
    lab.plot({
      id: 'state-size',
      title: `Time vs state size N_s (L = ${L}, H = ${HEADS}, P = ${P})`,
      x: { label: 'state size N_s', log: true },
      y: { label: 'time (ms, median)', log: true },
      series: [
        {
          label: `chunked SSD (your code), C = ${CHUNK}: ⌈L/C⌉ = ${Math.ceil(L / CHUNK)} sequential steps`,
          points: bySize.ssd
        },
        { label: `recurrence (your code with C = 1): L = ${L} sequential steps`, points: bySize.scan }
      ]
    });

    // Sequential depth against L, from the probes: step 3 walks one state per chunk, one after the
    // other, so the states a call holds (per head) are its sequential steps; the dispatches (WebGPU)
    // or graph runs (WASM) per call do not depend on L at all.
    const depthShape = { H: 2, P: 16, N: 8 };
    const depth: Record<'ssd' | 'scan' | 'calls', [number, number][]> = { ssd: [], scan: [], calls: [] };
    for (const len of [256, 1024, 4096]) {
      const shape = { L: len, ...depthShape };
      const j = makeInputs(lab, len, shape.H, shape.P, shape.N, 4);
      for (const [form, chunk] of [
        ['ssd', CHUNK],
        ['scan', 1]
      ] as const) {
        const { record } = await ctx.probe(() => f(j.x, j.dt, j.A, j.B, j.C, chunk));
        depth[form].push([len, heldStates(record, ctx.backend, shape) / shape.H]);
        if (form === 'ssd') depth.calls.push([len, dispatchCount(record) + record.graphs.length]);
      }
    }
    lab.plot({
      id: 'sequential-depth',
      title: `Sequential steps per call against L (probed; H = ${depthShape.H}, P = ${depthShape.P}, N_s = ${depthShape.N})`,
      x: { label: 'sequence length L', log: true },
      y: { label: 'count per call', log: true },
      series: [
        { label: 'recurrence (C = 1): states walked one after another', points: depth.scan },
        { label: `chunked SSD, C = ${CHUNK}: states walked one after another`, points: depth.ssd },
        { label: 'chunked SSD: GPU dispatches + ONNX graph runs', points: depth.calls }
      ]
    });

    // State per layer and sequence, float32: Mamba-1 keeps E·D channels × N_s = 16 (mamba_simple.py),
    // Mamba-2 keeps h heads × P = 64 × N_s = 128 (mamba2.py) with h·P = E·D, both with E = 2.
    const widths = [768, 1024, 1536, 2048, 2560];
    const mamba1 = (D: number) => 4 * 2 * D * 16;
    const mamba2 = (D: number) => 4 * ((2 * D) / 64) * 64 * 128;
    lab.plot({
      id: 'state-bytes',
      title: 'Recurrent state per layer (float32), constant in N',
      x: { label: 'model width D (expand E = 2)' },
      y: { label: 'bytes', log: true },
      series: [
        { label: 'Mamba-1: E·D·N_s, N_s = 16', points: widths.map((D) => [D, mamba1(D)]), dashed: true },
        { label: 'Mamba-2: h·P·N_s, P = 64, N_s = 128', points: widths.map((D) => [D, mamba2(D)]), dashed: true }
      ]
    });
  }
};
