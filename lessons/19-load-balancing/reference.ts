/**
 * Float64 references for lesson 19, written from the definitions (syllabus §2.16, §3.11):
 * - the Switch auxiliary loss α·E·Σ_i f_i·P_i (HF transformers' switch_transformers
 *   `load_balancing_loss_func` returns mean_i(f_i·P_i)·E² = E·Σ_i f_i·P_i for one group, α
 *   applied outside);
 * - the router z-loss, mean_t logsumexp(logits_t)² (HF `router_z_loss_func`);
 * - top-1 routing on p + b with the weight p (DeepSeek-V3's `Gate`: the bias enters the top-k
 *   selection, the weights are gathered from the original scores);
 * - the bias update b + u·sign(mean − load) (Megatron's `get_updated_expert_bias`).
 * Also the wrong versions the checks recognise, for their messages. Everything is O(T·E).
 */
type T = { readonly shape: readonly number[]; readonly data: ArrayLike<number> };

/** Row-wise softmax of [T, E] logits, float64. */
export function softmaxRows(logits: T): Float64Array {
  const [tokens, experts] = logits.shape;
  const out = new Float64Array(tokens * experts);
  for (let t = 0; t < tokens; t++) {
    let max = -Infinity;
    for (let i = 0; i < experts; i++) max = Math.max(max, logits.data[t * experts + i]);
    let sum = 0;
    for (let i = 0; i < experts; i++) sum += out[t * experts + i] = Math.exp(logits.data[t * experts + i] - max);
    for (let i = 0; i < experts; i++) out[t * experts + i] /= sum;
  }
  return out;
}

/** log Σ_i e^{logits[t, i]} for every token. */
export function logsumexp(logits: T): Float64Array {
  const [tokens, experts] = logits.shape;
  return Float64Array.from({ length: tokens }, (_, t) => {
    let max = -Infinity;
    for (let i = 0; i < experts; i++) max = Math.max(max, logits.data[t * experts + i]);
    let sum = 0;
    for (let i = 0; i < experts; i++) sum += Math.exp(logits.data[t * experts + i] - max);
    return max + Math.log(sum);
  });
}

/** f_i (fraction of tokens dispatched to i) and P_i (mean probability of i). */
export function fractions(probs: T, expert: ArrayLike<number>) {
  const [tokens, experts] = probs.shape;
  const f = new Float64Array(experts);
  const p = new Float64Array(experts);
  for (let t = 0; t < tokens; t++) {
    f[expert[t]] += 1 / tokens;
    for (let i = 0; i < experts; i++) p[i] += probs.data[t * experts + i] / tokens;
  }
  return { f, p };
}

/** α·E·Σ_i f_i·P_i. */
export function auxLossRef(probs: T, expert: ArrayLike<number>, alpha: number): number {
  const { f, p } = fractions(probs, expert);
  return alpha * f.length * f.reduce((a, fi, i) => a + fi * p[i], 0);
}

/** A known wrong aux loss: f_i replaced by P_i, α·E·Σ_i P_i² (the soft fractions). */
export function auxLossSoft(probs: T, alpha: number): number {
  const experts = probs.shape[1];
  const { p } = fractions(probs, new Int32Array(probs.shape[0]));
  return alpha * experts * p.reduce((a, pi) => a + pi * pi, 0);
}

/** mean_t logsumexp_t². */
export const zLossRef = (logits: T) => logsumexp(logits).reduce((a, x) => a + x * x, 0) / logits.shape[0];
/** Known wrong z-losses: the mean without the square, the sum instead of the mean, the square of the mean. */
export const zLossNoSquare = (logits: T) => logsumexp(logits).reduce((a, x) => a + x, 0) / logits.shape[0];
export const zLossSum = (logits: T) => logsumexp(logits).reduce((a, x) => a + x * x, 0);
export const zLossSquareOfMean = (logits: T) => zLossNoSquare(logits) ** 2;

/** Top-1 on p + b (ties to the lower expert), weight p. */
export function routeRef(probs: T, bias: ArrayLike<number>) {
  const [tokens, experts] = probs.shape;
  const expert = new Int32Array(tokens);
  const weight = new Float64Array(tokens);
  for (let t = 0; t < tokens; t++) {
    let best = 0;
    for (let i = 1; i < experts; i++) {
      if (probs.data[t * experts + i] + bias[i] > probs.data[t * experts + best] + bias[best]) best = i;
    }
    expert[t] = best;
    weight[t] = probs.data[t * experts + best];
  }
  return { expert, weight };
}

/** Tokens per expert. */
export function loads(expert: ArrayLike<number>, experts: number): Float64Array {
  const load = new Float64Array(experts);
  for (let t = 0; t < expert.length; t++) load[expert[t]]++;
  return load;
}

const meanOf = (x: ArrayLike<number>) => Array.from(x).reduce((a, v) => a + v, 0) / x.length;

/** b + u·sign(mean − load). */
export function updateBiasRef(bias: ArrayLike<number>, load: ArrayLike<number>, rate: number): Float64Array {
  const mean = meanOf(load);
  return Float64Array.from(bias, (b, i) => b + rate * Math.sign(mean - load[i]));
}
/** Known wrong updates: the raw difference u·(mean − load), and the flipped sign. */
export function updateBiasRaw(bias: ArrayLike<number>, load: ArrayLike<number>, rate: number): Float64Array {
  const mean = meanOf(load);
  return Float64Array.from(bias, (b, i) => b + rate * (mean - load[i]));
}
export const updateBiasFlipped = (bias: ArrayLike<number>, load: ArrayLike<number>, rate: number) =>
  updateBiasRef(bias, load, -rate);

/** max load / mean load. */
export function maxOverMean(load: ArrayLike<number>): number {
  return Math.max(...Array.from(load)) / meanOf(load);
}
