/**
 * Lesson 05's traffic check, from the probes: on WebGPU the reads of q, k and v that an
 * instrumented copy of the learner's shader counts, against the exact model of the FA-2 causal
 * loop (reference.ts); on WASM the floats sent to and from onnxruntime, against FA-1's model plus
 * one block offset per call, with a hint when the excess is a known extra (a block of scores read
 * back, an N×d array sent twice).
 */
import type { Tensor } from 'lab';
import { type Message, cases, dispatchCount, fail, messages, reads, transferred } from '$lib/lessons/kit';
import type { Lab, LessonContext, ProbeRecord } from '$lib/lessons/types';
import { FLOATS_PER_READ, fa1Traffic, fa2CausalLoads, fa2FullLoads } from './reference';

/** The learner's attention, checked for shape, and the lesson's seeded inputs (from checks.ts). */
export interface TrafficDeps {
  attention(ctx: LessonContext, q: Tensor, k: Tensor, v: Tensor): Promise<{ o: Tensor; bc: number; br: number }>;
  inputs(lab: Lab, n: number, d: number, seed: number): { q: Tensor; k: Tensor; v: Tensor };
}

const GPU_TRAFFIC =
  'N = {n}, d = {d}: the harness counted {counted} floats of Q, K and V read ({counts}; one vec4 is 4 floats); the causal FA-2 model says 3·N·d + d·B_r·T_r(T_r − 1) = {want} (B_r = {br}, T_r = ⌈N/B_r⌉ = {tr}).';
const WASM_TRAFFIC =
  'N = {n}, d = {d}, B_c = {bc}: {counted} floats went to and from onnxruntime; FA-1’s order predicts 2·N·d + T_c·(3·N·d + 4·N) + T_c = {want} with T_c = {tc} (K, V once; per key block: Q, acc in, acc out, m and ℓ in and out, and the block’s start).';
const m = messages('05-flash-attention', {
  'gpu-traffic': GPU_TRAFFIC,
  'gpu-traffic-full': `${GPU_TRAFFIC} That is N·d + 2·N·d·T_r: every key tile loaded for every query block. A block’s queries never see a key after the block’s last row (causal): stop loading at rowEnd.`,
  'gpu-traffic-q': `${GPU_TRAFFIC} Q was read {qFloats} floats instead of N·d = {nd}: each invocation loads its own row of Q once, into registers.`,
  'no-dispatch': 'N = {n}, d = {d}: attention ran no WebGPU dispatch; on WebGPU it must run flash.wgsl.',
  'not-counted':
    'N = {n}, d = {d}: the harness could not count the reads of q, k and v in your shader. It counts them in a copy of flash.wgsl in which every q[…], k[…] and v[…] also adds one to a counter of its own, and that copy could not be made or did not compile: keep the names q, k and v for the storage bindings only (no local variable or parameter called q, k or v).',
  'gpu-traffic-ok': 'the harness counted exactly 3·N·d + d·B_r·T_r(T_r − 1) floats of Q, K and V read, for {cases}',
  'wasm-traffic': WASM_TRAFFIC,
  'wasm-traffic-scores': `${WASM_TRAFFIC} The extra is N² floats: a block of scores or probabilities [N, B_c] came back from every call. They are what FlashAttention never moves: keep them inside the graph.`,
  'wasm-traffic-nd': `${WASM_TRAFFIC} The extra is one N×d array per call: Q or acc went to onnxruntime (or came back) twice per key block.`,
  'wasm-traffic-ok':
    'the floats sent to and from onnxruntime equal 2·N·d + T_c·(3·N·d + 4·N) + T_c (FA-1’s model, plus one block offset per call), for {cases}'
});

const fmtInt = (x: number) => x.toLocaleString('en-US');
const listCases = (list: readonly { n: number; d: number }[]) => list.map((c) => `N = ${c.n} (d = ${c.d})`).join(', ');

/** Reads of a binding, counted in the record, as floats; null when the shader could not be instrumented. */
const floatsRead = (record: ProbeRecord, name: string) => {
  const x = reads(record, name);
  return x === null ? null : FLOATS_PER_READ * x;
};

/** Every counted binding's reads, for messages: "q: 2,080 vec4s, k: …" (a renamed binding shows here). */
function readsByBinding(record: ProbeRecord): string {
  const total = new Map<string, number>();
  for (const x of record.dispatches) {
    for (const [name, count] of Object.entries(x.reads ?? {})) total.set(name, (total.get(name) ?? 0) + count);
  }
  return [...total].map(([name, count]) => `${name}: ${fmtInt(count)} vec4s`).join(', ') || 'no reads';
}

/** WebGPU: the reads of q, k and v counted by the harness against 3Nd + d·B_r·T_r(T_r − 1) (reference.ts). */
export async function gpuTraffic(ctx: LessonContext, { attention, inputs }: TrafficDeps): Promise<Message> {
  const list = cases(
    [
      { n: 1, d: 64 },
      { n: 130, d: 64 },
      { n: 100, d: 32 },
      { n: 45, d: 8 },
      { n: 1000, d: 64 }
    ],
    { block: 16, make: (n) => ({ n, d: 64 }) }
  );
  for (const [c, { n, d }] of list.entries()) {
    const { q, k, v } = inputs(ctx.lab, n, d, 50 + c);
    const { result: r, record } = await ctx.probe(() => attention(ctx, q, k, v));
    if (dispatchCount(record) === 0) fail(m('no-dispatch', { n, d }));
    const [fq, fk, fv] = ['q', 'k', 'v'].map((name) => floatsRead(record, name));
    if (fq === null || fk === null || fv === null) fail(m('not-counted', { n, d }));
    const counted = fq + fk + fv;
    const want = fa2CausalLoads(n, d, r.br);
    if (counted === want) continue;
    const params = {
      n,
      d,
      counted: fmtInt(counted),
      counts: readsByBinding(record),
      want: fmtInt(want),
      br: r.br,
      tr: Math.ceil(n / r.br)
    };
    if (counted === fa2FullLoads(n, d, r.br)) fail(m('gpu-traffic-full', params));
    if (fq !== n * d) fail(m('gpu-traffic-q', { ...params, qFloats: fmtInt(fq), nd: fmtInt(n * d) }));
    fail(m('gpu-traffic', params));
  }
  return m('gpu-traffic-ok', { cases: listCases(list) });
}

/** WASM: floats sent to and read back from onnxruntime, against FA-1's 2Nd + T_c(3Nd + 4N), + T_c block offsets. */
export async function wasmTraffic(ctx: LessonContext, { attention, inputs }: TrafficDeps): Promise<Message> {
  const list = cases(
    [
      { n: 1, d: 64 },
      { n: 130, d: 64 },
      { n: 300, d: 16 }
    ],
    { block: 256, make: (n) => ({ n, d: 64 }) }
  );
  for (const [c, { n, d }] of list.entries()) {
    const { q, k, v } = inputs(ctx.lab, n, d, 60 + c);
    const { result: r, record } = await ctx.probe(() => attention(ctx, q, k, v));
    const tc = Math.ceil(n / r.bc);
    const want = fa1Traffic(n, d, r.bc) + tc;
    const counted = transferred(record);
    if (counted === want) continue;
    const params = { n, d, bc: r.bc, counted: fmtInt(counted), want: fmtInt(want), tc };
    if (counted - want === n * n) fail(m('wasm-traffic-scores', params));
    if (counted - want === tc * n * d) fail(m('wasm-traffic-nd', params));
    fail(m('wasm-traffic', params));
  }
  return m('wasm-traffic-ok', { cases: listCases(list) });
}
