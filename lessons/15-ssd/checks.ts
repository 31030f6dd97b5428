/**
 * Lesson 15 checks: the learner's chunked SSD against the float64 recurrence (the registry's
 * selective scan with a scalar A per head), on several shapes, chunk sizes and a long sequence;
 * and their duality map, head h → (q, k, v, g), fed to the registry's gated linear attention
 * (lesson 13's layer), against the same recurrence. The sweep times SSD over L, then over the
 * chunk size at a fixed L, and plots the state bytes of Mamba-1 and Mamba-2 layers.
 */
import type { Tensor } from 'lab';
import { uniform } from '$lib/kernels';
import { CheckFailure, isTensor, learnerFunction, outcome } from '$lib/lessons/check-helpers';
import { type Lab, type LessonContext, type LessonHarness, bytesOf } from '$lib/lessons/types';
import { CHUNK, HEADS, NS, P, memory } from './memory';
import { diagonalBlocksOnly, gla, glaInputs, recurrence } from './reference';

type Ssd = (x: Tensor, dt: Tensor, A: Tensor, B: Tensor, C: Tensor, chunk?: number) => Promise<Tensor>;
type ToGla = (x: Tensor, dt: Tensor, A: Tensor, B: Tensor, C: Tensor, h: number) => Record<string, unknown>;

const SSD_SIGNATURE = 'ssd(x, dt, A, B, C, chunk): Promise<Tensor>';
const GLA_SIGNATURE = 'toGla(x, dt, A, B, C, h): { q, k, v, g }';
/** Chunked vs recurrent in float32 (syllabus §3.12: "SSD minimal vs selective scan", 1e-4). */
const TOLERANCE = { atol: 1e-4, rtol: 1e-4 };

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

async function runSsd(f: Ssd, i: Inputs, chunk: number, what: string): Promise<Tensor> {
  const y = await f(i.x, i.dt, i.A, i.B, i.C, chunk);
  if (!isTensor(y))
    throw new CheckFailure(`${what}: ssd must return a Tensor { shape, data: Float32Array }, got ${String(y)}`);
  const want = i.x.shape;
  if (y.shape.length !== 3 || y.shape.some((s, k) => s !== want[k])) {
    throw new CheckFailure(
      `${what}: expected y of shape [${want.join(', ')}] ([L, H, P], like x), got [${y.shape.join(', ')}]`
    );
  }
  return y;
}

const CASES = [
  { L: 1, H: 1, P: 4, N: 4, chunk: 16 },
  { L: 7, H: 2, P: 8, N: 8, chunk: 16 },
  { L: 100, H: 2, P: 16, N: 16, chunk: 16 },
  { L: 200, H: 3, P: 8, N: 32, chunk: 32 },
  { L: 130, H: 2, P: 64, N: 64, chunk: 64 },
  { L: 1024, H: 2, P: 16, N: 16, chunk: 64 }
];

function ssdHint(lab: Lab, y: Tensor, i: Inputs, chunk: number, mismatch: number): string {
  const [, H, Pw] = i.x.shape;
  if (lab.tensors.compare(y, diagonalBlocksOnly(i.x, i.dt, i.A, i.B, i.C, chunk), TOLERANCE).ok) {
    return 'Your output holds the diagonal blocks (step 1) and nothing else: every chunk starts from a zero state. Step 3 must pass the states from chunk to chunk: h_[c] = e^{ΣA over chunk c−1} h_[c−1] + states[c−1].';
  }
  const l = Math.floor(mismatch / (H * Pw));
  const h = Math.floor(mismatch / Pw) % H;
  if (l < chunk) {
    return `Token ${l} (head ${h}) is in the first chunk, where no state is involved: step 1 is wrong. y_l = Σ_{s ≤ l} (C_l·B_s) e^{a_l − a_s} Δ_s x_s within the chunk.`;
  }
  const c = Math.floor(l / chunk);
  if (c >= 2) {
    return `Chunks 0 and 1 are right, token ${l} (head ${h}) in chunk ${c} is not: the state reaches the next chunk, but on its way through a whole chunk it must also decay, h_[c] = e^{Σ ΔA over chunk c−1}·h_[c−1] + states[c−1].`;
  }
  return `The first chunk is right; token ${l} (head ${h}), in chunk 1, is not: the state entering a chunk is wrong (step 2 builds it, step 3 passes it on, step 4 reads it through C_l, decayed by e^{a_l}).`;
}

function expectShape(what: string, t: unknown, shape: number[]): Tensor {
  if (!isTensor(t))
    throw new CheckFailure(`toGla: ${what} must be a Tensor { shape, data: Float32Array }, got ${String(t)}`);
  if (t.shape.length !== shape.length || t.shape.some((s, k) => s !== shape[k])) {
    throw new CheckFailure(`toGla: expected ${what} of shape [${shape.join(', ')}], got [${t.shape.join(', ')}]`);
  }
  return t;
}

export const harness: LessonHarness = {
  checks: [
    {
      id: 'ssd-recurrence',
      title: 'Chunked SSD equals the recurrence',
      run: (ctx) =>
        outcome(async () => {
          const f = learnerFunction<Ssd>(ctx, 'ssd', SSD_SIGNATURE);
          for (const [k, { L, H, P: Pw, N, chunk }] of CASES.entries()) {
            const i = makeInputs(ctx.lab, L, H, Pw, N, 100 + 10 * k);
            const what = `L = ${L}, H = ${H}, P = ${Pw}, N_s = ${N}, C = ${chunk}`;
            const y = await runSsd(f, i, chunk, what);
            if (!y.data.every(Number.isFinite))
              return { pass: false, message: `${what}: the output holds NaN or Infinity` };
            const c = ctx.lab.tensors.compare(y, recurrence(i.x, i.dt, i.A, i.B, i.C), TOLERANCE);
            if (!c.ok)
              return {
                pass: false,
                message: `${what}: ${c.message}. ${ssdHint(ctx.lab, y, i, chunk, c.firstMismatch)}`
              };
          }
          return {
            pass: true,
            message: `matches the recurrence for L = ${CASES.map((c) => c.L).join(', ')} with C = 16, 32, 64`
          };
        })
    },
    {
      id: 'duality',
      title: 'Each head is gated linear attention: q = C, k = B, v = Δ·x, g = Δ·A',
      run: (ctx) =>
        outcome(() => {
          const toGla = learnerFunction<ToGla>(ctx, 'toGla', GLA_SIGNATURE);
          const [L, H, Pw, N] = [200, 3, 8, 16];
          const i = makeInputs(ctx.lab, L, H, Pw, N, 7);
          const y = recurrence(i.x, i.dt, i.A, i.B, i.C);
          const { tensors } = ctx.lab;
          let worst = 0;
          for (let h = 0; h < H; h++) {
            const m = toGla(i.x, i.dt, i.A, i.B, i.C, h);
            if (typeof m !== 'object' || m === null)
              throw new CheckFailure(`toGla must return { q, k, v, g }, got ${String(m)}`);
            const q = expectShape('q', m.q, [L, N]);
            const k = expectShape('k', m.k, [L, N]);
            const v = expectShape('v', m.v, [L, Pw]);
            const g = expectShape('g', m.g, [L]);
            const want = glaInputs(i.x, i.dt, i.A, i.B, i.C, h);
            const same = (a: Tensor, b: { shape: readonly number[]; data: ArrayLike<number> }) =>
              tensors.compare(a, b, { atol: 1e-6, rtol: 1e-5 }).ok;
            const hints: string[] = [];
            if (!same(q, want.q) || !same(k, want.k)) {
              hints.push(
                same(q, want.k) && same(k, want.q)
                  ? 'q and k are swapped: C reads the state out (the query), B writes into it (the key).'
                  : 'q must be C and k must be B.'
              );
            }
            if (!same(v, want.v)) {
              const xh = tensors.from(
                [L, Pw],
                Array.from({ length: L * Pw }, (_, e) => i.x.data[(Math.floor(e / Pw) * H + h) * Pw + (e % Pw)])
              );
              hints.push(
                same(v, xh)
                  ? 'v = x is missing the step: Mamba feeds Δ_t·B_t·x_t into the state (Euler for B), so v = Δ·x.'
                  : 'v must be head h of x, times Δ: v_t = Δ_{t,h} x_{t,h}.'
              );
            }
            if (!same(g, want.g)) {
              const plainA = g.data.every((a) => Math.abs(a - i.A.data[h]) < 1e-6);
              hints.push(
                plainA
                  ? 'g = A is missing the step: the decay is a_t = e^{Δ_t A}, so g_t = Δ_t·A_h.'
                  : 'g must be the log decay of head h, g_t = Δ_{t,h}·A_h (≤ 0).'
              );
            }
            if (hints.length > 0) return { pass: false, message: `head ${h}: ${hints.join(' ')}` };
            const o = gla(q, k, v, g);
            const yh = tensors.from(
              [L, Pw],
              Array.from({ length: L * Pw }, (_, e) => y.data[(Math.floor(e / Pw) * H + h) * Pw + (e % Pw)])
            );
            const c = tensors.compare(o as unknown as Tensor, yh, TOLERANCE);
            if (!c.ok)
              return {
                pass: false,
                message: `head ${h}: gated linear attention of your (q, k, v, g) vs the recurrence: ${c.message}`
              };
            worst = Math.max(worst, c.maxAbsError);
          }
          return {
            pass: true,
            message: `on ${H} heads, lesson 13's layer reproduces the SSM recurrence (largest difference ${worst.toExponential(1)})`
          };
        })
    }
  ],
  async sweep(ctx: LessonContext, n) {
    const f = learnerFunction<Ssd>(ctx, 'ssd', SSD_SIGNATURE);
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
