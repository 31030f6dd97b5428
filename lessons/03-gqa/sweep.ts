/**
 * Lesson 03's bandwidth chart, called from the sweep in checks.ts once the decode step has been
 * timed over N: the achieved GB/s of that step (it reads the g KV heads' caches and the H queries)
 * beside a plain copy of the same bytes, timed in the same run ($lib/baselines/copy).
 * Cost: up to 8 s of copies, at most 2·g·N·d·4 bytes each.
 */
import type { SweepResult } from 'lab';
import { plotBandwidth } from '$lib/baselines/copy';
import type { LessonContext } from '$lib/lessons/types';
import { D, H } from './memory';

/** Bytes one decode step must read with n tokens cached and g KV heads: K and V caches, and q. */
export const decodeBytes = (g: number, n: number) => 4 * (2 * g * n * D + H * D);

export async function bandwidth(ctx: LessonContext, results: readonly SweepResult[], g: number): Promise<void> {
  await plotBandwidth(ctx, {
    results,
    bytesRead: (n) => decodeBytes(g, n),
    readLabel: `K and V of g = ${g} heads, q of H = ${H}: 4·(2·g·N·d + H·d) bytes`
  });
}
