/**
 * Lesson 20's references: the published configurations the checks compare against, and a plain
 * layer-schedule generator and cache-bytes count written out loop by loop (what the learner's
 * main.ts must agree with). Pure arithmetic on a few hundred layers: no cost to speak of.
 *
 * Sources (SYLLABUS §2.1 and §2.17): the HF JambaConfig (32 layers, attn_layer_period 8,
 * attn_layer_offset 4, expert_layer_period 2, expert_layer_offset 1, 8 KV heads of dimension
 * 4096 / 32 = 128); Mixtral-8x7B (32 layers, 8 KV heads of dimension 128); MiniMax-01 (80 layers,
 * one softmax-attention layer after every 7 lightning-attention layers); Hymba-1.5B
 * (global_attn_idx [0, 15, 31], sliding-window attention elsewhere).
 */

export type Mixer = 'attention' | 'swa' | 'mamba' | 'lightning';

export interface HybridConfig {
  layers: number;
  attnPeriod: number;
  attnOffset: number;
  expertPeriod: number;
  expertOffset: number;
  recurrent: 'mamba' | 'lightning';
  window?: number;
  globalLayers?: number[];
  sharedAttention?: boolean;
}

export interface Layer {
  mixer: Mixer;
  window?: number;
  ffn: 'mlp' | 'moe';
  weightsOf: number;
}

export interface CacheDims {
  kvHeads: number;
  headDim: number;
  bytes: number;
  stateBytes: number;
}

/** The HF Jamba layout: attention where i % 8 == 4, MoE where i % 2 == 1, over 32 layers. */
export const JAMBA: HybridConfig = {
  layers: 32,
  attnPeriod: 8,
  attnOffset: 4,
  expertPeriod: 2,
  expertOffset: 1,
  recurrent: 'mamba'
};
/** HF JambaConfig's `layers_block_type` and `layers_num_experts` for the defaults above, written out. */
export const JAMBA_ATTENTION_LAYERS = [4, 12, 20, 28];
export const JAMBA_MOE_LAYERS = Array.from({ length: 16 }, (_, k) => 2 * k + 1);

/** Mixtral-8x7B: every one of its 32 layers is attention, every one is MoE. */
export const MIXTRAL: HybridConfig = {
  layers: 32,
  attnPeriod: 1,
  attnOffset: 0,
  expertPeriod: 1,
  expertOffset: 0,
  recurrent: 'mamba'
};

/** MiniMax-01: 80 layers, a softmax layer after every 7 lightning-attention layers; MoE everywhere. */
export const MINIMAX: HybridConfig = {
  layers: 80,
  attnPeriod: 8,
  attnOffset: 7,
  expertPeriod: 1,
  expertOffset: 0,
  recurrent: 'lightning'
};

/**
 * Hymba-1.5B's attention layout over 32 layers: global attention at 0, 15 and 31, a sliding window
 * elsewhere. The window of 1024 is the exercise's choice, not a claim about Hymba's.
 */
export const HYMBA: HybridConfig = {
  layers: 32,
  attnPeriod: 1,
  attnOffset: 0,
  expertPeriod: 0,
  expertOffset: 0,
  recurrent: 'mamba',
  window: 1024,
  globalLayers: [0, 15, 31]
};

/** The KV assumptions of SYLLABUS §2.1's table: bf16, 8 KV heads of dimension 128, attention KV only. */
export const PAPER_DIMS: CacheDims = { kvHeads: 8, headDim: 128, bytes: 2, stateBytes: 0 };
/** 256K tokens. */
export const N_256K = 256 * 1024;

/** The reference schedule, one layer at a time. */
export function referenceSchedule(c: HybridConfig): Layer[] {
  const layers: Layer[] = [];
  let shared = -1;
  for (let i = 0; i < c.layers; i++) {
    const isAttention = c.attnPeriod > 0 && i % c.attnPeriod === c.attnOffset;
    const isMoe = c.expertPeriod > 0 && i % c.expertPeriod === c.expertOffset;
    const layer: Layer = { mixer: c.recurrent, ffn: isMoe ? 'moe' : 'mlp', weightsOf: i };
    if (isAttention) {
      const global = c.window === undefined || (c.globalLayers ?? []).includes(i);
      layer.mixer = global ? 'attention' : 'swa';
      if (!global) layer.window = c.window;
      if (c.sharedAttention) {
        if (shared < 0) shared = i;
        layer.weightsOf = shared;
      }
    }
    layers.push(layer);
  }
  return layers;
}

/** Bytes a decoder keeps after N tokens: full KV per attention layer, w rows per SWA layer, a fixed state per recurrent layer. */
export function referenceCacheBytes(layers: Layer[], n: number, dims: CacheDims): number {
  const perToken = 2 * dims.kvHeads * dims.headDim * dims.bytes;
  let total = 0;
  for (const l of layers) {
    if (l.mixer === 'attention') total += perToken * n;
    else if (l.mixer === 'swa') total += perToken * Math.min(n, l.window ?? n);
    else total += dims.stateBytes;
  }
  return total;
}

/**
 * One Jamba Mamba layer's recurrent state in bf16, from the HF JambaConfig defaults: d_inner =
 * mamba_expand 2 × hidden_size 4096 = 8192 channels, mamba_d_state 16 states each (the short
 * convolution's window, mamba_d_conv 4, is left out).
 */
export const JAMBA_MAMBA_STATE_BYTES = 2 * 4096 * 16 * 2;
