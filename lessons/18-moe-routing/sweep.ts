/**
 * Lesson 18's sweep and charts.
 * - Time against N: the learner's router and MoE layer (E = 8 experts of width h = 64, K = 2 per
 *   token) beside a dense SwiGLU FFN of width K·h = 128, the same active parameters per token,
 *   run by the same expert kernel on every token. Both do 6·d·h·K FLOPs per token: both grow
 *   like N; the MoE pays for routing, gathering and E small calls instead of one.
 * - Parameters and FLOPs against E at fixed K (analytic, memory.ts): total parameters grow with
 *   E, active parameters and FLOPs per token barely move (only the router's d·E).
 * - Dropped assignments against the capacity factor, from the learner's own topK and
 *   expertCapacity on T = 1024 tokens: a balanced router and a skewed one.
 */
import type { Tensor } from 'lab';
import { learner, seeded, warmUp } from '$lib/lessons/kit';
import { type Lab, type LessonContext, bytesOf } from '$lib/lessons/types';
import { D, E, H, K, activeParams, flopsPerToken, memory, totalParams } from './memory';

type Experts = { w1: Tensor; w3: Tensor; w2: Tensor };
type TopK = (logits: Tensor, k: number, capacity?: number) => Tensor;
type Layer = (x: Tensor, gates: Tensor, experts: Experts, shared: Experts | null) => Promise<Tensor>;
type Ffn = (x: Tensor, experts: Experts, e: number) => Promise<Tensor>;
type Capacity = (cf: number, t: number, k: number, e: number) => number;

function experts(lab: Lab, count: number, h: number, seed: number): Experts {
  const scaled = (shape: number[], fanIn: number, s: number) =>
    lab.tensors.from(
      shape,
      Array.from(lab.tensors.randn(shape, s).data, (x) => x / Math.sqrt(fanIn))
    );
  return {
    w1: scaled([count, D, h], D, seed),
    w3: scaled([count, D, h], D, seed + 1),
    w2: scaled([count, h, D], h, seed + 2)
  };
}

const tokens = (lab: Lab, n: number) => seeded(lab, { x: [n, D], logits: [n, E] }, 1);

export async function sweep(ctx: LessonContext, n: number[]): Promise<void> {
  const { lab } = ctx;
  const topK = learner<TopK>(ctx, 'topK', 'topK(logits, k, capacity?): Tensor');
  const moeLayer = learner<Layer>(ctx, 'moeLayer', 'moeLayer(x, gates, experts, shared): Promise<Tensor>');
  const expertFfn = learner<Ffn>(ctx, 'expertFfn', 'expertFfn(x, experts, e): Promise<Tensor>');
  const expertCapacity = learner<Capacity>(ctx, 'expertCapacity', 'expertCapacity(cf, T, K, E): number');

  const moe = experts(lab, E, H, 5);
  const dense = experts(lab, 1, K * H, 9);
  // Compile the shaders (or start onnxruntime) before timing.
  const w = tokens(lab, 64);
  await warmUp(lab, () => moeLayer(w.x, topK(w.logits, K), moe, null));
  await warmUp(lab, () => expertFfn(w.x, dense, 0));

  await lab.sweep({
    label: `MoE: E = ${E}, K = ${K}, h = ${H} (your router and layer)`,
    n,
    setup: (size) => tokens(lab, size),
    run: ({ x, logits }) => moeLayer(x, topK(logits, K), moe, null),
    bytes: (size) => bytesOf(memory, size)
  });
  await lab.sweep({
    label: `dense FFN, width K·h = ${K * H} (same active parameters)`,
    n,
    setup: (size) => tokens(lab, size),
    run: ({ x }) => expertFfn(x, dense, 0)
  });

  const es = [1, 2, 4, 8, 16, 32, 64, 128, 256];
  lab.plot({
    id: 'params',
    title: `Parameters and FLOPs per token against E (K = ${K}, d = ${D}, h = ${H})`,
    x: { label: 'experts E', log: true },
    y: { label: 'count', log: true },
    series: [
      { label: 'total parameters: E·3·d·h + d·E', points: es.map((e) => [e, totalParams(e)]) },
      { label: 'active parameters per token: K·3·d·h + d·E', points: es.map((e) => [e, activeParams(e)]) },
      { label: 'FLOPs per token: 2 × active', points: es.map((e) => [e, flopsPerToken(e)]), dashed: true }
    ]
  });

  // Dropped assignments against cf, for a balanced router and for one that favours low experts.
  const T = 1024;
  const balanced = seeded(lab, { l: [T, E] }, 77).l;
  const skewed = lab.tensors.from(
    [T, E],
    Array.from(balanced.data, (v, i) => v + (1.5 * (E - 1 - (i % E))) / (E - 1))
  );
  const cfs = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3];
  const dropped = (logits: Tensor, cf: number) => {
    const g = topK(logits, K, expertCapacity(cf, T, K, E));
    const kept = Array.from(g.data).filter((v) => v !== 0).length;
    return (T * K - kept) / (T * K);
  };
  lab.plot({
    id: 'drops',
    title: `Dropped assignments against the capacity factor (T = ${T}, E = ${E}, K = ${K}, your topK)`,
    x: { label: 'capacity factor cf' },
    y: { label: 'fraction of the T·K assignments dropped' },
    series: [
      { label: 'balanced router (seeded normal logits)', points: cfs.map((cf) => [cf, dropped(balanced, cf)]) },
      { label: 'skewed router (+1.5 … 0 bias by expert)', points: cfs.map((cf) => [cf, dropped(skewed, cf)]) }
    ]
  });
}
