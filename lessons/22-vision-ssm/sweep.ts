/**
 * Lesson 22's sweep. N is the number of patch tokens of a square image: the default list
 * 64, 256, 1,024, 2,304, 4,096, 6,084 is H = 128, 256, 512, 768, 1,024, 1,248 pixels at p = 16,
 * n = (H/16)². Timed over it: the learner's bidirectional scan (Vim, 2 scans), their SS2D
 * (VMamba, 4 scans over the √n×√n grid), both running lesson 14's scan (src/lib/baselines),
 * and one head of lesson 01's naive attention over the same tokens (the baseline, n×n scores).
 * Then an analytic chart against the image side H: tokens, attention scores and scan steps.
 */
import type { Tensor } from 'lab';
import { learner, seeded, warmUp } from '$lib/lessons/kit';
import { type Lab, type LessonContext, bytesOf } from '$lib/lessons/types';
import { type ScanInputs, selectiveScan } from '$lib/baselines/selective-scan';
import { naiveAttention, naiveAttentionMemory } from '$lib/baselines/naive-attention';
import { D, NS, P, memory, sideOf } from './memory';

type Inputs = ScanInputs;
type Scan = (x: Inputs) => Promise<Tensor>;

/** One sequence of n tokens with Mamba's signs: Δ = softplus(z) > 0, A_{c,s} = −(s + 1). */
export function scanInputs(lab: Lab, n: number, d: number, ns: number, seed: number): ScanInputs {
  const r = seeded(lab, { u: [n, d], z: [n, d], B: [n, ns], C: [n, ns], D: [d] }, seed);
  const delta = lab.tensors.from(
    [n, d],
    Array.from(r.z.data, (z) => Math.log1p(Math.exp(z)))
  );
  const A = lab.tensors.from(
    [d, ns],
    Array.from({ length: d * ns }, (_, i) => -((i % ns) + 1))
  );
  return { u: r.u, delta, A, B: r.B, C: r.C, D: r.D };
}

/** SS2D holds four paths' reordered inputs and outputs at once, then the merge: about 4× the scan's [n, ·] arrays. */
const ss2dBytes = (n: number) => {
  const perPath = 4 * n * (2 * D + 2 * NS + D);
  return { largest: 4 * 4 * n * D, total: 4 * n * (2 * D + 2 * NS) + 4 * perPath + 2 * 4 * n * D };
};

export async function sweep(ctx: LessonContext, n: number[]): Promise<void> {
  const { lab } = ctx;
  const bidirectional = learner<(x: Inputs, scan: Scan) => Promise<Tensor>>(
    ctx,
    'bidirectional',
    'bidirectional(x: ScanInputs, scan: Scan): Promise<Tensor>'
  );
  const ss2d = learner<(x: Inputs, rows: number, cols: number, scan: Scan) => Promise<Tensor>>(
    ctx,
    'ss2d',
    'ss2d(x: ScanInputs, rows, cols, scan: Scan): Promise<Tensor>'
  );
  const scan: Scan = (x) => selectiveScan(lab, x);
  const setup = (size: number) => ({ x: scanInputs(lab, size, D, NS, 1), q: lab.tensors.randn([size, D], 7) });
  // Compile the shaders (or let the JavaScript engine optimise the loops) before timing anything.
  const tiny = setup(16);
  await warmUp(lab, () => bidirectional(tiny.x, scan));
  await warmUp(lab, () => ss2d(tiny.x, 4, 4, scan));
  await warmUp(lab, () => naiveAttention(lab, tiny.q, tiny.q, tiny.q));
  await lab.sweep({
    label: 'Vim bidirectional: 2 scans (your code)',
    n,
    setup,
    run: ({ x }) => bidirectional(x, scan),
    bytes: (size) => bytesOf(memory, size)
  });
  await lab.sweep({
    label: 'VMamba SS2D: 4 scans (your code)',
    n,
    setup,
    run: ({ x }, size) => {
      const side = Math.round(Math.sqrt(size));
      // A square grid when n is a square (the default list); otherwise one row of n tokens.
      return side * side === size ? ss2d(x, side, side, scan) : ss2d(x, 1, size, scan);
    },
    bytes: ss2dBytes
  });
  await lab.sweep({
    label: `attention, one head, d = ${D} (lesson 01)`,
    n,
    setup,
    run: ({ q }) => naiveAttention(lab, q, q, q),
    bytes: (size) => bytesOf(naiveAttentionMemory(D), size)
  });
  const curve = (f: (size: number) => number) => n.map((size) => [sideOf(size), f(size)] as const);
  lab.plot({
    id: 'resolution',
    title: `What grows as the image side H grows (p = ${P}, n = (H/${P})² tokens; analytic)`,
    x: { label: 'image side H (pixels)', log: true },
    y: { label: 'count', log: true },
    series: [
      { label: 'tokens n = (H/p)²', points: curve((s) => s) },
      { label: 'attention scores n² (∝ H⁴)', points: curve((s) => s * s) },
      { label: `scan steps, bidirectional: 2·n·D·N_s (D = ${D}, N_s = ${NS})`, points: curve((s) => 2 * s * D * NS) }
    ]
  });
}
