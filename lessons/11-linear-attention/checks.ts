/**
 * Lesson 11 checks: the learner's feature map φ, their recurrent form and their parallel form,
 * each against the float64 reference (registry `linear_attention` plus φ and the normaliser, see
 * reference.ts), with and without normalisation, on several shapes (N = 1, dk ≠ dv, dk at the
 * kernel's limit); then the two forms against each other. The sweep races the learner's
 * recurrent form against lesson 01's softmax attention, and plots what a decoder must keep.
 */
import type { Tensor } from 'lab';
import { CheckFailure, isTensor, learnerFunction, outcome } from '$lib/lessons/check-helpers';
import { type LessonContext, bytesOf } from '$lib/lessons/types';
import type { LessonHarness } from '$lib/lessons/types';
import { D, kvCacheBytes, memory, stateBytes } from './memory';
import { type FeatureMap, type Options, mapPhi, reference, variant } from './reference';
import {
  naiveAttention as softmaxAttention,
  naiveAttentionMemory as softmaxMemory
} from '$lib/baselines/naive-attention';

type Form = (q: Tensor, k: Tensor, v: Tensor, options: Options) => Promise<Tensor>;
type Phi = (x: Tensor, kind: FeatureMap) => Promise<Tensor>;
type F64 = { shape: number[]; data: Float64Array };

// N = 7 comes first: with one token, "token t left out of its own sum" and "no update at all" both
// give zeros, and the hint could not tell them apart.
const CASES = [
  { n: 7, dk: 16, dv: 8 }, // dk ≠ dv: S is dk×dv, o is [N, dv]
  { n: 1, dk: 8, dv: 8 },
  { n: 100, dk: 32, dv: 32 },
  { n: 300, dk: 64, dv: 16 } // dk at recurrent.wgsl's MAX_DK
];
// Identity with normalisation is left out on purpose: φ(q)·z can then be 0 or negative, and the
// division blows up. A normalised linear attention needs a positive φ (that is what elu + 1 is for).
const OPTIONS: Options[] = [
  { featureMap: 'identity', normalize: false },
  { featureMap: 'elu1', normalize: false },
  { featureMap: 'elu1', normalize: true }
];
const describe = (o: Options) =>
  `φ = ${o.featureMap === 'elu1' ? 'elu + 1' : 'identity'}, ${o.normalize ? 'normalised' : 'not normalised'}`;

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

function inputs(ctx: LessonContext, n: number, dk: number, dv: number, seed: number) {
  const { tensors } = ctx.lab;
  return { q: tensors.randn([n, dk], seed), k: tensors.randn([n, dk], seed + 1), v: tensors.randn([n, dv], seed + 2) };
}

/** A sentence naming the typical mistake that the output matches, or ''. */
function diagnose(ctx: LessonContext, o: Tensor, q: Tensor, k: Tensor, v: Tensor, opts: Options): string {
  const same = (expected: F64) => ctx.lab.tensors.compare(o, expected, tolerance(expected)).ok;
  if (o.data.some((x) => Number.isNaN(x)))
    return ' Your output has NaN in it: a division by zero, or a state read before it was written?';
  if (o.data.every((x) => x === 0))
    return ' Your output is all zeros: the state never changes. At every step add φ(k_t) v_tᵀ to S (and φ(k_t) to z).';
  if (same(variant(q, k, v, { ...opts, exclusive: true }))) {
    return ' Your output leaves token t out of its own sum (s < t instead of s ≤ t): add φ(k_t) v_tᵀ to the state before you read it with φ(q_t).';
  }
  if (opts.normalize && same(reference(q, k, v, { ...opts, normalize: false })))
    return ' Your output is not normalised: with normalize = true, divide by φ(q_t)·z_t.';
  if (!opts.normalize && same(reference(q, k, v, { ...opts, normalize: true })))
    return ' You divided by φ(q_t)·z_t, but this case asks for normalize = false.';
  if (opts.featureMap === 'elu1' && same(reference(q, k, v, { ...opts, featureMap: 'identity' }))) {
    return ' Your output is linear attention with φ = identity: the elu + 1 feature map is not applied (see phi).';
  }
  return '';
}

/** Run one form on every case and option set; fail with the first mismatch and what it looks like. */
async function checkForm(ctx: LessonContext, name: 'recurrent' | 'parallel') {
  const form = learnerFunction<Form>(ctx, name, `${name}(q, k, v, options): Promise<Tensor>`);
  for (const [c, { n, dk, dv }] of CASES.entries()) {
    const { q, k, v } = inputs(ctx, n, dk, dv, 10 * c + 1);
    for (const opts of OPTIONS) {
      const o = await form(q, k, v, opts);
      if (!isTensor(o))
        throw new CheckFailure(`${name} must return a Tensor { shape, data: Float32Array }, got ${String(o)}`);
      const expected = reference(q, k, v, opts);
      const cmp = ctx.lab.tensors.compare(o, expected, tolerance(expected));
      if (!cmp.ok) {
        return {
          pass: false,
          message: `N = ${n}, dk = ${dk}, dv = ${dv}, ${describe(opts)}: ${cmp.message}.${diagnose(ctx, o, q, k, v, opts)}`
        };
      }
    }
  }
  return {
    pass: true,
    message: `matches the float64 reference for N = ${CASES.map((c) => c.n).join(', ')}, with and without normalisation`
  };
}

const PHI_VALUES = [-6, -3, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 2, 5, 10];

export const harness: LessonHarness = {
  checks: [
    {
      id: 'feature-map',
      title: 'featureMap(x, kind) applies φ: identity, or elu(x) + 1',
      run: (ctx) =>
        outcome(async () => {
          const featureMap = learnerFunction<Phi>(ctx, 'featureMap', 'featureMap(x, kind): Promise<Tensor>');
          const x = ctx.lab.tensors.from([2, PHI_VALUES.length / 2], PHI_VALUES);
          for (const kind of ['identity', 'elu1'] as const) {
            const y = await featureMap(x, kind);
            if (!isTensor(y)) throw new CheckFailure(`featureMap must return a Tensor, got ${String(y)}`);
            const want = mapPhi(x, kind);
            const cmp = ctx.lab.tensors.compare(y, want, { atol: 1e-6, rtol: 1e-5 });
            if (!cmp.ok) {
              const i = Math.max(0, cmp.firstMismatch);
              const xi = PHI_VALUES[i];
              let hint = '';
              if (kind === 'elu1' && ctx.lab.tensors.compare(y, mapPhi(x, 'identity')).ok)
                hint = ' That is the identity: elu + 1 still has to be written.';
              else if (kind === 'elu1' && Math.abs(y.data[i] - (want.data[i] - 1)) < 1e-5)
                hint = ' That is elu(x): add 1, so that φ > 0 everywhere.';
              return {
                pass: false,
                message: `φ = ${kind === 'elu1' ? 'elu + 1' : 'identity'}: φ(${xi}) returned ${y.data[i]}, expected ${want.data[i]} (elu(x) + 1 is x + 1 for x > 0 and e^x for x ≤ 0).${hint}`
              };
            }
          }
          return { pass: true, message: 'φ(−1) = e^−1 ≈ 0.3679, φ(0) = 1, φ(2) = 3: elu + 1 is positive everywhere' };
        })
    },
    {
      id: 'recurrent',
      title: 'The recurrent form matches the float64 reference',
      run: (ctx) => outcome(() => checkForm(ctx, 'recurrent'))
    },
    {
      id: 'parallel',
      title: 'The parallel form matches the float64 reference',
      run: (ctx) => outcome(() => checkForm(ctx, 'parallel'))
    },
    {
      id: 'forms-agree',
      title: 'Recurrent = parallel: the two forms give the same output',
      run: (ctx) =>
        outcome(async () => {
          const recurrent = learnerFunction<Form>(ctx, 'recurrent', 'recurrent(q, k, v, options): Promise<Tensor>');
          const parallel = learnerFunction<Form>(ctx, 'parallel', 'parallel(q, k, v, options): Promise<Tensor>');
          const { q, k, v } = inputs(ctx, 65, 16, 16, 77); // 65: one past a workgroup of 64
          for (const opts of OPTIONS) {
            const a = await recurrent(q, k, v, opts);
            const b = await parallel(q, k, v, opts);
            const tol = tolerance({ shape: [...b.shape], data: Float64Array.from(b.data) });
            const cmp = ctx.lab.tensors.compare(a, b, tol);
            if (!cmp.ok)
              return {
                pass: false,
                message: `N = 65, d = 16, ${describe(opts)}: recurrent vs parallel: ${cmp.message}`
              };
          }
          return { pass: true, message: 'one state of d×d numbers gives what the N×N matrix gives' };
        })
    }
  ],
  async sweep(ctx, n) {
    const recurrent = learnerFunction<Form>(ctx, 'recurrent', 'recurrent(q, k, v, options): Promise<Tensor>');
    const setup = (size: number) => inputs(ctx, size, D, D, 1);
    const options: Options = { featureMap: 'elu1', normalize: true };
    // Compile the shaders, start onnxruntime and let the JavaScript engine optimise the loops
    // before timing anything, so that the first N is not charged for them (nor the sweep's time
    // prediction misled).
    const tiny = setup(16);
    for (let i = 0; i < 3; i++) await recurrent(tiny.q, tiny.k, tiny.v, options);
    await softmaxAttention(ctx.lab, tiny.q, tiny.k, tiny.v);
    await ctx.lab.sweep({
      label: 'linear attention, recurrent (your code)',
      n,
      setup,
      run: ({ q, k, v }) => recurrent(q, k, v, options),
      bytes: (size) => bytesOf(memory, size)
    });
    await ctx.lab.sweep({
      label: 'softmax attention (lesson 01)',
      n,
      setup,
      run: ({ q, k, v }) => softmaxAttention(ctx.lab, q, k, v),
      bytes: (size) => bytesOf(softmaxMemory(D), size)
    });
    // What a decoder keeps between tokens: the KV cache grows with N, the state does not.
    const curve = (f: (m: number) => number) => n.map((m) => [m, f(m)] as const);
    ctx.lab.plot({
      id: 'decode-memory',
      title: 'Memory kept to produce token N + 1 (one head, one layer, float32; analytic)',
      x: { label: 'tokens so far N', log: true },
      y: { label: 'bytes', log: true },
      series: [
        { label: `softmax: KV cache 2·N·d·4, d = ${D}`, points: curve((m) => kvCacheBytes(m, D)), dashed: true },
        { label: `linear: state S and z, 4·d·(d + 1), d = ${D}`, points: curve(() => stateBytes(D, D)), dashed: true },
        { label: 'softmax: KV cache, d = 128', points: curve((m) => kvCacheBytes(m, 128)), dashed: true },
        { label: 'linear: state, d = 128', points: curve(() => stateBytes(128, 128)), dashed: true }
      ]
    });
  }
};
