/**
 * Lesson 20: budgeting a hybrid. Three pieces, all plain TypeScript (the same on every backend):
 * - schedule(config): which mixer and which feed-forward each layer gets, from the period/offset
 *   rules of the HF configs (Jamba: attention where i % 8 == 4, MoE where i % 2 == 1), with a
 *   sliding window on attention layers (Samba, Hymba) and shared attention weights (Zamba);
 * - cacheBytes(layers, N, dims): what a decoder keeps after N tokens, layer by layer;
 * - runStack(layers, x, mixers): runs the stack, one real kernel per layer (lesson 05's attention,
 *   lesson 07's sliding window, lesson 14's selective scan, handed in by the lesson as `mixers`).
 * Cost: O(layers) for the first two; the stack costs the sum of its layers' kernels.
 */
import type { Tensor } from 'lab';

/** A layer's token mixer: softmax attention, sliding-window attention, or a recurrent layer. */
export type Mixer = 'attention' | 'swa' | 'mamba' | 'lightning';

export interface HybridConfig {
  /** Number of layers. */
  layers: number;
  /** Layer i is attention when i % attnPeriod == attnOffset; attnPeriod 0 means no attention layer. */
  attnPeriod: number;
  attnOffset: number;
  /** Layer i has an MoE feed-forward when i % expertPeriod == expertOffset; 0 means no MoE layer. */
  expertPeriod: number;
  expertOffset: number;
  /** The mixer of every layer that is not attention: Mamba (Jamba, Zamba, Samba) or lightning attention (MiniMax-01). */
  recurrent: 'mamba' | 'lightning';
  /** When set, attention layers are sliding-window layers of this many keys, except the globalLayers. */
  window?: number;
  /** Attention layers that stay global (full softmax attention) even when window is set. */
  globalLayers?: number[];
  /** Zamba: every attention layer runs one shared block, the weights of the first attention layer. */
  sharedAttention?: boolean;
}

export interface Layer {
  mixer: Mixer;
  /** Keys per query, for 'swa' layers only. */
  window?: number;
  ffn: 'mlp' | 'moe';
  /** The layer whose mixer weights this layer uses: its own index, or the shared block's first layer. */
  weightsOf: number;
}

/** The layer schedule of a hybrid: one entry per layer, in order. */
export function schedule(config: HybridConfig): Layer[] {
  const { layers, attnPeriod, attnOffset, expertPeriod, expertOffset } = config;
  const globals = new Set(config.globalLayers ?? []);
  const out: Layer[] = [];
  let shared = -1; // the first attention layer, whose weights a shared block reuses
  for (let i = 0; i < layers; i++) {
    const attention = attnPeriod > 0 && i % attnPeriod === attnOffset;
    const moe = expertPeriod > 0 && i % expertPeriod === expertOffset;
    const layer: Layer = { mixer: config.recurrent, ffn: moe ? 'moe' : 'mlp', weightsOf: i };
    if (attention) {
      const windowed = config.window !== undefined && !globals.has(i);
      layer.mixer = windowed ? 'swa' : 'attention';
      if (windowed) layer.window = config.window;
      if (config.sharedAttention) {
        if (shared < 0) shared = i;
        layer.weightsOf = shared;
      }
    }
    out.push(layer);
  }
  return out;
}

/** What one layer keeps for decoding: K and V of g heads of dimension d, b bytes each; or a fixed state. */
export interface CacheDims {
  kvHeads: number;
  headDim: number;
  bytes: number;
  /** Bytes of one recurrent layer's state (Mamba's [D, N_s] plus its conv window), whatever N is. */
  stateBytes: number;
}

/** Bytes a decoder holds after n tokens for this schedule. */
export function cacheBytes(layers: Layer[], n: number, dims: CacheDims): number {
  const perToken = 2 * dims.kvHeads * dims.headDim * dims.bytes; // K and V, every head
  let total = 0;
  for (const layer of layers) {
    if (layer.mixer === 'attention') total += perToken * n;
    else if (layer.mixer === 'swa') total += perToken * Math.min(n, layer.window ?? n);
    else total += dims.stateBytes;
  }
  return total;
}

/** The lesson's kernels: each takes the residual stream x: [N, d] and returns x plus that layer's output. */
export interface Mixers {
  attention(x: Tensor): Promise<Tensor>;
  swa(x: Tensor, window: number): Promise<Tensor>;
  mamba(x: Tensor): Promise<Tensor>;
}

/** Run the stack's token mixers in order, each layer on the previous layer's output. */
export async function runStack(layers: Layer[], x: Tensor, mixers: Mixers): Promise<Tensor> {
  let h = x;
  for (const layer of layers) {
    if (layer.mixer === 'attention') h = await mixers.attention(h);
    else if (layer.mixer === 'swa') h = await mixers.swa(h, layer.window ?? 0);
    else if (layer.mixer === 'mamba') h = await mixers.mamba(h);
    else throw new Error(`this stack has no ${layer.mixer} kernel`);
  }
  return h;
}
