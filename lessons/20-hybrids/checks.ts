/**
 * Lesson 20 checks. (1) The learner's schedule for the HF Jamba configuration, layer by layer,
 * naming the usual slips (offset ignored, layers counted from 1, MoE on even layers). (2) The
 * schedule on other (layers, period, offset) settings, a sliding window with global layers, and a
 * shared attention block. (3) MiniMax-01: 80 layers give 10 softmax layers. (4) cacheBytes against
 * the bytes the stack actually allocated (from a probe), then the paper's budget at 256K: Jamba
 * 4 GiB against Mixtral 32 GiB. (5) The stack, from the probes: one attention dispatch per attention
 * layer, one banded dispatch per SWA layer, one scan per Mamba layer; then its output against a
 * float64 twin. The sweep (sweep.ts) times four stacks and charts the cache each kept.
 * Cost: the schedule checks are arithmetic; the stack checks run 4 stacks of 8 layers at N = 150.
 */
import type { Tensor } from 'lab';
import { formatBytes } from '$lib/bench/format';
import { check, expectClose, fail, hinted, learner, messages } from '$lib/lessons/kit';
import type { LessonContext, LessonHarness } from '$lib/lessons/types';
import { D, STATE_BYTES } from './memory';
import {
  type CacheDims,
  type HybridConfig,
  type Layer,
  HYMBA,
  JAMBA,
  JAMBA_ATTENTION_LAYERS,
  JAMBA_MAMBA_STATE_BYTES,
  JAMBA_MOE_LAYERS,
  MINIMAX,
  MIXTRAL,
  N_256K,
  PAPER_DIMS,
  referenceCacheBytes,
  referenceSchedule
} from './reference';
import { type Mixers, makeMixers, runLayers, stackCounts, stackReference } from './stack';
import { STACKS, sweep } from './sweep';

type Schedule = (config: HybridConfig) => Layer[];
type CacheBytes = (layers: Layer[], n: number, dims: CacheDims) => number;
type RunStack = (layers: Layer[], x: Tensor, mixers: Mixers) => Promise<Tensor>;

const m = messages('20-hybrids', {
  'not-layers': 'schedule({config}) must return an array of {layers} layers {mixer, ffn, weightsOf}, got {got}',
  'jamba-attention':
    'Jamba: attention at layers {got}, but the HF config (attn_layer_period 8, attn_layer_offset 4) puts it at {expected}.',
  'offset-ignored': 'Your attention layers are those where i % period == 0: the schedule ignores the offset.',
  'one-based':
    'Your attention layers are those where (i + 1) % period == offset: the schedule counts layers from 1; HF counts from 0.',
  'period-off': 'Your attention layers are {every} apart: the period is off by one.',
  'jamba-mixer': 'Jamba: layer {layer} should be a {expected} layer, got {got}.',
  'jamba-moe':
    'Jamba: MoE at layers {got}, but the HF config (expert_layer_period 2, expert_layer_offset 1) puts it at {expected}.',
  'moe-even': 'Your MoE layers are the even ones: the expert offset (1) is ignored, so MoE lands on even layers.',
  'jamba-ok':
    'matches the HF Jamba config: attention at layers {attention} (4 of 32, 1:7), Mamba elsewhere, MoE on the {moe} odd layers',
  'setting-wrong': '{name} ({config}): layer {layer} should be {expected}, got {got}.',
  'setting-shared':
    'A shared attention block uses the weights of the first attention layer, {first}, at every attention layer.',
  'setting-window':
    'With window set, attention layers become sliding-window layers (mixer swa, window w), except the global layers.',
  'settings-ok': 'matches the reference schedule on {count} settings: {names}',
  'minimax-count':
    'MiniMax-01: {got} softmax-attention layers and {lightning} lightning layers out of 80; expected 10 and 70.',
  'minimax-ok':
    'MiniMax-01: 80 layers → {attention} softmax-attention layers (7, 15, …, 79) and {lightning} lightning-attention layers',
  'cache-vs-probe':
    '{name} at N = {n}: your cacheBytes says {mine}, but the stack allocated {measured} of caches (K, V and states).',
  'cache-window': 'A sliding-window layer keeps only the last min(N, w) tokens of K and V, not all N.',
  'cache-state': 'A recurrent layer keeps a fixed state (dims.stateBytes), whatever N is.',
  'paper-wrong':
    '{name} at 256K tokens (bf16, 8 KV heads of dimension 128, attention KV only): got {got}, expected {expected}.',
  'budget-ok':
    'your count matches the stack’s allocations for all four stacks at N = {ns}; at 256K tokens (bf16, g = 8, d = 128, attention KV only) Jamba keeps {jamba} against Mixtral’s {mixtral} ({ratio}× smaller); Jamba’s 28 Mamba states add {state} (d_inner 8192 × d_state 16, bf16), whatever N is',
  'stack-counts':
    '{name}: the schedule has {attention} attention, {swa} sliding-window and {mamba} Mamba layers, but the stack ran {gotAttention} full-attention kernels, {gotSwa} sliding-window kernels and {gotMamba} scans.',
  'stack-ok':
    'one kernel per layer of the schedule in all four stacks at N = {n} (counted from the probes), and the output matches the float64 stack'
});

const fmt = (xs: number[]) => (xs.length ? `[${xs.join(', ')}]` : 'none');
const describe = (l: Layer) =>
  `${l.mixer}${l.mixer === 'swa' ? ` (window ${l.window})` : ''}, ${l.ffn}, weights of layer ${l.weightsOf}`;
const same = (a: Layer, b: Layer) =>
  a.mixer === b.mixer && a.ffn === b.ffn && a.weightsOf === b.weightsOf && (a.mixer !== 'swa' || a.window === b.window);

function layersOf(ctx: LessonContext, config: HybridConfig, name: string): Layer[] {
  const schedule = learner<Schedule>(ctx, 'schedule', 'schedule(config: HybridConfig): Layer[]');
  const layers = schedule(config);
  if (!Array.isArray(layers) || layers.length !== config.layers) {
    fail(
      m('not-layers', {
        config: name,
        layers: config.layers,
        got: Array.isArray(layers) ? `${layers.length} layers` : typeof layers
      })
    );
  }
  return layers;
}

const indices = (layers: Layer[], keep: (l: Layer) => boolean) => layers.flatMap((l, i) => (keep(l) ? [i] : []));
const range = (n: number, keep: (i: number) => boolean) => Array.from({ length: n }, (_, i) => i).filter(keep);
const sameList = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Other settings the schedule must get right (none of them is Jamba's). */
const SETTINGS: { name: string; config: HybridConfig }[] = [
  {
    name: '12 layers, attention period 3 offset 2, MoE period 4 offset 3',
    config: { layers: 12, attnPeriod: 3, attnOffset: 2, expertPeriod: 4, expertOffset: 3, recurrent: 'mamba' }
  },
  {
    name: '10 layers, attention period 5 offset 0, MoE everywhere',
    config: { layers: 10, attnPeriod: 5, attnOffset: 0, expertPeriod: 1, expertOffset: 0, recurrent: 'mamba' }
  },
  {
    name: '7 layers, attention period 7 offset 6, no MoE',
    config: { layers: 7, attnPeriod: 7, attnOffset: 6, expertPeriod: 0, expertOffset: 0, recurrent: 'lightning' }
  },
  {
    name: 'Samba-like: 6 layers, SWA (w = 64) at odd layers',
    config: {
      layers: 6,
      attnPeriod: 2,
      attnOffset: 1,
      expertPeriod: 0,
      expertOffset: 0,
      recurrent: 'mamba',
      window: 64
    }
  },
  {
    name: 'Zamba-like: 14 layers, one shared attention block every 6 layers from layer 5',
    config: {
      layers: 14,
      attnPeriod: 6,
      attnOffset: 5,
      expertPeriod: 0,
      expertOffset: 0,
      recurrent: 'mamba',
      sharedAttention: true
    }
  },
  { name: 'Hymba-like: 32 layers, SWA everywhere but global layers 0, 15, 31', config: HYMBA }
];

/** The toy stack's cache dimensions: one head of dimension D, float32, a [D, N_s] state per Mamba layer. */
const TOY_DIMS: CacheDims = { kvHeads: 1, headDim: D, bytes: 4, stateBytes: STATE_BYTES };
/** Stack check length: past the toy window (128), not a multiple of 64, and not N_s. */
const STACK_N = 150;
const CACHE_N = [STACK_N, 100];

export const harness: LessonHarness = {
  checks: [
    check({
      id: 'jamba',
      title: 'the schedule equals the HF Jamba config (32 layers, attention at i % 8 == 4, MoE at i % 2 == 1)',
      run(ctx) {
        const layers = layersOf(ctx, JAMBA, 'Jamba');
        const attention = indices(layers, (l) => l.mixer === 'attention');
        if (!sameList(attention, JAMBA_ATTENTION_LAYERS)) {
          const base = m('jamba-attention', { got: fmt(attention), expected: fmt(JAMBA_ATTENTION_LAYERS) });
          if (
            sameList(
              attention,
              range(32, (i) => i % 8 === 0)
            )
          )
            fail(hinted(base, m('offset-ignored')));
          if (
            sameList(
              attention,
              range(32, (i) => (i + 1) % 8 === 4)
            )
          )
            fail(hinted(base, m('one-based')));
          const every = attention.length > 1 ? attention[1] - attention[0] : 0;
          if (every === 7 || every === 9) fail(hinted(base, m('period-off', { every })));
          fail(base);
        }
        for (const [i, l] of layers.entries()) {
          if (l.mixer !== 'attention' && l.mixer !== 'mamba') {
            fail(m('jamba-mixer', { layer: i, expected: 'mamba', got: String(l.mixer) }));
          }
        }
        const moe = indices(layers, (l) => l.ffn === 'moe');
        if (!sameList(moe, JAMBA_MOE_LAYERS)) {
          const base = m('jamba-moe', { got: fmt(moe), expected: fmt(JAMBA_MOE_LAYERS) });
          if (
            sameList(
              moe,
              range(32, (i) => i % 2 === 0)
            )
          )
            fail(hinted(base, m('moe-even')));
          fail(base);
        }
        return m('jamba-ok', { attention: fmt(attention), moe: moe.length });
      }
    }),
    check({
      id: 'settings',
      title: 'the schedule is right on other periods and offsets, with a window, and with shared attention',
      run(ctx) {
        for (const { name, config } of SETTINGS) {
          const layers = layersOf(ctx, config, name);
          const expected = referenceSchedule(config);
          for (const [i, want] of expected.entries()) {
            const got = layers[i];
            if (same(got, want)) continue;
            const base = m('setting-wrong', {
              name,
              config: JSON.stringify(config),
              layer: i,
              expected: describe(want),
              got: describe(got)
            });
            if (config.sharedAttention && got.mixer === want.mixer && got.weightsOf !== want.weightsOf) {
              fail(hinted(base, m('setting-shared', { first: want.weightsOf })));
            }
            if (config.window !== undefined && (got.mixer === 'swa') !== (want.mixer === 'swa')) {
              fail(hinted(base, m('setting-window')));
            }
            fail(base);
          }
        }
        return m('settings-ok', {
          count: SETTINGS.length,
          names: SETTINGS.map((s) => s.name.split(':')[0]).join('; ')
        });
      }
    }),
    check({
      id: 'minimax',
      title: 'MiniMax-01: 80 layers give 10 softmax-attention layers',
      run(ctx) {
        const layers = layersOf(ctx, MINIMAX, 'MiniMax-01');
        const attention = indices(layers, (l) => l.mixer === 'attention').length;
        const lightning = indices(layers, (l) => l.mixer === 'lightning').length;
        if (attention !== 10 || lightning !== 70) fail(m('minimax-count', { got: attention, lightning }));
        return m('minimax-ok', { attention, lightning });
      }
    }),
    check({
      id: 'budget',
      title: 'cacheBytes counts what the stack allocated, and gives Jamba 4 GiB against Mixtral 32 GiB at 256K',
      async run(ctx) {
        const { lab } = ctx;
        const cacheBytes = learner<CacheBytes>(ctx, 'cacheBytes', 'cacheBytes(layers, n, dims): number');
        // 1. The toy stacks: your count against the bytes the layers allocated in a probed run
        // (the harness runs the schedule itself here, so this check does not depend on runStack).
        for (const { label, config } of STACKS) {
          const layers = referenceSchedule(config);
          for (const n of CACHE_N) {
            const x = lab.tensors.randn([n, D], 5);
            const mixers = makeMixers(lab, n);
            const { record } = await ctx.probe(() => runLayers(layers, x, mixers));
            const measured = stackCounts(lab.backend, record, n).cache;
            const expected = referenceCacheBytes(layers, n, TOY_DIMS);
            const params = { name: label, n, measured: formatBytes(measured), expected: formatBytes(expected) };
            if (measured !== expected)
              throw new Error(`the harness's stack allocated ${measured} B, not ${expected} B`);
            const mine = cacheBytes(layers, n, TOY_DIMS);
            if (mine !== measured) {
              const base = m('cache-vs-probe', { ...params, mine: `${mine} B`, measured: `${measured} B` });
              const noWindow = referenceCacheBytes(
                layers.map((l) => ({ ...l, window: undefined })),
                n,
                TOY_DIMS
              );
              if (config.window !== undefined && mine === noWindow) fail(hinted(base, m('cache-window')));
              if (mine === expected - layers.filter((l) => l.mixer === 'mamba').length * STATE_BYTES) {
                fail(hinted(base, m('cache-state')));
              }
              fail(base);
            }
          }
        }
        // 2. The paper's budget at 256K tokens, from your schedule and your count.
        const jambaLayers = layersOf(ctx, JAMBA, 'Jamba');
        const mixtralLayers = layersOf(ctx, MIXTRAL, 'Mixtral');
        const jamba = cacheBytes(jambaLayers, N_256K, PAPER_DIMS);
        const mixtral = cacheBytes(mixtralLayers, N_256K, PAPER_DIMS);
        const GiB = 2 ** 30;
        if (jamba !== 4 * GiB) fail(m('paper-wrong', { name: 'Jamba', got: formatBytes(jamba), expected: '4 GiB' }));
        if (mixtral !== 32 * GiB)
          fail(m('paper-wrong', { name: 'Mixtral', got: formatBytes(mixtral), expected: '32 GiB' }));
        const states = cacheBytes(jambaLayers, N_256K, { ...PAPER_DIMS, stateBytes: JAMBA_MAMBA_STATE_BYTES }) - jamba;
        return m('budget-ok', {
          ns: CACHE_N.join(' and '),
          jamba: formatBytes(jamba),
          mixtral: formatBytes(mixtral),
          ratio: mixtral / jamba,
          state: formatBytes(states)
        });
      }
    }),
    check({
      id: 'stack',
      title:
        'the stack runs one real kernel per layer of the schedule (from the probes), and matches the float64 stack',
      async run(ctx) {
        const { lab } = ctx;
        const runStack = learner<RunStack>(ctx, 'runStack', 'runStack(layers, x, mixers): Promise<Tensor>');
        for (const { label, config } of STACKS) {
          const layers = referenceSchedule(config);
          const x = lab.tensors.randn([STACK_N, D], 3);
          const mixers = makeMixers(lab, STACK_N);
          const { result, record } = await ctx.probe(() => runStack(layers, x, mixers));
          const got = stackCounts(lab.backend, record, STACK_N);
          const want = {
            attention: layers.filter((l) => l.mixer === 'attention').length,
            swa: layers.filter((l) => l.mixer === 'swa').length,
            mamba: layers.filter((l) => l.mixer === 'mamba').length
          };
          if (got.attention !== want.attention || got.swa !== want.swa || got.mamba !== want.mamba) {
            fail(
              m('stack-counts', {
                name: label,
                ...want,
                gotAttention: got.attention,
                gotSwa: got.swa,
                gotMamba: got.mamba
              })
            );
          }
          expectClose(
            lab,
            result,
            stackReference(lab, layers, x),
            { atol: 1e-4, rtol: 1e-3 },
            `${label}, N = ${STACK_N}`,
            'runStack'
          );
        }
        return m('stack-ok', { n: STACK_N });
      }
    })
  ],
  sweep
};
