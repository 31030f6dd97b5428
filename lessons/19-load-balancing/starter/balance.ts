/**
 * Load balancing for a top-1 (Switch) router over E experts and a batch of T tokens:
 * - auxLoss: the Switch auxiliary loss α·E·Σ_i f_i·P_i;
 * - zLoss: the router z-loss, the mean over tokens of logsumexp(logits)²;
 * - route: each token's expert and combination weight, with an expert bias that steers the choice;
 * - updateBias: the auxiliary-loss-free bias update b_i ← b_i + u·sign(mean load − load_i).
 * Each is one or two passes over the [T, E] probabilities or logits: O(T·E).
 */
import type { Tensor } from 'lab';

/** Each token's expert, and the weight its expert's output is multiplied by. */
export interface Routing {
  /** expert[t] ∈ [0, E): the expert token t is sent to. */
  expert: Int32Array;
  /** weight[t]: the combination weight of that expert's output for token t. */
  weight: Float32Array;
}

/**
 * The Switch auxiliary loss, α·E·Σ_i f_i·P_i, for probs: [T, E] (each row a softmax) and
 * expert[t], the expert token t was dispatched to. f_i: the fraction of the T tokens dispatched
 * to expert i; P_i: the mean over the T tokens of the router probability of expert i.
 */
export function auxLoss(probs: Tensor, expert: ArrayLike<number>, alpha: number): number {
  // TODO (a): count f_i from `expert` and average P_i from `probs`, then combine them so that a
  // perfectly uniform router scores exactly α and a router that sends everything to one expert
  // with certainty scores α·E.
  return 0;
}

/** The router z-loss for logits: [T, E]: (1/T)·Σ_t (log Σ_i e^{logits[t, i]})². */
export function zLoss(logits: Tensor): number {
  // TODO (b): the mean over tokens of the squared log-sum-exp of the token's logits. Logits of
  // a few hundred must not overflow.
  return 0;
}

/**
 * Top-1 routing with an expert bias: bias[i] is added to expert i's probability to choose the
 * expert (the highest p + b wins, ties to the lower index), and only to choose it.
 */
export function route(probs: Tensor, bias: ArrayLike<number>): Routing {
  const [tokens, experts] = probs.shape;
  const expert = new Int32Array(tokens);
  const weight = new Float32Array(tokens);
  for (let t = 0; t < tokens; t++) {
    let best = 0;
    for (let i = 1; i < experts; i++) {
      if (probs.data[t * experts + i] > probs.data[t * experts + best]) best = i;
    }
    expert[t] = best;
    weight[t] = probs.data[t * experts + best];
  }
  // TODO (c): this is plain Switch routing, the highest probability wins and `bias` is unused.
  // Let the bias decide which expert a token goes to, and nothing else: the weight that scales
  // the expert's output must stay what the router computed.
  return { expert, weight };
}

/**
 * The auxiliary-loss-free update after a step: load[i] tokens went to expert i; move each bias
 * by `rate` towards balance, b_i ← b_i + rate·sign(mean load − load_i) (no change at the mean).
 */
export function updateBias(bias: ArrayLike<number>, load: ArrayLike<number>, rate: number): Float32Array {
  // TODO (d): an expert above the mean load gets a lower bias, one below it a higher bias, each
  // by the same step `rate` however far it is from the mean.
  return Float32Array.from(bias);
}
