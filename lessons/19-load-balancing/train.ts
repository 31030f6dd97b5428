/**
 * The toy problem lesson 19 trains in the tab: a top-1 router over E = 8 experts, trained by
 * gradient descent on one fixed, seeded batch of T tokens, three ways at once (no balancing, the
 * Switch auxiliary loss, the auxiliary-loss-free bias), with the learner's routerLogits (a WGSL
 * or ONNX kernel), route, auxLoss and updateBias.
 *
 * The toy, as the README states it:
 * - tokens: x_t = μ + g_t, g_t ~ N(0, I_d), d = 16, μ a fixed seeded unit vector that every token
 *   shares (the direction that lets one expert win them all); T = 1024 tokens, the same each step;
 * - router: logits = x·W, W: [d, E] drawn from N(0, 0.01²); p = softmax(logits); top-1 on p + b;
 * - the rich get richer: expert i has a skill s_i (1 at the start), an exponential moving average
 *   (decay 0.9) of E·load_i/T, the share of the batch it trained on; the task loss
 *   −(1/T)·Σ_t p_t[e_t]·s_{e_t} rewards sending a token to a skilled expert;
 * - every run adds the z-loss β·mean_t lse_t², β = 10⁻³ (its gradient 2β·lse_t·p_t/T is written
 *   here); the aux run adds α·E·Σ f_i·P_i with α = 1, its gradient read off the learner's auxLoss
 *   (f_i is a count and carries no gradient, so the loss is linear in each P_i: raising column i of
 *   the probabilities by 1 raises it by exactly ∂L/∂P_i); the bias run updates b with u = 0.002;
 * - plain SGD on W, learning rate 0.1, 200 steps.
 * Cost per step: the T·E·d logits kernel, O(T·E·d) for the gradient, and E + 1 calls of auxLoss
 * (O(T·E) each) in the aux run.
 */
import type { Tensor } from 'lab';
import type { Lab } from '$lib/lessons/types';
import { logsumexp, loads, maxOverMean, softmaxRows } from './reference';

export const TOY = {
  tokens: 1024,
  dim: 16,
  experts: 8,
  steps: 200,
  lr: 0.1,
  alpha: 1,
  beta: 1e-3,
  rate: 0.002,
  decay: 0.9,
  seed: 19
} as const;

export type Mode = 'none' | 'aux' | 'bias';

export interface Api {
  routerLogits(x: Tensor, w: Tensor): Promise<Tensor>;
  auxLoss(probs: Tensor, expert: ArrayLike<number>, alpha: number): number;
  route(probs: Tensor, bias: ArrayLike<number>): { expert: Int32Array; weight: Float32Array };
  updateBias(bias: ArrayLike<number>, load: ArrayLike<number>, rate: number): Float32Array;
}

/** One router being trained. */
export interface Run {
  mode: Mode;
  w: Float64Array;
  bias: Float32Array;
  skill: Float64Array;
  /** Tokens per expert at the latest step. */
  load: Float64Array;
  /** max/mean load, one per step taken. */
  ratios: number[];
}

/** The batch: T seeded tokens x_t = μ + g_t, as a lab tensor [T, d]. */
export function batch(lab: Lab, tokens: number, dim = TOY.dim, seed = TOY.seed): Tensor {
  const x = lab.tensors.randn([tokens, dim], seed);
  const mu = lab.tensors.randn([dim], seed + 1);
  const norm = Math.hypot(...mu.data);
  for (let t = 0; t < tokens; t++) for (let c = 0; c < dim; c++) x.data[t * dim + c] += mu.data[c] / norm;
  lab.tensors.free(mu);
  return x;
}

/** A fresh router: W ~ N(0, 0.01²) from the same seed for every mode, zero bias, skills 1. */
export function start(lab: Lab, mode: Mode, dim = TOY.dim, experts = TOY.experts): Run {
  const w0 = lab.tensors.randn([dim, experts], TOY.seed + 2);
  const w = Float64Array.from(w0.data, (v) => 0.01 * v);
  lab.tensors.free(w0);
  return {
    mode,
    w,
    bias: new Float32Array(experts),
    skill: new Float64Array(experts).fill(1),
    load: new Float64Array(experts),
    ratios: []
  };
}

/** ∂(aux loss)/∂P_i for every expert, from the learner's auxLoss (it is linear in each P_i). */
function auxGradient(api: Api, probs: Tensor, expert: Int32Array, alpha: number): Float64Array {
  const [tokens, experts] = probs.shape;
  const base = api.auxLoss(probs, expert, alpha);
  return Float64Array.from({ length: experts }, (_, i) => {
    const raised = Float32Array.from(probs.data);
    for (let t = 0; t < tokens; t++) raised[t * experts + i] += 1;
    return api.auxLoss({ shape: probs.shape, data: raised }, expert, alpha) - base;
  });
}

/** One training step of `run` on the batch x: route, record the load, descend, update the bias. */
export async function step(lab: Lab, api: Api, x: Tensor, run: Run): Promise<void> {
  const [tokens, dim] = x.shape;
  const experts = run.bias.length;
  const w = lab.tensors.from([dim, experts], run.w);
  const logits = await api.routerLogits(x, w);
  lab.tensors.free(w);
  const p = softmaxRows(logits);
  const lse = logsumexp(logits);
  const probs: Tensor = { shape: [tokens, experts], data: Float32Array.from(p) };
  const { expert } = api.route(probs, run.mode === 'bias' ? run.bias : new Float32Array(experts));
  run.load = loads(expert, experts);
  run.ratios.push(maxOverMean(run.load));

  // ∂L/∂p: the task term on each token's chosen expert, plus the aux term on every expert.
  const g = new Float64Array(tokens * experts);
  for (let t = 0; t < tokens; t++) g[t * experts + expert[t]] = -run.skill[expert[t]] / tokens;
  if (run.mode === 'aux') {
    const dP = auxGradient(api, probs, expert, TOY.alpha);
    for (let t = 0; t < tokens; t++) for (let i = 0; i < experts; i++) g[t * experts + i] += dP[i] / tokens;
  }
  // ∂L/∂logits through the softmax, plus the z-loss; then ∂L/∂W = xᵀ·∂L/∂logits.
  const grad = new Float64Array(dim * experts);
  const dz = new Float64Array(experts);
  for (let t = 0; t < tokens; t++) {
    let dot = 0;
    for (let i = 0; i < experts; i++) dot += p[t * experts + i] * g[t * experts + i];
    for (let i = 0; i < experts; i++) {
      const pi = p[t * experts + i];
      dz[i] = pi * (g[t * experts + i] - dot) + (2 * TOY.beta * lse[t] * pi) / tokens;
    }
    for (let c = 0; c < dim; c++) {
      const xc = x.data[t * dim + c];
      for (let i = 0; i < experts; i++) grad[c * experts + i] += xc * dz[i];
    }
  }
  for (let j = 0; j < grad.length; j++) run.w[j] -= TOY.lr * grad[j];
  // The experts that trained on more tokens get better: the rich get richer.
  for (let i = 0; i < experts; i++) {
    run.skill[i] = TOY.decay * run.skill[i] + ((1 - TOY.decay) * experts * run.load[i]) / tokens;
  }
  if (run.mode === 'bias') run.bias = Float32Array.from(api.updateBias(run.bias, run.load, TOY.rate));
}

export const MODES: { mode: Mode; label: string }[] = [
  { mode: 'none', label: 'no balancing' },
  { mode: 'aux', label: `aux loss, α = ${TOY.alpha}` },
  { mode: 'bias', label: `bias, u = ${TOY.rate}` }
];

/** Grouped bars drawn as lines: series k's bar for expert i spans a third of the slot around i + 1. */
function bars(load: Float64Array, k: number, of: number): [number, number][] {
  const total = load.reduce((a, v) => a + v, 0);
  const width = 0.8 / of;
  return Array.from(load).flatMap((v, i) => {
    const [lo, hi] = [i + 0.6 + k * width, i + 0.6 + (k + 1) * width];
    const y = (100 * v) / total;
    // Six points a bar (more than the chart's 40-point threshold for markers): drawn as lines.
    return [
      [lo, 0],
      [lo, y],
      [lo + width / 3, y],
      [hi - width / 3, y],
      [hi, y],
      [hi, 0]
    ] as [number, number][];
  });
}

/** A horizontal guide line at y from x0 to x1, in 41 points (a line, not markers, on the chart). */
const level = (x0: number, x1: number, y: number) =>
  Array.from({ length: 41 }, (_, i) => [x0 + ((x1 - x0) * i) / 40, y] as [number, number]);

/** Draw the load histogram at this step and max/mean against steps (redrawn: an animation). */
export function draw(lab: Lab, runs: Run[], stepsDone: number): void {
  const experts = runs[0].load.length;
  lab.plot({
    id: 'load-histogram',
    title: `Share of the ${TOY.tokens} tokens per expert after step ${stepsDone} of ${TOY.steps} (E = ${experts}, top-1)`,
    x: { label: 'expert' },
    y: { label: '% of tokens' },
    series: [
      ...runs.map((r, k) => ({
        label: MODES.find((m) => m.mode === r.mode)!.label,
        points: bars(r.load, k, runs.length)
      })),
      {
        label: `balanced: ${(100 / experts).toFixed(1)} %`,
        points: level(0.5, experts + 0.5, 100 / experts),
        dashed: true
      }
    ]
  });
  lab.plot({
    id: 'load-ratio',
    title: 'max/mean load against training steps (1 = balanced; 1.1 is the check’s bound)',
    x: { label: 'step' },
    y: { label: 'max load / mean load', log: true },
    series: [
      ...runs.map((r) => ({
        label: MODES.find((m) => m.mode === r.mode)!.label,
        points: r.ratios.map((v, s) => [s + 1, v] as [number, number])
      })),
      {
        label: '1.1',
        points: level(1, TOY.steps, 1.1),
        dashed: true
      }
    ]
  });
}

/** Train the three routers side by side for TOY.steps steps, redrawing every `every` steps. */
export async function trainAll(lab: Lab, api: Api, every = 10): Promise<Run[]> {
  const x = batch(lab, TOY.tokens);
  const runs = MODES.map(({ mode }) => start(lab, mode));
  for (let s = 1; s <= TOY.steps; s++) {
    for (const run of runs) await step(lab, api, x, run);
    if (s % every === 0 || s === 1 || s === TOY.steps) draw(lab, runs, s);
  }
  lab.tensors.free(x);
  return runs;
}
