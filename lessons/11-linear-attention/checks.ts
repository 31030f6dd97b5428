/**
 * Lesson 11 checks: the learner's feature map φ, their recurrent form and their parallel form,
 * each against the float64 reference (registry `linear_attention` plus φ and the normaliser, see
 * reference.ts), with and without normalisation, on several shapes (N = 1, N not a multiple of a
 * workgroup, dk ≠ dv, dk at the kernel's limit); then the two forms against each other. A
 * mismatch names the mistake it looks like (token t left out of its own sum, the wrong
 * normalisation, φ not applied, a state overwritten instead of added to). A probe then measures
 * what one call of the recurrent form allocates (GPU buffers, lab tensors, ONNX graph values) at two
 * lengths: nothing may grow with N², so the parallel form handed in as the recurrent one fails
 * there, though its outputs are right. On the simd backend (recurrent.as.ts) the same checks run,
 * and the probe counts the module's linear memory, grown in doubling steps of 64 KiB pages, so it
 * measures at longer lengths. The sweep races the learner's recurrent form against lesson 01's
 * softmax attention, and plots what a decoder must keep.
 */
import type { Tensor } from 'lab';
import {
  type Message,
  cases,
  check,
  expectClose,
  expectTensor,
  fail,
  largestAllocation,
  learner,
  listN,
  messages,
  seeded,
  totalBytes,
  warmUp
} from '$lib/lessons/kit';
import { formatBytes } from '$lib/bench/format';
import { type Lab, type LessonContext, type LessonHarness, bytesOf } from '$lib/lessons/types';
import { naiveAttention, naiveAttentionMemory } from '$lib/baselines/naive-attention';
import { D, kvCacheBytes, memory, stateBytes } from './memory';
import { type FeatureMap, type Options, mapPhi, reference, variant } from './reference';

type Form = (q: Tensor, k: Tensor, v: Tensor, options: Options) => Promise<Tensor>;
type Phi = (x: Tensor, kind: FeatureMap) => Promise<Tensor>;
type F64 = { shape: number[]; data: Float64Array };
interface Case {
  n: number;
  dk: number;
  dv: number;
}

const PHI_WRONG =
  'φ = {kind}: φ({x}) returned {got}, expected {want} (elu(x) + 1 is x + 1 for x > 0 and e^x for x ≤ 0).';
const m = messages('11-linear-attention', {
  'phi-wrong': PHI_WRONG,
  'phi-is-identity': `${PHI_WRONG} That is the identity: elu + 1 still has to be written.`,
  'phi-is-elu': `${PHI_WRONG} That is elu(x): add 1, so that φ > 0 everywhere.`,
  'phi-ok': 'φ(−1) = e^−1 ≈ 0.3679, φ(0) = 1, φ(2) = 3: elu + 1 is positive everywhere',
  nan: 'Your output has NaN in it: a division by zero, or a state read before it was written?',
  zeros:
    'Your output is all zeros: at every step token t must join the state (φ(k_t) v_tᵀ into S, φ(k_t) into z), and row t of o must be read out of it with φ(q_t).',
  exclusive:
    'Your output leaves token t out of its own sum (s < t instead of s ≤ t): add φ(k_t) v_tᵀ to the state before you read it with φ(q_t).',
  'not-normalised': 'Your output is not normalised: with normalize = true, divide by φ(q_t)·z_t.',
  'normalised-anyway': 'You divided by φ(q_t)·z_t, but this case asks for normalize = false.',
  overwritten:
    'Each output sees only its own token: the state is overwritten at every step instead of added to. S and z must keep the sum over every s ≤ t.',
  'identity-map':
    'Your output is linear attention with φ = identity: the elu + 1 feature map is not applied (see phi).',
  'form-ok': 'matches the float64 reference for {cases}, with and without normalisation',
  'forms-agree': 'one state of d×d numbers gives what the N×N matrix gives ({cases})',
  'quadratic-buffer':
    "At N = {n}, recurrent made {what}: that grows with N², like the parallel form's scores. The recurrent form must not call parallel or build the N×N matrix: carry S (dk×dv) and z from one token to the next.",
  'quadratic-growth':
    'recurrent allocated {small} at N = {n1} and {large} at N = {n2}: doubling N more than tripled its memory, so something grows with N². The recurrent form must not call parallel or build the N×N matrix: carry S (dk×dv) and z from one token to the next.',
  'state-ok':
    'at N = {n} the recurrent form allocated {total} in all, its largest {largest} (the N×N scores alone would take {scores}); from N = {n1} to {n2} its memory grew {ratio}×'
});

// N = 7 comes first: with one token, "token t left out of its own sum" and "no update at all" both
// give zeros, and the hint could not tell them apart.
const CASES = cases(
  [
    { n: 7, dk: 16, dv: 8 }, // dk ≠ dv: S is dk×dv, o is [N, dv]
    { n: 1, dk: 8, dv: 8 },
    { n: 100, dk: 32, dv: 32 },
    { n: 300, dk: 64, dv: 16 } // dk at recurrent.wgsl's MAX_DK
  ],
  { block: 64, make: (n) => ({ n, dk: 16, dv: 8 }) }
);
// Identity with normalisation is left out on purpose: φ(q)·z can then be 0 or negative, and the
// division blows up. A normalised linear attention needs a positive φ (that is what elu + 1 is for).
const OPTIONS: Options[] = [
  { featureMap: 'identity', normalize: false },
  { featureMap: 'elu1', normalize: false },
  { featureMap: 'elu1', normalize: true }
];
const optionsText = (o: Options) =>
  `φ = ${o.featureMap === 'elu1' ? 'elu + 1' : 'identity'}, ${o.normalize ? 'normalised' : 'not normalised'}`;

const PHI_VALUES = [-6, -3, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 2, 5, 10];

/**
 * Unnormalised linear attention sums up to N terms of size about dk, so its values and their
 * float32 rounding grow with N and dk: the absolute tolerance scales with the largest expected
 * value. Normalised outputs are weighted averages of v, and keep the usual 1e-5 / 1e-4 (SYLLABUS §5).
 */
function tolerance(expected: F64) {
  let max = 0;
  for (const x of expected.data) max = Math.max(max, Math.abs(x));
  return { atol: Number((1e-5 * Math.max(1, max)).toPrecision(2)), rtol: 1e-4 };
}

const inputs = (lab: Lab, { n, dk, dv }: Case, seed: number) =>
  seeded(lab, { q: [n, dk], k: [n, dk], v: [n, dv] }, seed);

/** The typical mistake that the output matches, or null. */
function diagnose(lab: Lab, o: Tensor, q: Tensor, k: Tensor, v: Tensor, opts: Options): Message | null {
  const same = (expected: F64) => lab.tensors.compare(o, expected, tolerance(expected)).ok;
  if (o.data.some((x) => Number.isNaN(x))) return m('nan');
  if (o.data.every((x) => x === 0)) return m('zeros');
  if (same(variant(q, k, v, { ...opts, exclusive: true }))) return m('exclusive');
  if (o.shape[0] > 1 && same(variant(q, k, v, { ...opts, onlySelf: true }))) return m('overwritten');
  if (opts.normalize && same(reference(q, k, v, { ...opts, normalize: false }))) return m('not-normalised');
  if (!opts.normalize && same(reference(q, k, v, { ...opts, normalize: true }))) return m('normalised-anyway');
  if (opts.featureMap === 'elu1' && same(reference(q, k, v, { ...opts, featureMap: 'identity' })))
    return m('identity-map');
  return null;
}

const formOf = (ctx: LessonContext, name: 'recurrent' | 'parallel') =>
  learner<Form>(ctx, name, `${name}(q, k, v, options): Promise<Tensor>`);

/** One form on every case and option set: fail with the first mismatch and what it looks like. */
function formCheck(name: 'recurrent' | 'parallel') {
  return check({
    id: name,
    title: `The ${name} form matches the float64 reference`,
    async run(ctx) {
      const form = formOf(ctx, name);
      for (const [c, shape] of CASES.entries()) {
        const { q, k, v } = inputs(ctx.lab, shape, 10 * c + 1);
        for (const opts of OPTIONS) {
          const expected = reference(q, k, v, opts);
          expectClose(
            ctx.lab,
            await form(q, k, v, opts),
            expected,
            tolerance(expected),
            `N = ${shape.n}, dk = ${shape.dk}, dv = ${shape.dv}, ${optionsText(opts)}`,
            name,
            (o) => diagnose(ctx.lab, o, q, k, v, opts)
          );
        }
      }
      return m('form-ok', { cases: listN(CASES) });
    }
  });
}

export const harness: LessonHarness = {
  checks: [
    check({
      id: 'feature-map',
      title: 'featureMap(x, kind) applies φ: identity, or elu(x) + 1',
      async run(ctx) {
        const featureMap = learner<Phi>(ctx, 'featureMap', 'featureMap(x, kind): Promise<Tensor>');
        const x = ctx.lab.tensors.from([2, PHI_VALUES.length / 2], PHI_VALUES);
        for (const kind of ['identity', 'elu1'] as const) {
          const y = expectTensor(await featureMap(x, kind), x.shape, 'featureMap');
          const want = mapPhi(x, kind);
          const cmp = ctx.lab.tensors.compare(y, want, { atol: 1e-6, rtol: 1e-5 });
          if (cmp.ok) continue;
          const i = Math.max(0, cmp.firstMismatch);
          const params = {
            kind: kind === 'elu1' ? 'elu + 1' : 'identity',
            x: PHI_VALUES[i],
            got: y.data[i],
            want: want.data[i]
          };
          if (kind === 'elu1' && ctx.lab.tensors.compare(y, mapPhi(x, 'identity')).ok)
            fail(m('phi-is-identity', params));
          if (kind === 'elu1' && Math.abs(y.data[i] - (want.data[i] - 1)) < 1e-5) fail(m('phi-is-elu', params));
          fail(m('phi-wrong', params));
        }
        return m('phi-ok');
      }
    }),
    formCheck('recurrent'),
    formCheck('parallel'),
    check({
      id: 'recurrent-memory',
      title: 'The recurrent form allocates nothing that grows with N²',
      async run(ctx) {
        const recurrent = formOf(ctx, 'recurrent');
        const options: Options = { featureMap: 'elu1', normalize: true };
        // On simd one allocation holds all of the module's memory, inputs and output included, and
        // its allocator doubles it as it grows: at N = 512 that alone can reach N² bytes. Longer
        // sequences keep N² far above anything of N·d floats.
        const sizes = ctx.backend === 'simd' ? ([2048, 4096] as const) : ([256, 512] as const);
        const totals: number[] = [];
        let largest = '';
        for (const n of sizes) {
          const { q, k, v } = inputs(ctx.lab, { n, dk: D, dv: D }, 5);
          const { record } = await ctx.probe(() => recurrent(q, k, v, options));
          const big = largestAllocation(record);
          // N² bytes, a quarter of N² floats: far above anything of N·d or d² floats (8K and 256
          // here), and it still catches a packed lower triangle of the scores.
          if (big && big.bytes >= n * n) fail(m('quadratic-buffer', { n, what: big.text }));
          totals.push(totalBytes(record));
          largest = big?.text ?? 'nothing';
        }
        const [n1, n2] = sizes;
        const [small, large] = totals;
        if (large > 3 * small) {
          fail(m('quadratic-growth', { n1, n2, small: formatBytes(small), large: formatBytes(large) }));
        }
        return m('state-ok', {
          n: n2,
          total: formatBytes(large),
          largest,
          scores: formatBytes(4 * n2 * n2),
          n1,
          n2,
          ratio: (large / Math.max(1, small)).toFixed(2)
        });
      }
    }),
    check({
      id: 'forms-agree',
      title: 'Recurrent = parallel: the two forms give the same output',
      async run(ctx) {
        const recurrent = formOf(ctx, 'recurrent');
        const parallel = formOf(ctx, 'parallel');
        // 65: one past a workgroup of 64.
        const list = cases([{ n: 65, dk: 16, dv: 16 }], { block: 64, make: (n) => ({ n, dk: 16, dv: 16 }) });
        for (const [i, shape] of list.entries()) {
          const { q, k, v } = inputs(ctx.lab, shape, 77 + 3 * i);
          for (const opts of OPTIONS) {
            const a = await recurrent(q, k, v, opts);
            const b = expectTensor(await parallel(q, k, v, opts), [shape.n, shape.dv], 'parallel');
            const tol = tolerance({ shape: [...b.shape], data: Float64Array.from(b.data) });
            const where = `N = ${shape.n}, d = ${shape.dk}, ${optionsText(opts)}: recurrent vs parallel`;
            expectClose(ctx.lab, a, b, tol, where, 'recurrent');
          }
        }
        return m('forms-agree', { cases: listN(list) });
      }
    })
  ],
  async sweep(ctx, n) {
    const { lab } = ctx;
    const recurrent = formOf(ctx, 'recurrent');
    const setup = (size: number) => inputs(lab, { n: size, dk: D, dv: D }, 1);
    const options: Options = { featureMap: 'elu1', normalize: true };
    // Compile the shaders, start onnxruntime and let the JavaScript engine optimise the loops
    // before timing anything, so that the first N is not charged for them (nor the sweep's time
    // prediction misled).
    const tiny = setup(16);
    for (let i = 0; i < 3; i++) await warmUp(lab, () => recurrent(tiny.q, tiny.k, tiny.v, options));
    await warmUp(lab, () => naiveAttention(lab, tiny.q, tiny.k, tiny.v));
    await lab.sweep({
      label:
        ctx.backend === 'simd'
          ? 'linear attention, recurrent (your recurrent.as.ts, one thread)'
          : 'linear attention, recurrent (your code)',
      n,
      setup,
      run: ({ q, k, v }) => recurrent(q, k, v, options),
      bytes: (size) => bytesOf(memory, size)
    });
    await lab.sweep({
      label: 'softmax attention (lesson 01)',
      n,
      setup,
      run: ({ q, k, v }) => naiveAttention(lab, q, k, v),
      bytes: (size) => bytesOf(naiveAttentionMemory(D), size)
    });
    // What a decoder keeps between tokens: the KV cache grows with N, the state does not.
    const curve = (f: (size: number) => number) => n.map((size) => [size, f(size)] as const);
    lab.plot({
      id: 'decode-memory',
      title: 'Memory kept to produce token N + 1 (one head, one layer, float32; analytic)',
      x: { label: 'tokens so far N', log: true },
      y: { label: 'bytes', log: true },
      series: [
        { label: `softmax: KV cache 2·N·d·4, d = ${D}`, points: curve((s) => kvCacheBytes(s, D)), dashed: true },
        { label: `linear: state S and z, 4·d·(d + 1), d = ${D}`, points: curve(() => stateBytes(D, D)), dashed: true },
        { label: 'softmax: KV cache, d = 128', points: curve((s) => kvCacheBytes(s, 128)), dashed: true },
        { label: 'linear: state, d = 128', points: curve(() => stateBytes(128, 128)), dashed: true }
      ]
    });
  }
};
