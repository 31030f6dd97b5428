/**
 * Lesson 18 checks: (1) topK's gates against the registry's `moe_gates` (renormalised top-k, ties
 * to the lower expert), on random and on tied logits; (2) the capacity rule ⌈cf·T·K/E⌉ and the
 * gates with capacity (tokens served in order, overflow dropped, nothing renormalised); (3) expert
 * choice gives every expert exactly C tokens, the ones of highest router probability; (4) the MoE
 * layer against a float64 port of DeepSeek-V3's MoE.forward, on token-choice, capacity and
 * expert-choice gates; (5) shared experts apply to every token, dropped ones included; and the
 * structure, from the probes: each expert runs once, on exactly the rows routed to it (dispatch
 * workgroups on WebGPU, the x input's rows on WASM), so the rows grow with K, not with E.
 */
import type { Tensor } from 'lab';
import {
  type Message,
  check,
  expectClose,
  expectNumber,
  expectTensor,
  fail,
  learner,
  matches,
  messages,
  seeded
} from '$lib/lessons/kit';
import type { Lab, LessonContext, LessonHarness, ProbeRecord } from '$lib/lessons/types';
import {
  capacityRef,
  expertChoiceRef,
  gatesRef,
  gshardRef,
  moeLayerRef,
  probabilities,
  renormalisedDropRef,
  tiesHighRef,
  tokensPerExpert,
  unnormalisedRef
} from './reference';
import { sweep } from './sweep';

type Experts = { w1: Tensor; w3: Tensor; w2: Tensor };
type TopK = (logits: Tensor, k: number, capacity?: number) => unknown;
type ExpertChoice = (logits: Tensor, capacity: number) => unknown;
type Layer = (x: Tensor, gates: Tensor, experts: Experts, shared: Experts | null) => Promise<unknown>;

const ROWS = 'E = {e}, K = {k}, T = {t}: the experts were handed {rows} rows in {calls} calls ({list})';
const m = messages('18-moe-routing', {
  zeros: 'Every gate is 0: topK is still the starter.',
  'not-renormalised':
    'These are softmax probabilities over all E experts, kept at the top k: renormalise them over the k chosen experts (the softmax of the k chosen logits), so that each token’s gates sum to 1.',
  'ties-high':
    'Equal logits went to the higher expert index: on a tie, the lower expert index wins (sort by logit, then by index).',
  'row-count': 'token {t} has {got} nonzero gates; token choice gives every token exactly k = {k}.',
  'router-ok': 'topK matches moe_gates (renormalised top-k, ties to the lower expert) for {cases}',
  'capacity-floor':
    'expertCapacity({cf}, {t}, {k}, {e}) = {got}: that is ⌊cf·T·K/E⌋, the floor. Round UP: the floor can leave even a perfectly balanced router short of slots (cf = 1, T = 7, K = 1, E = 4: two tokens for three of the experts, ⌊1.75⌋ = 1 slot each).',
  'capacity-wrong': 'expertCapacity({cf}, {t}, {k}, {e}) = {got}, expected ⌈cf·T·K/E⌉ = {want}',
  'capacity-ok': 'expertCapacity equals ⌈cf·T·K/E⌉ for (cf, T, K, E) = {cases}',
  'over-capacity':
    'T = {t}, E = {e}, k = {k}, C = {c}: expert {expert} holds {held} tokens, more than the capacity C = {c}.',
  'drop-renormalised':
    'A token that lost an expert had its remaining gates renormalised. Dropping does not renormalise: the kept gates keep their values, and the dropped share of the token rides the residual connection.',
  gshard:
    'You served every token’s first choice before any second choice: that is GShard’s (and Switch’s cumsum) priority. This lesson’s rule, like moe_gates, serves tokens in order t = 0, 1, …, each from its highest weight down.',
  'drops-ok': 'topK with capacity matches moe_gates (token order, overflow dropped, no renormalising) for {cases}',
  'ec-count':
    'expertChoice(logits [{t}, {e}], C = {c}): expert {expert} holds {held} tokens. In expert choice every expert takes exactly min(C, T) = {want} tokens: load balance by construction.',
  'ec-values':
    'expertChoice: the right tokens, wrong gates (expert {expert}, token {t}: got {got}, expected {want}). Each gate is p[t, e], the token’s softmax over the E experts, not renormalised.',
  'ec-selection':
    'expertChoice: expert {expert} took token {t} and left token {u}, whose router probability is higher ({pu} > {pt}). Rank each expert’s tokens by p[t, e], the token’s softmax over the E experts (ties: the lower token).',
  'ec-ok': 'expert choice: every expert holds exactly min(C, T) tokens, its highest-probability ones, for {cases}',
  'no-shared':
    'The shared experts are missing: every token goes through them with weight 1, beside its routed experts.',
  'shared-dropped':
    'Tokens whose routed experts were all dropped got nothing: the shared experts apply to every token, dropped or not (row {row} has all gates 0).',
  unweighted: 'The routed experts’ outputs were added without their gates: multiply each by gates[t, e].',
  'layer-zeros': 'Every output is 0: moeLayer is still the starter.',
  'layer-ok': 'moeLayer matches the float64 port of DeepSeek-V3’s MoE.forward for {cases}',
  'shared-ok': 'shared experts apply to every token (also those every routed expert dropped) for {cases}',
  'no-calls': 'E = {e}, K = {k}, T = {t}: moeLayer ran no expert (no dispatch, no graph): call expertFfn.',
  dense: `${ROWS}, T·E = {dense}: every expert ran on every token. A dense pass with zero gates gives the right output and costs E/K times the work: hand each expert only the tokens routed to it (nonzero gate).`,
  'per-token': `${ROWS}, but only {experts} experts had tokens: one call per (token, expert) pair. Gather each expert's tokens and run it once, on all of them.`,
  rows: `${ROWS}; the gates route {want} rows ({counts} per expert): one call per expert with tokens, on exactly its tokens.`,
  'rows-ok':
    'each expert ran once, on exactly its tokens: {rows} rows for T·K at E = {es} (a dense pass would hand the experts {dense} rows)'
});

const TOL = { atol: 1e-6, rtol: 1e-5 };
const LAYER_TOL = { atol: 1e-4, rtol: 1e-4 };

/** Logits with many exact ties: integers 0, 1, 2. */
function tiedLogits(lab: Lab, t: number, e: number, seed: number): Tensor {
  const r = lab.tensors.randn([t, e], seed);
  return lab.tensors.from(
    [t, e],
    Array.from(r.data, (x) => (x < -0.4 ? 0 : x < 0.4 ? 1 : 2))
  );
}

const logitsOf = (lab: Lab, t: number, e: number, seed: number) => seeded(lab, { l: [t, e] }, seed).l;

/** Stacked SwiGLU experts with weights N(0, 1/fan-in), so activations stay near 1. */
function makeExperts(lab: Lab, count: number, d: number, h: number, seed: number): Experts {
  const scaled = (shape: number[], fanIn: number, s: number) =>
    lab.tensors.from(
      shape,
      Array.from(lab.tensors.randn(shape, s).data, (x) => x / Math.sqrt(fanIn))
    );
  return {
    w1: scaled([count, d, h], d, seed),
    w3: scaled([count, d, h], d, seed + 1),
    w2: scaled([count, h, d], h, seed + 2)
  };
}

function gates(ctx: LessonContext, logits: Tensor, k: number, capacity?: number): Tensor {
  const f = learner<TopK>(ctx, 'topK', 'topK(logits, k, capacity?): Tensor');
  const what = capacity === undefined ? `topK(logits, ${k})` : `topK(logits, ${k}, ${capacity})`;
  return expectTensor(f(logits, k, capacity), logits.shape, what);
}

function routerHint(lab: Lab, g: Tensor, logits: Tensor, k: number): Message | null {
  const [T, E] = logits.shape;
  if (g.data.every((x) => x === 0)) return m('zeros');
  if (matches(lab, g, unnormalisedRef(logits, k), TOL)) return m('not-renormalised');
  if (matches(lab, g, tiesHighRef(logits, k), TOL)) return m('ties-high');
  for (let t = 0; t < T; t++) {
    const got = Array.from(g.data.subarray(t * E, (t + 1) * E)).filter((x) => x !== 0).length;
    if (got !== k) return m('row-count', { t, got, k });
  }
  return null;
}

const ROUTER_CASES = [
  { t: 1, e: 4, k: 1, tied: false },
  { t: 16, e: 8, k: 2, tied: false },
  { t: 37, e: 8, k: 1, tied: false },
  { t: 40, e: 6, k: 3, tied: true },
  { t: 20, e: 4, k: 4, tied: false },
  { t: 64, e: 16, k: 2, tied: true }
];
const routerLogits = (lab: Lab, c: (typeof ROUTER_CASES)[number], seed: number) =>
  c.tied ? tiedLogits(lab, c.t, c.e, seed) : logitsOf(lab, c.t, c.e, seed);

const CAPACITY_CASES: [number, number, number, number][] = [
  [1, 64, 2, 8],
  [1.25, 10, 2, 4],
  [1, 7, 1, 4],
  [0.5, 6, 1, 4],
  [2, 100, 1, 8],
  [1.5, 33, 2, 16]
];

const DROP_CASES = [
  { t: 24, e: 4, k: 2, cf: 1, tied: false },
  { t: 40, e: 8, k: 2, cf: 0.5, tied: false },
  { t: 33, e: 6, k: 3, cf: 1.25, tied: true },
  { t: 16, e: 4, k: 1, cf: 0.75, tied: false },
  { t: 12, e: 4, k: 2, cf: 0, tied: false },
  { t: 10, e: 4, k: 2, cf: 4, tied: false }
];

function dropHint(lab: Lab, g: Tensor, logits: Tensor, k: number, c: number): Message | null {
  const [T, E] = logits.shape;
  if (g.data.every((x) => x === 0) && c * k > 0) return m('zeros');
  const held = tokensPerExpert(g);
  const over = held.findIndex((x) => x > c);
  if (over >= 0) return m('over-capacity', { t: T, e: E, k, c, expert: over, held: held[over] });
  if (matches(lab, g, renormalisedDropRef(logits, k, c), TOL)) return m('drop-renormalised');
  if (matches(lab, g, gshardRef(logits, k, c), TOL)) return m('gshard');
  if (matches(lab, g, tiesHighRef(logits, k, c), TOL)) return m('ties-high');
  return null;
}

const EC_CASES = [
  { t: 1, e: 4, c: 1 },
  { t: 16, e: 4, c: 8 },
  { t: 40, e: 8, c: 10 },
  { t: 30, e: 6, c: 7 },
  { t: 5, e: 3, c: 9 }
];

/** Name what differs in expert choice: the selection (ranked by the wrong probability) or the gate values. */
function expertChoiceHint(g: Tensor, ref: { shape: number[]; data: Float64Array }, logits: Tensor): Message | null {
  const [T, E] = ref.shape;
  const p = probabilities(logits).data;
  for (let e = 0; e < E; e++) {
    const t = Array.from({ length: T }, (_, i) => i).find((i) => g.data[i * E + e] !== 0 && ref.data[i * E + e] === 0);
    const u = Array.from({ length: T }, (_, i) => i).find((i) => g.data[i * E + e] === 0 && ref.data[i * E + e] !== 0);
    if (t !== undefined && u !== undefined) {
      const [pu, pt] = [p[u * E + e].toPrecision(4), p[t * E + e].toPrecision(4)];
      return m('ec-selection', { expert: e, t, u, pu, pt });
    }
  }
  for (let i = 0; i < T * E; i++) {
    if (Math.abs(g.data[i] - ref.data[i]) > TOL.atol + TOL.rtol * Math.abs(ref.data[i])) {
      return m('ec-values', {
        expert: i % E,
        t: Math.floor(i / E),
        got: g.data[i].toPrecision(4),
        want: ref.data[i].toPrecision(4)
      });
    }
  }
  return null;
}

const D = 16;
const H = 32;
const HS = 16;

async function layer(ctx: LessonContext, x: Tensor, g: Tensor, experts: Experts, shared: Experts | null) {
  const f = learner<Layer>(ctx, 'moeLayer', 'moeLayer(x, gates, experts, shared): Promise<Tensor>');
  return expectTensor(await f(x, g, experts, shared), x.shape, 'moeLayer(x, gates, experts, shared)');
}

function layerHint(
  lab: Lab,
  y: Tensor,
  x: Tensor,
  g: Tensor,
  experts: Experts,
  shared: Experts | null
): Message | null {
  const [T, E] = g.shape;
  const d = x.shape[1];
  const zeroRow = (a: ArrayLike<number>, t: number, w: number) =>
    Array.from({ length: w }, (_, c) => a[t * w + c]).every((v) => v === 0);
  if (shared && y.data.some((v) => v !== 0)) {
    for (let t = 0; t < T; t++) {
      if (zeroRow(g.data, t, E) && zeroRow(y.data, t, d)) return m('shared-dropped', { row: t });
    }
    if (matches(lab, y, moeLayerRef(x, g, experts, null), LAYER_TOL)) return m('no-shared');
  }
  if (y.data.every((v) => v === 0)) return m('layer-zeros');
  const ones = lab.tensors.from(
    g.shape,
    Array.from(g.data, (v) => (v !== 0 ? 1 : 0))
  );
  if (matches(lab, y, moeLayerRef(x, ones, experts, shared), LAYER_TOL)) return m('unweighted');
  return null;
}

/** Rows handed to each expert call: dispatch workgroups (one per row) on WebGPU, the x input's rows on WASM. */
function callRows(record: ProbeRecord, backend: string): number[] {
  if (backend === 'webgpu') return record.dispatches.map((d) => d.workgroups[0] * d.repeat);
  return record.graphs.flatMap((g) => g.inputs.filter((i) => i.name === 'x').map((i) => i.shape[0]));
}

const STRUCTURE_CASES = [4, 16, 32].map((e) => ({ t: 24, e, k: 2 }));

export const harness: LessonHarness = {
  checks: [
    check({
      id: 'router',
      title: '1. topK: the softmax of each token’s k best logits, renormalised, ties to the lower expert',
      run(ctx) {
        for (const [i, c] of ROUTER_CASES.entries()) {
          const logits = routerLogits(ctx.lab, c, 10 + i);
          const where = `T = ${c.t}, E = ${c.e}, k = ${c.k}${c.tied ? ', tied logits' : ''}`;
          expectClose(ctx.lab, gates(ctx, logits, c.k), gatesRef(logits, c.k), TOL, where, 'topK', (t) =>
            routerHint(ctx.lab, t, logits, c.k)
          );
        }
        return m('router-ok', {
          cases: ROUTER_CASES.map((c) => `(T, E, k) = (${c.t}, ${c.e}, ${c.k})${c.tied ? ' tied' : ''}`).join(', ')
        });
      }
    }),
    check({
      id: 'capacity-formula',
      title: '2. expertCapacity(cf, T, K, E) = ⌈cf·T·K/E⌉',
      run(ctx) {
        const f = learner<(cf: number, t: number, k: number, e: number) => number>(
          ctx,
          'expertCapacity',
          'expertCapacity(capacityFactor, tokens, k, experts): number'
        );
        for (const [cf, t, k, e] of CAPACITY_CASES) {
          const got = expectNumber(f(cf, t, k, e), `expertCapacity(${cf}, ${t}, ${k}, ${e})`);
          const want = capacityRef(cf, t, k, e);
          if (got === want) continue;
          const params = { cf, t, k, e, got, want };
          if (got === Math.floor((cf * t * k) / e)) fail(m('capacity-floor', params));
          fail(m('capacity-wrong', params));
        }
        return m('capacity-ok', { cases: CAPACITY_CASES.map((c) => `(${c.join(', ')})`).join(', ') });
      }
    }),
    check({
      id: 'drops',
      title: '2. topK with capacity: tokens served in order, overflow dropped, nothing renormalised',
      run(ctx) {
        const list: string[] = [];
        for (const [i, c] of DROP_CASES.entries()) {
          const logits = c.tied ? tiedLogits(ctx.lab, c.t, c.e, 30 + i) : logitsOf(ctx.lab, c.t, c.e, 30 + i);
          const cap = capacityRef(c.cf, c.t, c.k, c.e);
          const where = `T = ${c.t}, E = ${c.e}, k = ${c.k}, C = ${cap}${c.tied ? ', tied logits' : ''}`;
          const want = gatesRef(logits, c.k, cap);
          expectClose(ctx.lab, gates(ctx, logits, c.k, cap), want, TOL, where, 'topK', (t) =>
            dropHint(ctx.lab, t, logits, c.k, cap)
          );
          const kept = tokensPerExpert(want).reduce((a, b) => a + b, 0);
          list.push(`(T, E, k, C) = (${c.t}, ${c.e}, ${c.k}, ${cap}): ${c.t * c.k - kept} of ${c.t * c.k} dropped`);
        }
        return m('drops-ok', { cases: list.join('; ') });
      }
    }),
    check({
      id: 'expert-choice',
      title: '3. expert choice: every expert takes exactly C tokens, those of highest router probability',
      run(ctx) {
        const f = learner<ExpertChoice>(ctx, 'expertChoice', 'expertChoice(logits, capacity): Tensor');
        for (const [i, c] of EC_CASES.entries()) {
          const logits = logitsOf(ctx.lab, c.t, c.e, 50 + i);
          const g = expectTensor(f(logits, c.c), logits.shape, `expertChoice(logits, ${c.c})`);
          const held = tokensPerExpert(g);
          const want = Math.min(c.c, c.t);
          const wrong = held.findIndex((x) => x !== want);
          if (wrong >= 0) fail(m('ec-count', { t: c.t, e: c.e, c: c.c, expert: wrong, held: held[wrong], want }));
          const ref = expertChoiceRef(logits, c.c);
          expectClose(ctx.lab, g, ref, TOL, `T = ${c.t}, E = ${c.e}, C = ${c.c}`, 'expertChoice', (t) =>
            expertChoiceHint(t, ref, logits)
          );
        }
        return m('ec-ok', { cases: EC_CASES.map((c) => `(T, E, C) = (${c.t}, ${c.e}, ${c.c})`).join(', ') });
      }
    }),
    check({
      id: 'layer',
      title: '4. moeLayer matches a float64 port of DeepSeek-V3’s MoE.forward',
      async run(ctx) {
        const { lab } = ctx;
        const list = [
          { t: 1, e: 4, k: 1, route: 'top-k', shared: 0 },
          { t: 20, e: 8, k: 2, route: 'top-k', shared: 0 },
          { t: 33, e: 8, k: 2, route: 'top-k', shared: 2 },
          { t: 24, e: 4, k: 2, route: 'capacity', shared: 1 },
          { t: 30, e: 6, k: 2, route: 'expert choice', shared: 0 }
        ];
        for (const [i, c] of list.entries()) {
          const { x, l } = seeded(lab, { x: [c.t, D], l: [c.t, c.e] }, 60 + 2 * i);
          const g =
            c.route === 'expert choice'
              ? expertChoiceRef(l, capacityRef(1, c.t, c.k, c.e))
              : gatesRef(l, c.k, c.route === 'capacity' ? capacityRef(0.75, c.t, c.k, c.e) : undefined);
          const g32 = lab.tensors.from(g.shape, g.data);
          const experts = makeExperts(lab, c.e, D, H, 100 + i);
          const shared = c.shared ? makeExperts(lab, c.shared, D, HS, 200 + i) : null;
          const y = await layer(ctx, x, g32, experts, shared);
          const where = `T = ${c.t}, E = ${c.e}, ${c.route} gates, ${c.shared} shared expert${c.shared === 1 ? '' : 's'}`;
          expectClose(lab, y, moeLayerRef(x, g32, experts, shared), LAYER_TOL, where, 'moeLayer', (t) =>
            layerHint(lab, t, x, g32, experts, shared)
          );
        }
        return m('layer-ok', {
          cases: list.map((c) => `(T, E) = (${c.t}, ${c.e}) ${c.route}, ${c.shared} shared`).join('; ')
        });
      }
    }),
    check({
      id: 'shared',
      title: '5. shared experts apply to every token, even one that every routed expert dropped',
      async run(ctx) {
        const { lab } = ctx;
        const list = [
          { t: 40, e: 8, k: 2, cf: 0.25, shared: 2 },
          { t: 12, e: 4, k: 2, cf: 0, shared: 1 }
        ];
        for (const [i, c] of list.entries()) {
          const { x, l } = seeded(lab, { x: [c.t, D], l: [c.t, c.e] }, 80 + 2 * i);
          const g = gatesRef(l, c.k, capacityRef(c.cf, c.t, c.k, c.e));
          const g32 = lab.tensors.from(g.shape, g.data);
          const experts = makeExperts(lab, c.e, D, H, 120 + i);
          const shared = makeExperts(lab, c.shared, D, HS, 220 + i);
          const y = await layer(ctx, x, g32, experts, shared);
          const where = `T = ${c.t}, E = ${c.e}, cf = ${c.cf}, ${c.shared} shared`;
          expectClose(lab, y, moeLayerRef(x, g32, experts, shared), LAYER_TOL, where, 'moeLayer', (t) =>
            layerHint(lab, t, x, g32, experts, shared)
          );
        }
        return m('shared-ok', { cases: list.map((c) => `(T, E, cf) = (${c.t}, ${c.e}, ${c.cf})`).join(', ') });
      }
    }),
    check({
      id: 'sparse-work',
      title: '4. each expert runs once, on exactly its tokens: the rows handed to experts grow with K, not E',
      async run(ctx) {
        const { lab } = ctx;
        let total = 0;
        for (const [i, c] of STRUCTURE_CASES.entries()) {
          const { x, l } = seeded(lab, { x: [c.t, D], l: [c.t, c.e] }, 140 + 2 * i);
          const g = gatesRef(l, c.k);
          const g32 = lab.tensors.from(g.shape, g.data);
          const experts = makeExperts(lab, c.e, D, 16, 160 + i);
          const { record } = await ctx.probe(() => layer(ctx, x, g32, experts, null));
          const rows = callRows(record, ctx.backend);
          const counts = tokensPerExpert(g);
          const got = rows.reduce((a, b) => a + b, 0);
          const want = counts.reduce((a, b) => a + b, 0);
          const busy = counts.filter((n) => n > 0);
          const params = {
            e: c.e,
            k: c.k,
            t: c.t,
            rows: got,
            calls: rows.length,
            list: rows.length > 12 ? `${rows.slice(0, 12).join(', ')}, …` : rows.join(', '),
            dense: c.t * c.e,
            want,
            experts: busy.length,
            counts: counts.join(', ')
          };
          if (rows.length === 0) fail(m('no-calls', params));
          if (got >= c.t * c.e && c.k < c.e) fail(m('dense', params));
          const sorted = (a: number[]) => [...a].sort((p, q) => p - q).join(',');
          if (got === want && rows.length > busy.length) fail(m('per-token', params));
          if (sorted(rows) !== sorted(busy)) fail(m('rows', params));
          total = got;
        }
        return m('rows-ok', {
          rows: total,
          es: STRUCTURE_CASES.map((c) => c.e).join(', '),
          dense: STRUCTURE_CASES.map((c) => c.t * c.e).join(', ')
        });
      }
    })
  ],
  sweep
};
