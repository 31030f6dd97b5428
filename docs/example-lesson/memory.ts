/** The analytic model: the row of scores and the row of probabilities, float32. */
import type { MemoryModel } from '$lib/lessons/types';

export const memory: MemoryModel = {
  label: 'scores + probabilities: 8·N bytes',
  buffers: (n) => [
    { name: 'scores', bytes: 4 * n },
    { name: 'probabilities', bytes: 4 * n }
  ]
};
