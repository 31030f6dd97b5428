// The registry of float64 reference kernels: one name → one entry that validates untyped
// inputs and options (as the playground and lesson checkers send them) and runs the kernel.
// Cost: validation is O(number of inputs + options); the kernels' costs are in their files.
// Lessons compare a learner's (or a WGSL kernel's) output against `runKernel(name, ...)`.

import { type AttentionInputs, type AttentionOptions, type GqaInputs, attention, gqaAttention } from './attention';
import { type DeltaRuleInputs, type DeltaRuleOptions, deltaRule, DELTA_FORMS } from './delta';
import { type FlashAttentionOptions, flashAttention } from './flash';
import {
  type GatedDeltaRuleInputs,
  type GatedDeltaRuleOptions,
  GATED_DELTA_FORMS,
  gatedDeltaRule
} from './gated-delta';
import { type GatedLinearAttentionInputs, gatedLinearAttention } from './gated';
import { type MobaInputs, type MobaOptions, mobaAttention } from './moba';
import { type MoeGatesInputs, type MoeGatesOptions, moeGates } from './moe';
import { type LinearAttentionInputs, type LinearAttentionOptions, LINEAR_FORMS, linearAttention } from './linear';
import { type SelectiveScanInputs, type SelectiveScanOptions, SCAN_FORMS, selectiveScan } from './ssm';
import type { Tensor } from './tensor';
import { OptionReader } from './validate';

export type { Tensor } from './tensor';
export { tensor, zeros, randn, uniform, mulberry32, maxAbsDiff, formatShape } from './tensor';
export { attention, gqaAttention } from './attention';
export { flashAttention } from './flash';
export { mobaAttention, mobaSelectedBlocks, pooledKeys } from './moba';
export { moeGates, expertCapacity, rankExperts } from './moe';
export { linearAttention } from './linear';
export { gatedLinearAttention } from './gated';
export { deltaRule } from './delta';
export { gatedDeltaRule } from './gated-delta';
export { selectiveScan } from './ssm';

/**
 * The typed signature of each registry entry: its named input tensors, its options and its named
 * outputs. `runKernel('attention', …)` is checked against it at compile time; untyped callers (the
 * playground, tests from outside) still get the same validation at run time.
 */
export interface KernelSignatures {
  attention: { inputs: AttentionInputs; options: AttentionOptions; outputs: { o: Tensor } };
  gqa_attention: { inputs: GqaInputs; options: AttentionOptions; outputs: { o: Tensor } };
  flash_attention: { inputs: AttentionInputs; options: FlashAttentionOptions; outputs: { o: Tensor } };
  moba_attention: { inputs: MobaInputs; options: MobaOptions; outputs: { o: Tensor } };
  linear_attention: { inputs: LinearAttentionInputs; options: LinearAttentionOptions; outputs: { o: Tensor } };
  gated_linear_attention: {
    inputs: GatedLinearAttentionInputs;
    options: LinearAttentionOptions;
    outputs: { o: Tensor };
  };
  delta_rule: { inputs: DeltaRuleInputs; options: DeltaRuleOptions; outputs: { o: Tensor } };
  gated_delta_rule: { inputs: GatedDeltaRuleInputs; options: GatedDeltaRuleOptions; outputs: { o: Tensor } };
  selective_scan: { inputs: SelectiveScanInputs; options: SelectiveScanOptions; outputs: { y: Tensor } };
  moe_gates: { inputs: MoeGatesInputs; options: MoeGatesOptions; outputs: { gates: Tensor } };
}

export type KernelName = keyof KernelSignatures;

export interface KernelEntry {
  name: string;
  description: string;
  /** Required input tensors, by name. */
  inputs: string[];
  /** Input tensors that may be left out. */
  optionalInputs?: string[];
  outputs: string[];
  run(inputs: Record<string, Tensor>, options?: Record<string, unknown>): Record<string, Tensor>;
}

/**
 * Checks that exactly the expected tensors are present and well formed (ranks and shape
 * agreement are checked by the kernel itself, which knows the dimension names).
 */
function pickInputs(
  kernel: string,
  inputs: Record<string, Tensor>,
  required: string[],
  optional: string[] = []
): Record<string, Tensor> {
  const expected = [...required, ...optional];
  for (const name of Object.keys(inputs)) {
    if (inputs[name] !== undefined && !expected.includes(name)) {
      throw new Error(`${kernel}: unexpected input '${name}'; expected ${expected.join(', ')}`);
    }
  }
  for (const name of required) {
    if (inputs[name] === undefined) {
      throw new Error(`${kernel}: missing input '${name}'; expected ${expected.join(', ')}`);
    }
  }
  return inputs;
}

function attentionOptions(reader: OptionReader) {
  return { causal: reader.boolean('causal'), scale: reader.number('scale'), window: reader.number('window') };
}

const QKV = ['q', 'k', 'v'];

const entries: (KernelEntry & { name: KernelName })[] = [
  {
    name: 'attention',
    description:
      'Softmax attention o = softmax(q kᵀ · scale, masked) v; causal by default, optional sliding window, and sinks (the first keys kept beside a window).',
    inputs: QKV,
    outputs: ['o'],
    run(inputs, options = {}) {
      const kernel = 'attention';
      const { q, k, v } = pickInputs(kernel, inputs, QKV);
      const reader = new OptionReader(kernel, options, ['causal', 'scale', 'window', 'sinks']);
      return attention({ q, k, v }, { ...attentionOptions(reader), sinks: reader.number('sinks') });
    }
  },
  {
    name: 'gqa_attention',
    description: 'Grouped-query attention: q [Hq,T,d], k/v [Hkv,S,·]; query head h reads KV head ⌊h·Hkv/Hq⌋.',
    inputs: QKV,
    outputs: ['o'],
    run(inputs, options = {}) {
      const kernel = 'gqa_attention';
      const { q, k, v } = pickInputs(kernel, inputs, QKV);
      const reader = new OptionReader(kernel, options, ['causal', 'scale', 'window']);
      return gqaAttention({ q, k, v }, attentionOptions(reader));
    }
  },
  {
    name: 'flash_attention',
    description: 'Exact attention by key tiles with the online softmax (FlashAttention-2 style); equals attention.',
    inputs: QKV,
    outputs: ['o'],
    run(inputs, options = {}) {
      const kernel = 'flash_attention';
      const { q, k, v } = pickInputs(kernel, inputs, QKV);
      const reader = new OptionReader(kernel, options, ['causal', 'scale', 'window', 'blockSize']);
      return flashAttention({ q, k, v }, { ...attentionOptions(reader), blockSize: reader.number('blockSize') });
    }
  },
  {
    name: 'moba_attention',
    description:
      'MoBA: causal attention over the current key block and the topk − 1 earlier blocks whose mean key scores highest against the query.',
    inputs: QKV,
    outputs: ['o'],
    run(inputs, options = {}) {
      const kernel = 'moba_attention';
      const { q, k, v } = pickInputs(kernel, inputs, QKV);
      const reader = new OptionReader(kernel, options, ['blockSize', 'topk', 'scale']);
      return mobaAttention(
        { q, k, v },
        { blockSize: reader.number('blockSize'), topk: reader.number('topk'), scale: reader.number('scale') }
      );
    }
  },
  {
    name: 'linear_attention',
    description: 'Linear attention o_t = scale · S_tᵀ q_t with S_t = Σ k_s v_sᵀ; recurrent, parallel or chunk form.',
    inputs: QKV,
    outputs: ['o'],
    run(inputs, options = {}) {
      const kernel = 'linear_attention';
      const { q, k, v } = pickInputs(kernel, inputs, QKV);
      const reader = new OptionReader(kernel, options, ['scale', 'form', 'chunkSize']);
      return linearAttention(
        { q, k, v },
        { scale: reader.number('scale'), form: reader.form(LINEAR_FORMS), chunkSize: reader.number('chunkSize') }
      );
    }
  },
  {
    name: 'gated_linear_attention',
    description:
      'Gated linear attention, g ≤ 0 a log decay: [T] scalar S_t = e^{g_t} S_{t−1} + k_t v_tᵀ, or [T, dk] per channel S_t = diag(e^{g_t}) S_{t−1} + k_t v_tᵀ.',
    inputs: [...QKV, 'g'],
    outputs: ['o'],
    run(inputs, options = {}) {
      const kernel = 'gated_linear_attention';
      const { q, k, v, g } = pickInputs(kernel, inputs, [...QKV, 'g']);
      const reader = new OptionReader(kernel, options, ['scale', 'form', 'chunkSize']);
      return gatedLinearAttention(
        { q, k, v, g },
        { scale: reader.number('scale'), form: reader.form(LINEAR_FORMS), chunkSize: reader.number('chunkSize') }
      );
    }
  },
  {
    name: 'delta_rule',
    description: 'DeltaNet: S_t = S_{t−1} + β_t k_t (v_t − S_{t−1}ᵀ k_t)ᵀ; recurrent or chunkwise (WY/UT) form.',
    inputs: [...QKV, 'beta'],
    outputs: ['o'],
    run(inputs, options = {}) {
      const kernel = 'delta_rule';
      const { q, k, v, beta } = pickInputs(kernel, inputs, [...QKV, 'beta']);
      const reader = new OptionReader(kernel, options, ['scale', 'form', 'chunkSize']);
      return deltaRule(
        { q, k, v, beta },
        { scale: reader.number('scale'), form: reader.form(DELTA_FORMS), chunkSize: reader.number('chunkSize') }
      );
    }
  },
  {
    name: 'gated_delta_rule',
    description:
      'Gated DeltaNet: S_t = e^{g_t} (I − β_t k_t k_tᵀ) S_{t−1} + β_t k_t v_tᵀ, o_t = scale · S_tᵀ q_t; recurrent.',
    inputs: [...QKV, 'beta', 'g'],
    outputs: ['o'],
    run(inputs, options = {}) {
      const kernel = 'gated_delta_rule';
      const { q, k, v, beta, g } = pickInputs(kernel, inputs, [...QKV, 'beta', 'g']);
      const reader = new OptionReader(kernel, options, ['scale', 'form']);
      return gatedDeltaRule(
        { q, k, v, beta, g },
        { scale: reader.number('scale'), form: reader.form(GATED_DELTA_FORMS) }
      );
    }
  },
  {
    name: 'selective_scan',
    description: "Mamba's selective scan: x_t = e^{δA} x_{t−1} + δ B u, y = C·x + D u; sequential or parallel scan.",
    inputs: ['u', 'delta', 'A', 'B', 'C'],
    optionalInputs: ['D'],
    outputs: ['y'],
    run(inputs, options = {}) {
      const kernel = 'selective_scan';
      const { u, delta, A, B, C, D } = pickInputs(kernel, inputs, ['u', 'delta', 'A', 'B', 'C'], ['D']);
      const reader = new OptionReader(kernel, options, ['form']);
      return selectiveScan({ u, delta, A, B, C, D }, { form: reader.form(SCAN_FORMS) });
    }
  },
  {
    name: 'moe_gates',
    description:
      'MoE router gates [T, E]: per token, the softmax of its k highest logits (ties to the lower expert) and 0 elsewhere; with capacity, tokens served in order and an expert holding capacity tokens drops the rest (no renormalisation).',
    inputs: ['logits'],
    outputs: ['gates'],
    run(inputs, options = {}) {
      const kernel = 'moe_gates';
      const { logits } = pickInputs(kernel, inputs, ['logits']);
      const reader = new OptionReader(kernel, options, ['k', 'capacity']);
      return moeGates({ logits }, { k: reader.number('k'), capacity: reader.number('capacity') });
    }
  }
];

export const kernels: Record<string, KernelEntry> = Object.fromEntries(entries.map((entry) => [entry.name, entry]));

/** Run a registry kernel by name: typed for a known name, validated at run time for any. */
export function runKernel<N extends KernelName>(
  name: N,
  inputs: KernelSignatures[N]['inputs'],
  options?: KernelSignatures[N]['options']
): KernelSignatures[N]['outputs'];
export function runKernel(
  name: string,
  inputs: Record<string, Tensor>,
  options?: Record<string, unknown>
): Record<string, Tensor>;
export function runKernel(
  name: string,
  inputs: Record<string, Tensor> | KernelSignatures[KernelName]['inputs'],
  options?: Record<string, unknown> | KernelSignatures[KernelName]['options']
): Record<string, Tensor> {
  const entry = Object.hasOwn(kernels, name) ? kernels[name] : undefined;
  if (entry === undefined) {
    throw new Error(`runKernel: unknown kernel '${name}'; known kernels: ${Object.keys(kernels).join(', ')}`);
  }
  return entry.run(inputs as Record<string, Tensor>, (options ?? {}) as Record<string, unknown>);
}
