/**
 * Lesson 19 checks:
 * (a) auxLoss: exactly α for a uniform router and α·E for a collapsed one; against the float64
 *     α·E·Σ f_i·P_i on random routers; against fixtures of HF transformers' Switch
 *     `load_balancing_loss_func` (fixtures.py ports it to numpy; groups are averaged, as there);
 * (b) zLoss: against the float64 mean of logsumexp², logits of ±300 included, and HF's
 *     `router_z_loss_func` fixtures;
 * (c) route: top-1 on p + b, ties to the lower expert;
 * (d) structure: the bias reaches the selection and never the weights: every weight is the
 *     router's own p[t, e_t] under a large bias, and a bias update that moves tokens leaves the
 *     weight of every token that kept its expert bit for bit unchanged;
 * (e) structure: updateBias moves every bias by exactly ±u (0 at the mean), however far the load
 *     is from the mean: the sign of the difference, not the difference;
 * (f) the toy problem of train.ts, trained in the tab: without balancing the router collapses;
 *     with the bias, max/mean load is below 1.1 at the last step. The histogram and max/mean
 *     against steps are drawn as it trains.
 * The sweep (sweep.ts) times one training step against N.
 */
import type { Tensor } from 'lab';
import { type Message, check, expectNumber, fail, learner, messages, seeded } from '$lib/lessons/kit';
import type { Lab, LessonContext, LessonHarness } from '$lib/lessons/types';
import fixtures from './fixtures.json';
import {
  auxLossRef,
  auxLossSoft,
  loads,
  routeRef,
  softmaxRows,
  updateBiasFlipped,
  updateBiasRaw,
  updateBiasRef,
  zLossNoSquare,
  zLossRef,
  zLossSquareOfMean,
  zLossSum
} from './reference';
import { api, sweep } from './sweep';
import { TOY, trainAll } from './train';

type AuxLoss = (probs: Tensor, expert: ArrayLike<number>, alpha: number) => number;
type ZLoss = (logits: Tensor) => number;
type Route = (probs: Tensor, bias: ArrayLike<number>) => { expert: Int32Array; weight: Float32Array };
type UpdateBias = (bias: ArrayLike<number>, load: ArrayLike<number>, rate: number) => Float32Array;

const AUX = 'auxLoss for {what} (T = {tokens}, E = {experts}, α = {alpha}) returned {got}; expected {want}.';
const Z = 'zLoss for {what} returned {got}; expected {want}.';
const m = messages('19-load-balancing', {
  aux: AUX,
  'aux-no-e': `${AUX} That is 1/E of it: the loss is α·E·Σ f_i·P_i, and the factor E is what makes a uniform router score exactly α (Σ f_i·P_i = E·(1/E)·(1/E) = 1/E).`,
  'aux-e-squared': `${AUX} That is E times too much: HF's mean(f·P)·E² is a mean over the E experts, so it equals E·Σ f_i·P_i, not E²·Σ f_i·P_i.`,
  'aux-no-alpha': `${AUX} The coefficient α is missing: multiply by it.`,
  'aux-counts': `${AUX} That is T times too much: f_i is the FRACTION of the T tokens sent to expert i, not their count.`,
  'aux-soft': `${AUX} That is α·E·Σ P_i²: f_i must be the fraction of tokens actually dispatched to expert i (counted from the routing), not the mean probability again.`,
  'aux-ok':
    'exactly α for a uniform router and α·E for a collapsed one; matches the float64 α·E·Σ f_i·P_i and {count} fixtures of HF transformers’ Switch load_balancing_loss_func ({cases})',
  z: Z,
  'z-overflow': `${Z} e^z overflowed: subtract each token’s largest logit before exponentiating, and add it back after the log.`,
  'z-no-square': `${Z} That is the mean of logsumexp itself: the z-loss is the mean of its SQUARE.`,
  'z-sum': `${Z} That is the sum over the tokens: the z-loss is their mean, divide by T.`,
  'z-square-of-mean': `${Z} That is the square of the mean: square each token’s logsumexp, then average.`,
  'z-ok':
    'matches the float64 mean of logsumexp² (logits up to ±300 included) and {count} fixtures of HF transformers’ router_z_loss_func',
  'route-shape': 'route must return { expert: Int32Array, weight: Float32Array } with one entry per token, got {got}',
  'route-expert':
    'route({what}): token {t} went to expert {got}; the highest p + b is expert {want} (p = [{p}], b = [{b}]).',
  'route-ignores-bias': `route({what}): token {t} went to expert {got}, the highest p alone; the bias must take part in the choice: the highest p + b is expert {want}.`,
  'route-weight': 'route({what}): token {t} has weight {got}; its expert {e} has router probability p = {want}.',
  'route-ok': 'top-1 on p + b, ties to the lower expert, for {cases}',
  'bias-in-weights':
    'route with a bias: token {t} went to expert {e} with weight {got}, but the router gave it p = {want} (the bias there is {b}). The bias reached the combination weights: it may only choose the expert; the weight must stay the router’s own probability.',
  'weights-changed':
    'After updateBias, token {t} kept expert {e} but its weight changed from {before} to {after}: a bias update must change which experts are chosen, never the weights.',
  'no-move':
    'updateBias moved no token to another expert on a batch where expert {e} held {load} of {tokens} tokens: the update must lower the bias of overloaded experts.',
  'bias-ok':
    'the bias chose the expert and never the weight: every weight equals p[t, e_t] under a bias of up to {big}, and after one update {moved} of {tokens} tokens changed expert while the other weights stayed bit for bit the same',
  update: 'updateBias(b = [{bias}], load = [{load}], u = {rate}) returned [{got}]; expected [{want}].',
  'update-raw':
    'updateBias(b = [{bias}], load = [{load}], u = {rate}) returned [{got}]: that is b + u·(mean − load), the raw difference. Use its sign: every bias moves by exactly ±u (0 at the mean), however far the expert is from the mean, so that the step does not grow with the batch.',
  'update-flipped':
    'updateBias(b = [{bias}], load = [{load}], u = {rate}) returned [{got}]: the sign is flipped. An overloaded expert (load above the mean) must get a LOWER bias, so that fewer tokens choose it.',
  'update-ok':
    'b ← b + u·sign(mean − load): every bias moved by exactly ±u or 0, for loads from 1 to {far} tokens away from the mean',
  'train-collapse':
    'With the bias, max/mean load at step {steps} is {bias} (no balancing: {none}); it must fall below 1.1. {why}',
  'train-aux':
    'The aux-loss run ended at max/mean load {aux}, no better than no balancing ({none}): the trainer takes its gradient from your auxLoss, which gave it nothing to push against.',
  'train-no-collapse':
    'The run without balancing ended at max/mean load {none}: the toy problem should collapse without balancing; check routerLogits and route.',
  'train-ok':
    'toy router (T = {tokens}, d = {dim}, E = {experts}, top-1, {steps} steps): max/mean load {none} without balancing (collapse), {aux} with the aux loss (α = {alpha}), {bias} with the bias (u = {rate}, below 1.1)'
});

const fmt = (x: number) => (Number.isFinite(x) ? +x.toPrecision(7) : x);
const close = (a: number, b: number, rtol = 1e-5, atol = 1e-7) => Math.abs(a - b) <= atol + rtol * Math.abs(b);
const list = (x: ArrayLike<number>) => Array.from(x, (v) => fmt(v)).join(', ');

/** A [T, E] tensor of router probabilities from seeded logits. */
function probsOf(lab: Lab, tokens: number, experts: number, seed: number, scale = 1): Tensor {
  const { z } = seeded(lab, { z: [tokens, experts] }, seed);
  for (let i = 0; i < z.data.length; i++) z.data[i] *= scale;
  return { shape: [tokens, experts], data: Float32Array.from(softmaxRows(z)) };
}

function checkAux(ctx: LessonContext): Message {
  const aux = learner<AuxLoss>(ctx, 'auxLoss', 'auxLoss(probs, expert, alpha): number');
  const cases: { what: string; probs: Tensor; expert: Int32Array; alpha: number; exact?: number }[] = [];
  for (const [tokens, experts, alpha] of [
    [64, 8, 1],
    [40, 4, 0.01]
  ]) {
    cases.push({
      what: 'a uniform router (every p = 1/E, tokens dealt round-robin)',
      probs: { shape: [tokens, experts], data: new Float32Array(tokens * experts).fill(1 / experts) },
      expert: Int32Array.from({ length: tokens }, (_, t) => t % experts),
      alpha,
      exact: alpha
    });
    const oneHot = new Float32Array(tokens * experts);
    for (let t = 0; t < tokens; t++) oneHot[t * experts] = 1;
    cases.push({
      what: 'a collapsed router (every token to expert 0 with p = 1)',
      probs: { shape: [tokens, experts], data: oneHot },
      expert: new Int32Array(tokens),
      alpha,
      exact: alpha * experts
    });
  }
  for (const [i, [tokens, experts, alpha]] of [
    [50, 8, 0.01],
    [7, 3, 1],
    [1, 5, 0.5]
  ].entries()) {
    const probs = probsOf(ctx.lab, tokens, experts, 40 + i, 2);
    const expert = routeRef(probs, new Float32Array(experts)).expert;
    cases.push({ what: `random router probabilities (seed ${40 + i}), argmax routing`, probs, expert, alpha });
  }
  for (const c of cases)
    expectAux(aux, c.what, c.probs, c.expert, c.alpha, c.exact ?? auxLossRef(c.probs, c.expert, c.alpha));
  // HF fixtures: one call per group, averaged over the groups as HF's mean over groups does.
  for (const [k, f] of fixtures.entries()) {
    const per = f.tokens * f.experts;
    let sum = 0;
    for (let g = 0; g < f.groups; g++) {
      const probs = { shape: [f.tokens, f.experts], data: Float32Array.from(f.probs.slice(g * per, (g + 1) * per)) };
      const expert = Int32Array.from(f.indices.slice(g * f.tokens, (g + 1) * f.tokens));
      sum += expectNumber(aux(probs, expert, 1), 'auxLoss(probs, expert, alpha)');
    }
    const got = sum / f.groups;
    if (!close(got, f.aux)) {
      const p0 = { shape: [f.tokens, f.experts], data: Float32Array.from(f.probs.slice(0, per)) };
      expectAux(aux, `HF fixture ${k + 1}, group 1`, p0, Int32Array.from(f.indices.slice(0, f.tokens)), 1, NaN);
      fail(
        m('aux', {
          what: `HF fixture ${k + 1} (${f.groups} groups, ${f.dispatch} dispatch)`,
          tokens: f.tokens,
          experts: f.experts,
          alpha: 1,
          got: fmt(got),
          want: fmt(f.aux)
        })
      );
    }
  }
  return m('aux-ok', {
    count: fixtures.length,
    cases: fixtures.map((f) => `G = ${f.groups}, T = ${f.tokens}, E = ${f.experts}, ${f.dispatch}`).join('; ')
  });
}

/** Fail unless auxLoss matches `want` (NaN: the reference); name the mistake when it is a known one. */
function expectAux(aux: AuxLoss, what: string, probs: Tensor, expert: Int32Array, alpha: number, want: number) {
  const [tokens, experts] = probs.shape;
  const ref = Number.isNaN(want) ? auxLossRef(probs, expert, alpha) : want;
  const got = expectNumber(aux(probs, expert, alpha), 'auxLoss(probs, expert, alpha)');
  if (close(got, ref)) return;
  const params = { what, tokens, experts, alpha, got: fmt(got), want: fmt(ref) };
  if (close(got * experts, ref)) fail(m('aux-no-e', params));
  if (close(got, ref * experts)) fail(m('aux-e-squared', params));
  if (alpha !== 1 && close(got * alpha, ref)) fail(m('aux-no-alpha', params));
  if (tokens > 1 && close(got, ref * tokens)) fail(m('aux-counts', params));
  if (close(got, auxLossSoft(probs, alpha))) fail(m('aux-soft', params));
  fail(m('aux', params));
}

function checkZ(ctx: LessonContext): Message {
  const z = learner<ZLoss>(ctx, 'zLoss', 'zLoss(logits): number');
  const expectZ = (what: string, logits: Tensor, want: number) => {
    const got = expectNumber(z(logits), 'zLoss(logits)');
    if (close(got, want)) return;
    const params = { what, got: fmt(got), want: fmt(want) };
    if (!Number.isFinite(got)) fail(m('z-overflow', params));
    if (close(got, zLossNoSquare(logits))) fail(m('z-no-square', params));
    if (logits.shape[0] > 1 && close(got, zLossSum(logits))) fail(m('z-sum', params));
    if (close(got, zLossSquareOfMean(logits))) fail(m('z-square-of-mean', params));
    fail(m('z', params));
  };
  for (const [i, [tokens, experts, scale]] of [
    [32, 8, 1],
    [5, 3, 4],
    [1, 6, 1],
    [16, 4, 300]
  ].entries()) {
    const { l } = seeded(ctx.lab, { l: [tokens, experts] }, 60 + i);
    for (let j = 0; j < l.data.length; j++) l.data[j] *= scale;
    expectZ(`seeded logits ×${scale} (T = ${tokens}, E = ${experts})`, l, zLossRef(l));
  }
  for (const [k, f] of fixtures.entries()) {
    const per = f.tokens * f.experts;
    let sum = 0;
    for (let g = 0; g < f.groups; g++) {
      const logits = { shape: [f.tokens, f.experts], data: Float32Array.from(f.logits.slice(g * per, (g + 1) * per)) };
      if (g === 0) expectZ(`HF fixture ${k + 1}, group 1`, logits, zLossRef(logits));
      sum += expectNumber(z(logits), 'zLoss(logits)');
    }
    const got = sum / f.groups;
    if (!close(got, f.z))
      fail(m('z', { what: `HF fixture ${k + 1} (${f.groups} groups)`, got: fmt(got), want: fmt(f.z) }));
  }
  return m('z-ok', { count: fixtures.length });
}

function routed(route: Route, probs: Tensor, bias: ArrayLike<number>) {
  const r = route(probs, bias) as unknown;
  const tokens = probs.shape[0];
  const ok =
    typeof r === 'object' &&
    r !== null &&
    (r as { expert?: unknown }).expert instanceof Int32Array &&
    (r as { weight?: unknown }).weight instanceof Float32Array &&
    (r as { expert: Int32Array }).expert.length === tokens &&
    (r as { weight: Float32Array }).weight.length === tokens;
  if (!ok) fail(m('route-shape', { got: (JSON.stringify(r) ?? String(r)).slice(0, 80) }));
  return r as { expert: Int32Array; weight: Float32Array };
}

const rowOf = (probs: Tensor, t: number) => probs.data.subarray(t * probs.shape[1], (t + 1) * probs.shape[1]);

function checkRoute(ctx: LessonContext): Message {
  const route = learner<Route>(ctx, 'route', 'route(probs, bias): { expert, weight }');
  const cases: { what: string; probs: Tensor; bias: Float32Array }[] = [];
  const probs = probsOf(ctx.lab, 40, 6, 80);
  cases.push({ what: 'zero bias', probs, bias: new Float32Array(6) });
  const { b } = seeded(ctx.lab, { b: [6] }, 81);
  cases.push({ what: 'a random bias of about ±0.3', probs, bias: Float32Array.from(b.data, (v) => 0.3 * v) });
  // Ties: two experts with the same p + b; the lower wins.
  const tie = { shape: [2, 4], data: Float32Array.from([0.125, 0.5, 0.25, 0.125, 0.25, 0.25, 0.25, 0.25]) };
  cases.push({ what: 'ties in p + b', probs: tie, bias: Float32Array.from([0, -0.25, 0.25, 0.375]) });
  for (const c of cases) {
    const got = routed(route, c.probs, c.bias);
    const want = routeRef(c.probs, c.bias);
    for (let t = 0; t < c.probs.shape[0]; t++) {
      if (got.expert[t] === want.expert[t]) continue;
      const plain = routeRef(c.probs, new Float32Array(c.bias.length)).expert[t];
      const params = {
        what: c.what,
        t,
        got: got.expert[t],
        want: want.expert[t],
        p: list(rowOf(c.probs, t)),
        b: list(c.bias)
      };
      fail(m(got.expert[t] === plain ? 'route-ignores-bias' : 'route-expert', params));
    }
    if (c.bias.every((x) => x === 0)) {
      for (let t = 0; t < c.probs.shape[0]; t++) {
        if (got.weight[t] !== Math.fround(want.weight[t])) {
          fail(
            m('route-weight', {
              what: c.what,
              t,
              got: fmt(got.weight[t]),
              e: want.expert[t],
              want: fmt(want.weight[t])
            })
          );
        }
      }
    }
  }
  return m('route-ok', { cases: cases.map((c) => c.what).join('; ') });
}

function checkBiasOnlySelects(ctx: LessonContext): Message {
  const route = learner<Route>(ctx, 'route', 'route(probs, bias): { expert, weight }');
  const update = learner<UpdateBias>(ctx, 'updateBias', 'updateBias(bias, load, rate): Float32Array');
  const [tokens, experts] = [256, 8];
  const probs = probsOf(ctx.lab, tokens, experts, 90, 3);
  // (1) A large bias: every weight must still be p[t, e_t].
  const big = Float32Array.from({ length: experts }, (_, i) => (i % 3) * 0.5);
  const r = routed(route, probs, big);
  for (let t = 0; t < tokens; t++) {
    const p = probs.data[t * experts + r.expert[t]];
    if (r.weight[t] !== p) {
      fail(m('bias-in-weights', { t, e: r.expert[t], got: fmt(r.weight[t]), want: fmt(p), b: fmt(big[r.expert[t]]) }));
    }
  }
  // (2) One bias update from zero on a skewed batch: some tokens move; the others keep their weights.
  const zero = new Float32Array(experts);
  const before = routed(route, probs, zero);
  const load = loads(before.expert, experts);
  const heaviest = load.indexOf(Math.max(...load));
  const after = routed(route, probs, update(zero, load, 0.05));
  let moved = 0;
  for (let t = 0; t < tokens; t++) {
    if (after.expert[t] !== before.expert[t]) {
      moved++;
      continue;
    }
    if (after.weight[t] !== before.weight[t]) {
      fail(m('weights-changed', { t, e: after.expert[t], before: fmt(before.weight[t]), after: fmt(after.weight[t]) }));
    }
  }
  if (moved === 0) fail(m('no-move', { e: heaviest, load: load[heaviest], tokens }));
  return m('bias-ok', { big: Math.max(...big), moved, tokens });
}

function checkUpdate(ctx: LessonContext): Message {
  const update = learner<UpdateBias>(ctx, 'updateBias', 'updateBias(bias, load, rate): Float32Array');
  const cases = [
    { bias: [0, 0, 0, 0], load: [10, 30, 20, 20], rate: 0.001 },
    { bias: [0.5, -0.25, 0, 0.125, 0], load: [1, 2, 3, 497, 2], rate: 0.01 },
    { bias: [0.1, 0.2, 0.3], load: [100, 100, 100], rate: 0.002 }
  ];
  let far = 0;
  for (const c of cases) {
    const got = update(Float32Array.from(c.bias), Float64Array.from(c.load), c.rate) as unknown;
    const want = updateBiasRef(c.bias, c.load, c.rate);
    const arr =
      got instanceof Float32Array || got instanceof Float64Array || Array.isArray(got)
        ? (got as ArrayLike<number>)
        : null;
    const params = {
      bias: list(c.bias),
      load: list(c.load),
      rate: c.rate,
      got: arr ? list(arr) : String(got),
      want: list(want)
    };
    if (!arr || arr.length !== want.length) fail(m('update', params));
    const same = (ref: ArrayLike<number>) => Array.from(ref).every((v, i) => close(arr[i], v, 1e-5, 1e-6));
    if (same(want)) {
      const mean = c.load.reduce((a, v) => a + v, 0) / c.load.length;
      far = Math.max(far, ...c.load.map((v) => Math.abs(v - mean)));
      continue;
    }
    if (same(updateBiasRaw(c.bias, c.load, c.rate))) fail(m('update-raw', params));
    if (same(updateBiasFlipped(c.bias, c.load, c.rate))) fail(m('update-flipped', params));
    fail(m('update', params));
  }
  return m('update-ok', { far: fmt(far) });
}

async function checkTraining(ctx: LessonContext): Promise<Message> {
  const runs = await trainAll(ctx.lab, api(ctx));
  const last = (mode: string) => runs.find((r) => r.mode === mode)!.ratios.at(-1)!;
  const [none, aux, bias] = [last('none'), last('aux'), last('bias')];
  const params = {
    tokens: TOY.tokens,
    dim: TOY.dim,
    experts: TOY.experts,
    steps: TOY.steps,
    alpha: TOY.alpha,
    rate: TOY.rate,
    none: none.toFixed(3),
    aux: aux.toFixed(3),
    bias: bias.toFixed(3)
  };
  if (none < 2) fail(m('train-no-collapse', params));
  if (!(bias < 1.1)) {
    const ratios = runs.find((r) => r.mode === 'bias')!.ratios;
    const swings = Math.min(...ratios.slice(-20)) < Math.max(...ratios.slice(-20)) / 2;
    const why = swings
      ? 'The load swings from step to step: check that every bias moves by ±u, the sign of (mean − load), not by the difference itself.'
      : 'Does the bias reach the selection, does an overloaded expert’s bias go DOWN, and does each bias move by ±u, not by the difference itself?';
    fail(m('train-collapse', { ...params, why }));
  }
  if (aux >= none * 0.9) fail(m('train-aux', params));
  return m('train-ok', params);
}

export const harness: LessonHarness = {
  checks: [
    check({
      id: 'aux',
      title: '(a) auxLoss: α·E·Σ f_i·P_i, exactly α for a uniform router, as HF’s Switch',
      run: checkAux
    }),
    check({ id: 'z-loss', title: '(b) zLoss: the mean of logsumexp², as HF’s router_z_loss_func', run: checkZ }),
    check({ id: 'route', title: '(c) route: the expert with the highest p + b', run: checkRoute }),
    check({
      id: 'bias-selects-only',
      title: '(d) the bias chooses experts and never reaches the combination weights',
      run: checkBiasOnlySelects
    }),
    check({
      id: 'update',
      title: '(e) updateBias moves each bias by ±u: the sign, not the difference',
      run: checkUpdate
    }),
    check({
      id: 'train',
      title: '(f) the toy router: collapse without balancing, max/mean load below 1.1 with the bias',
      run: checkTraining
    })
  ],
  sweep
};
