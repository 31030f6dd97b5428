/**
 * A stable softmax of one row of scores, in plain TypeScript (it runs the same on either backend).
 */
import { tensors, type Tensor } from 'lab';

/** softmax(scores): a row of N scores, shape [N], to N probabilities that sum to 1. */
export function softmax(scores: Tensor): Tensor {
  const s = scores.data;
  const p = tensors.zeros(scores.shape);
  const max = s[0];
  let sum = 0;
  for (let j = 0; j < s.length; j++) {
    p.data[j] = Math.exp(s[j] - max);
    sum += p.data[j];
  }
  for (let j = 0; j < s.length; j++) p.data[j] /= sum;
  return p;
}
