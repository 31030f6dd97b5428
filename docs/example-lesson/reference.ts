/** The float64 reference: softmax of one row, with the max subtracted. O(N) time and memory. */
export function reference(scores: ArrayLike<number>): { shape: number[]; data: Float64Array } {
  const s = Float64Array.from(scores);
  const max = s.reduce((a, x) => Math.max(a, x), -Infinity);
  const e = s.map((x) => Math.exp(x - max));
  const sum = e.reduce((a, x) => a + x, 0);
  return { shape: [s.length], data: e.map((x) => x / sum) };
}
