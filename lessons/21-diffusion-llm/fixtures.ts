/**
 * The harness's side of fixtures.py: the same 32-bit hash, so a mock network can hand the
 * learner's sampler exactly the float32 logits that fixtures.py gave LLaDA's generate (ported to
 * numpy), and the fixtures it wrote (fixtures.json: schedules, unmask orders, losses).
 * Cost: nothing worth counting.
 */
import type { Tensor } from 'lab';
import type { Lab } from '$lib/lessons/types';
import data from './fixtures.json';

export const fixtures = data;

/** fixtures.py's hash32: the same 32-bit integer hash of (a, b, c) and a seed. */
export function hash32(a: number, b: number, c: number, seed: number): number {
  let h =
    (Math.imul(seed, 0x9e3779b1) + Math.imul(a, 0x85ebca77) + Math.imul(b, 0xc2b2ae3d) + Math.imul(c, 0x27d4eb2f)) >>>
    0;
  h = (h ^ (h >>> 15)) >>> 0;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  h = (h ^ (h >>> 12)) >>> 0;
  h = Math.imul(h, 0x297a2d39) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

/** fixtures.py's mock_logit: 24 bits of the hash, in [−4, 4), exact in float32. */
export const mockLogit = (call: number, pos: number, token: number, seed: number) =>
  ((hash32(call, pos, token, seed) >>> 8) - 2 ** 23) / 2 ** 21;

/** fixtures.py's uniform: a draw in [0, 1). */
export const uniform = (a: number, b: number, seed: number) => (hash32(a, b, 0, seed) >>> 8) / 2 ** 24;

/** The mock's logits [positions, vocab] for sequence positions start … start + n − 1 at a call. */
export function mockLogits(lab: Lab, call: number, start: number, n: number, vocab: number, seed: number): Tensor {
  const data = Array.from({ length: n * vocab }, (_, x) =>
    mockLogit(call, start + Math.floor(x / vocab), x % vocab, seed)
  );
  return lab.tensors.from([n, vocab], data);
}
