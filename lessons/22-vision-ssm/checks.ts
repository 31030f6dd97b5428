/**
 * Lesson 22 checks. The learner's patch count (1248×1248 at p = 16 must give 6,084, and partial
 * edge patches are dropped) and patchify against a float64 re-walk of the image; the four
 * cross-scan paths as bijections equal to explicit row/column walks, on square and non-square
 * grids; crossMerge as their inverse, path by path; then Vim's bidirectional scan and VMamba's SS2D
 * against float64 references built on the registry's `selective_scan`. A probe then records one
 * call of each at n = 576 (a 24×24 grid): the scan (src/lib/baselines/selective-scan, handed to the
 * learner's code) must run exactly twice (bidirectional) and four times (SS2D) over n tokens, with
 * no allocation as large as an n×n matrix. The sweep is sweep.ts.
 */
import type { Tensor } from 'lab';
import {
  check,
  expectClose,
  expectNumber,
  expectTensor,
  fail,
  largestAllocation,
  learner,
  matches,
  messages
} from '$lib/lessons/kit';
import { formatBytes } from '$lib/bench/format';
import { type Lab, type LessonContext, type LessonHarness } from '$lib/lessons/types';
import { SCAN_FILE, type ScanInputs, selectiveScan } from '$lib/baselines/selective-scan';
import {
  PATH_NAMES,
  type RefScanInputs,
  backwardRef,
  bidirectionalRef,
  crossScanRef,
  forwardRef,
  grid,
  path,
  patchTokens,
  rows as gatherRef,
  ss2dRef
} from './reference';
import { scanInputs, sweep } from './sweep';

type Scan = (x: ScanInputs) => Promise<Tensor>;

const m = messages('22-vision-ssm', {
  'count-wrong': 'patchCount({H}, {W}, {p}) returned {got}, expected {want} ({rows} × {cols} whole patches).',
  'count-ceil':
    'patchCount({H}, {W}, {p}) returned {got}, expected {want}: a strip narrower than p at the edge makes no patch. Round each side down (floor), not up.',
  'count-ok':
    'patchCount(1248, 1248, 16) = {vim} (the 6,084 tokens of Vim at 1248×1248), and partial edge patches are dropped ({cases})',
  'patchify-ok': 'patchify matches a float64 re-walk of the image for {cases}',
  'not-permutation': 'scanOrder({rows}, {cols}, {k}) ({name}) is not a bijection of the {cells} grid cells: {detail}.',
  'order-wrong':
    'scanOrder({rows}, {cols}, {k}) should walk {name}: step {i} is cell {got}, expected {want} (row {r}, column {c}).',
  'orders-ok': 'the four paths are bijections and walk the right order on {grids}; crossScan matches',
  'merge-wrong':
    'crossMerge does not undo path {k} ({name}) on the {shape} {rows}×{cols} grid: fed that path alone, it should give back x. {detail}',
  'merge-total': 'crossMerge(crossScan(x)) should be 4·x on the {rows}×{cols} grid. {detail}',
  'merge-ok': 'crossMerge inverts each path alone, and merge ∘ scan = 4·identity, on {grids}',
  'not-reversed-back':
    'This is forward + the backward scan left in reversed order: its output row i belongs to token n − 1 − i. Reverse the backward output back before adding.',
  'forward-only':
    'This is the forward scan alone: add the backward direction (the same scan over the reversed tokens).',
  'backward-only': 'This is the backward direction alone: add the forward scan.',
  'bidirectional-ok': 'forward + reversed(forward(reversed x)) matches the float64 reference for {cases}',
  'ss2d-one-path': 'This is one path (row-major) alone: scan along all four paths and merge them.',
  'ss2d-ok': 'the four scans, merged, match the float64 reference on {grids}',
  'scan-count':
    '{fn} ran the scan {calls} time(s) over {lengths} tokens on the {side}×{side} grid; it should run it exactly {want} times over all n = {n} tokens.',
  'gpu-dispatches': '{fn} dispatched {got} scan kernel(s) on the GPU; it should dispatch {want}.',
  'quadratic-buffer':
    "At n = {n}, {fn} made {what}: as large as an n×n matrix ({nn}), the size of attention's scores. Reversing or reordering tokens is an index map: gather the rows, never multiply by an n×n permutation.",
  'structure-ok':
    'at n = {n}: bidirectional ran the scan 2× and SS2D 4× over n tokens; the largest allocation was {largest} (an n×n matrix would be {nn}){gpu}'
});

const TOL = { atol: 1e-4, rtol: 1e-3 };
const DIMS = { d: 4, ns: 8 };
/** Square grids first, so that a mistake that only shows on non-square ones says so. */
const GRIDS: [number, number][] = [
  [1, 1],
  [3, 3],
  [4, 4],
  [2, 5],
  [5, 2],
  [1, 6],
  [7, 3]
];
const gridList = (gs: readonly [number, number][]) => gs.map(([r, c]) => `${r}×${c}`).join(', ');

const scanOf =
  (lab: Lab): Scan =>
  (x) =>
    selectiveScan(lab, x);

const f = (ctx: LessonContext) => ({
  patchCount: learner<(H: number, W: number, p: number) => number>(ctx, 'patchCount', 'patchCount(H, W, p): number'),
  patchify: learner<(image: Tensor, p: number) => Tensor>(
    ctx,
    'patchify',
    'patchify(image: Tensor, p: number): Tensor'
  ),
  scanOrder: learner<(rows: number, cols: number, k: number) => number[]>(
    ctx,
    'scanOrder',
    'scanOrder(rows, cols, k): number[]'
  ),
  crossScan: learner<(x: Tensor, rows: number, cols: number) => Tensor>(
    ctx,
    'crossScan',
    'crossScan(x: Tensor, rows, cols): Tensor'
  ),
  crossMerge: learner<(y: Tensor, rows: number, cols: number) => Tensor>(
    ctx,
    'crossMerge',
    'crossMerge(y: Tensor, rows, cols): Tensor'
  ),
  bidirectional: learner<(x: ScanInputs, scan: Scan) => Promise<Tensor>>(
    ctx,
    'bidirectional',
    'bidirectional(x: ScanInputs, scan: Scan): Promise<Tensor>'
  ),
  ss2d: learner<(x: ScanInputs, rows: number, cols: number, scan: Scan) => Promise<Tensor>>(
    ctx,
    'ss2d',
    'ss2d(x: ScanInputs, rows, cols, scan: Scan): Promise<Tensor>'
  )
});

// Image sizes for patchCount: Vim's headline, then sides that leave partial strips.
const COUNTS: [number, number, number][] = [
  [1248, 1248, 16],
  [224, 224, 16],
  [250, 100, 16],
  [100, 250, 16],
  [15, 40, 16],
  [33, 47, 8]
];
const IMAGES: { H: number; W: number; C: number; p: number }[] = [
  { H: 16, W: 16, C: 1, p: 16 },
  { H: 32, W: 48, C: 3, p: 16 },
  { H: 20, W: 13, C: 2, p: 4 }
];

const countCheck = check({
  id: 'patch-count',
  title: 'patchCount: 1248×1248 at p = 16 gives 6,084 tokens; partial edge patches are dropped',
  run(ctx) {
    const { patchCount } = f(ctx);
    let vim = 0;
    for (const [H, W, p] of COUNTS) {
      const got = expectNumber(patchCount(H, W, p), 'patchCount');
      const { rows, cols } = grid(H, W, p);
      const want = rows * cols;
      if (H === 1248) vim = got;
      if (got !== want) {
        const ceilish = [
          Math.ceil(H / p) * Math.floor(W / p),
          Math.floor(H / p) * Math.ceil(W / p),
          Math.ceil(H / p) * Math.ceil(W / p)
        ];
        fail(m(ceilish.includes(got) ? 'count-ceil' : 'count-wrong', { H, W, p, got, want, rows, cols }));
      }
    }
    return m('count-ok', {
      vim: vim.toLocaleString('en-US'),
      cases: COUNTS.slice(1)
        .map(([H, W, p]) => `${H}×${W}/${p}`)
        .join(', ')
    });
  }
});

const patchifyCheck = check({
  id: 'patchify',
  title: 'patchify matches a float64 re-walk of the image',
  run(ctx) {
    const { patchify } = f(ctx);
    for (const [i, { H, W, C, p }] of IMAGES.entries()) {
      const image = ctx.lab.tensors.randn([H, W, C], 40 + i);
      const want = patchTokens(image, p);
      expectClose(
        ctx.lab,
        patchify(image, p),
        want,
        { atol: 0, rtol: 0 },
        `${H}×${W}×${C} image, p = ${p}`,
        'patchify'
      );
    }
    return m('patchify-ok', { cases: IMAGES.map(({ H, W, C, p }) => `${H}×${W}×${C} at p = ${p}`).join(', ') });
  }
});

const ordersCheck = check({
  id: 'scan-orders',
  title: 'the four cross-scan paths are bijections in the right order, square and non-square',
  run(ctx) {
    const { scanOrder, crossScan } = f(ctx);
    for (const [rows, cols] of GRIDS) {
      const cells = rows * cols;
      for (let k = 0; k < 4; k++) {
        const got = scanOrder(rows, cols, k);
        const base = { rows, cols, k, name: PATH_NAMES[k], cells };
        if (!Array.isArray(got) || got.length !== cells) {
          fail(m('not-permutation', { ...base, detail: `it has ${Array.isArray(got) ? got.length : 'no'} entries` }));
        }
        const seen = new Set<number>();
        for (const cell of got) {
          if (!Number.isInteger(cell) || cell < 0 || cell >= cells)
            fail(m('not-permutation', { ...base, detail: `${cell} is not a cell` }));
          if (seen.has(cell)) fail(m('not-permutation', { ...base, detail: `cell ${cell} is visited twice` }));
          seen.add(cell);
        }
        const want = path(rows, cols, k);
        const i = want.findIndex((cell, j) => got[j] !== cell);
        if (i >= 0) {
          fail(
            m('order-wrong', {
              ...base,
              i,
              got: got[i],
              want: want[i],
              r: Math.floor(want[i] / cols),
              c: want[i] % cols
            })
          );
        }
      }
      const x = ctx.lab.tensors.randn([cells, 3], 50 + rows * 10 + cols);
      expectClose(
        ctx.lab,
        crossScan(x, rows, cols),
        crossScanRef(x, rows, cols),
        { atol: 0, rtol: 0 },
        `${rows}×${cols} grid`,
        'crossScan'
      );
    }
    return m('orders-ok', { grids: gridList(GRIDS) });
  }
});

const mergeCheck = check({
  id: 'merge-inverse',
  title: 'crossMerge inverts each path, square and non-square',
  run(ctx) {
    const { crossMerge, crossScan } = f(ctx);
    const { lab } = ctx;
    for (const [rows, cols] of GRIDS) {
      const n = rows * cols;
      const d = 3;
      const x = lab.tensors.randn([n, d], 60 + rows * 10 + cols);
      const paths = crossScanRef(x, rows, cols);
      for (let k = 0; k < 4; k++) {
        // Only path k is filled: the merge must put its tokens back where the path read them.
        const one = lab.tensors.zeros([4, n, d]);
        one.data.set(paths.data.subarray(k * n * d, (k + 1) * n * d), k * n * d);
        const got = expectTensor(crossMerge(one, rows, cols), [n, d], 'crossMerge');
        const c = lab.tensors.compare(got, x, { atol: 0, rtol: 0 });
        if (!c.ok) {
          const shape = rows === cols ? 'square' : 'non-square';
          fail(m('merge-wrong', { k, name: PATH_NAMES[k], shape, rows, cols, detail: c.message }));
        }
      }
      const four = { shape: [n, d], data: Array.from(x.data, (v) => 4 * v) };
      const c = lab.tensors.compare(
        expectTensor(crossMerge(crossScan(x, rows, cols), rows, cols), [n, d], 'crossMerge'),
        four,
        TOL
      );
      if (!c.ok) fail(m('merge-total', { rows, cols, detail: c.message }));
    }
    return m('merge-ok', { grids: gridList(GRIDS) });
  }
});

const BI_CASES = [1, 7, 64, 100];

const bidirectionalCheck = check({
  id: 'bidirectional',
  title: "Vim's bidirectional scan = forward + reversed(forward(reversed x))",
  async run(ctx) {
    const { bidirectional } = f(ctx);
    const { lab } = ctx;
    for (const [i, n] of BI_CASES.entries()) {
      const x = scanInputs(lab, n, DIMS.d, DIMS.ns, 70 + 10 * i);
      const want = bidirectionalRef(x as RefScanInputs);
      const got = await bidirectional(x, scanOf(lab));
      expectClose(lab, got, want, TOL, `n = ${n}, D = ${DIMS.d}, N_s = ${DIMS.ns}`, 'bidirectional', (t) => {
        const fwd = forwardRef(x as RefScanInputs);
        const bwd = backwardRef(x as RefScanInputs);
        const reversed = Array.from({ length: n }, (_, j) => n - 1 - j);
        const unreversed = gatherRef(bwd, reversed);
        const plusUnreversed = { shape: fwd.shape, data: fwd.data.map((v, j) => v + unreversed.data[j]) };
        if (matches(lab, t, plusUnreversed, TOL)) return m('not-reversed-back');
        if (matches(lab, t, fwd, TOL)) return m('forward-only');
        if (matches(lab, t, bwd, TOL)) return m('backward-only');
        return null;
      });
    }
    return m('bidirectional-ok', { cases: `n = ${BI_CASES.join(', ')}` });
  }
});

const SS2D_GRIDS: [number, number][] = [
  [4, 4],
  [3, 5],
  [6, 2]
];

const ss2dCheck = check({
  id: 'ss2d',
  title: "VMamba's SS2D: four path scans merged back to the grid",
  async run(ctx) {
    const { ss2d } = f(ctx);
    const { lab } = ctx;
    for (const [i, [rows, cols]] of SS2D_GRIDS.entries()) {
      const n = rows * cols;
      const x = scanInputs(lab, n, DIMS.d, DIMS.ns, 90 + 10 * i);
      const got = await ss2d(x, rows, cols, scanOf(lab));
      expectClose(lab, got, ss2dRef(x as RefScanInputs, rows, cols), TOL, `${rows}×${cols} grid`, 'ss2d', (t) =>
        matches(lab, t, forwardRef(x as RefScanInputs), TOL) ? m('ss2d-one-path') : null
      );
    }
    return m('ss2d-ok', { grids: gridList(SS2D_GRIDS) });
  }
});

const SIDE = 24;

const structureCheck = check({
  id: 'structure',
  title: 'bidirectional runs the scan twice and SS2D four times over n tokens, with nothing n×n',
  async run(ctx) {
    const { bidirectional, ss2d } = f(ctx);
    const { lab } = ctx;
    const n = SIDE * SIDE;
    const nn = 4 * n * n;
    const x = scanInputs(lab, n, DIMS.d, DIMS.ns, 120);
    let largest = 0;
    const gpu: string[] = [];
    const runs: [string, number, (scan: Scan) => Promise<Tensor>][] = [
      ['bidirectional', 2, (scan) => bidirectional(x, scan)],
      ['ss2d', 4, (scan) => ss2d(x, SIDE, SIDE, scan)]
    ];
    for (const [fn, want, call] of runs) {
      // The scan the learner's code receives records the length of every sequence it is given.
      const lengths: number[] = [];
      const counted: Scan = (input) => {
        lengths.push(input.u.shape[0]);
        return selectiveScan(lab, input);
      };
      const { record } = await ctx.probe(() => call(counted));
      if (lengths.length !== want || lengths.some((l) => l !== n)) {
        fail(m('scan-count', { fn, calls: lengths.length, lengths: lengths.join(', ') || 'no', side: SIDE, want, n }));
      }
      if (ctx.backend === 'webgpu') {
        const got = record.dispatches.filter((d) => d.file === SCAN_FILE).length;
        if (got !== want) fail(m('gpu-dispatches', { fn, got, want }));
        gpu.push(`${got} for ${fn}`);
      }
      const big = largestAllocation(record);
      if (big && big.bytes >= nn) {
        fail(m('quadratic-buffer', { n, fn, what: big.text, nn: formatBytes(nn) }));
      }
      largest = Math.max(largest, big?.bytes ?? 0);
    }
    return m('structure-ok', {
      n,
      largest: formatBytes(largest),
      nn: formatBytes(nn),
      gpu: gpu.length ? `; scan-kernel dispatches on the GPU: ${gpu.join(', ')}` : ''
    });
  }
});

export const harness: LessonHarness = {
  checks: [countCheck, patchifyCheck, ordersCheck, mergeCheck, bidirectionalCheck, ss2dCheck, structureCheck],
  sweep
};
