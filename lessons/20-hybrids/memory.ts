/**
 * Lesson 20's toy stack and its analytic cache: 8 layers on a residual stream of width d = 64 (one
 * head of dimension 64 per attention layer), Mamba layers with N_s = 16 states per channel,
 * float32. What a decoder keeps after N tokens (SYLLABUS §2.17):
 *   KV(N) = L_attn · 2·d·N·4 + L_swa · 2·d·min(N, w)·4 + L_ssm · d·N_s·4 bytes.
 * Only the full-attention layers grow with N. `memory` is the 1:7 hybrid's (one attention layer,
 * seven Mamba layers): it grows like N, at an eighth of the pure Transformer's slope.
 */
import type { MemoryModel } from '$lib/lessons/types';

/** Width of the residual stream, and head dimension of the stack's single-head attention layers. */
export const D = 64;
/** Mamba states per channel (Jamba's d_state). */
export const NS = 16;
/** Layers of the toy stack: one Jamba block. */
export const LAYERS = 8;
/** Window of the stack's sliding-window layers. */
export const W = 128;

/** Bytes per token of one attention layer's cache (K and V, float32) and of one Mamba layer's state. */
export const KV_PER_TOKEN = 2 * D * 4;
export const STATE_BYTES = D * NS * 4;

export const memory: MemoryModel = {
  label: '1:7 hybrid cache: 2·d·N·4 + 7·d·N_s·4 bytes',
  buffers: (n) => [
    { name: 'K, V of the attention layer', bytes: KV_PER_TOKEN * n },
    { name: 'state of 7 Mamba layers', bytes: 7 * STATE_BYTES }
  ]
};
