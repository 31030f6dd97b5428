/**
 * The bandwidth yardstick of the decode lessons (02 KV cache, 03 GQA, 04 MLA): a plain pass over as
 * many bytes as one decode step must read, timed in the same run as the step, and both drawn as
 * achieved GB/s against N. A decode step reads each cached number once and does about one
 * multiply-add with it, so once N hides its fixed costs it should move bytes about as fast as a
 * copy does: that is what "memory-bandwidth bound" means. Run by a lesson's harness (sweep.ts), not
 * the learner's files.
 *
 * - WebGPU: copy.wgsl (vec4 loads and stores, no arithmetic), dispatched through the lab like the
 *   lesson's kernel, repeated in one submission until it moves about 16 MiB, so that Chromium's
 *   coarse GPU timestamps (about 100 µs) do not swamp a small copy. Timer: 'gpu-timestamp'.
 * - WASM: an ONNX graph that reads the bytes once, ReduceSum(x), on onnxruntime-web's wasm backend,
 *   where the lessons' WASM decode steps run. Its time, like theirs, includes handing the tensor
 *   to onnxruntime (to its worker, in the browser). Not a copy, on purpose: an Add(x, 0) "copy"
 *   also pays for a fresh output as large as its input and for its trip back, which a decode step
 *   does not, and measured here it came out slower per byte than the decode step itself: no
 *   ceiling at all. Timer: 'ort-run'.
 *
 * Cost: one buffer (WebGPU: two) per N, 1 warm-up + 5 timed runs per N, within a wall-clock
 * budget. GB/s counts every byte moved: read plus written for the WGSL copy (STREAM's convention),
 * read for the ReduceSum; so a step that reads B bytes as fast as the yardstick scores its GB/s.
 */
import type { SweepResult, Tensor } from 'lab';
import type { Lab, LessonContext } from '$lib/lessons/types';
import shader from './copy.wgsl?raw';

const WORKGROUP = 256;
/** Bytes one timed WebGPU submission should move at least (read + write), well above the timer's grain. */
const BATCH_BYTES = 16 * 2 ** 20;
const MAX_REPEAT = 64;

/** Which copy runs on this backend, for chart labels and the README. */
export function copyName(backend: Lab['backend']): string {
  return backend === 'webgpu' ? 'copy.wgsl, bytes read + written' : 'ONNX ReduceSum, bytes read once';
}

/**
 * The yardstick over `bytes` (rounded up to 16) ready to time: `run()` passes once on WASM,
 * `repeat` times in one submission on WebGPU; `perCopy(ms, timer)` turns a timing of `run` into ms
 * per pass, which moves `moved` bytes.
 */
export function copyKernel(
  lab: Lab,
  bytes: number
): {
  run: () => Promise<unknown>;
  perCopy: (ms: number, timer: string) => number;
  moved: number;
  release: () => void;
} {
  const elements = 4 * Math.ceil(bytes / 16);
  const src: Tensor = lab.tensors.zeros([elements]);
  if (lab.backend === 'webgpu') {
    const { gpu } = lab;
    const count = elements / 4;
    const groups = Math.min(Math.ceil(count / WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
    const repeat = Math.min(MAX_REPEAT, Math.max(1, Math.ceil(BATCH_BYTES / (8 * elements))));
    const input = gpu.input(src, 'copy source');
    const output = gpu.scratch(elements, 'copy destination');
    const params = gpu.uniform({ count: ['u32', count], stride: ['u32', groups * WORKGROUP] }, 'copy params');
    lab.tensors.free(src);
    return {
      run: () =>
        gpu.dispatch({
          code: shader,
          file: 'copy.wgsl',
          bindings: [input, output, params],
          workgroups: [groups],
          repeat
        }),
      // GPU timestamps are already per dispatch; a wall clock saw all the repeats.
      perCopy: (ms, timer) => (timer === 'gpu-timestamp' ? ms : ms / repeat),
      moved: 2 * 4 * elements,
      release: () => [input, output, params].forEach((b) => gpu.release(b))
    };
  }
  const g = lab.onnx.graph();
  g.output(g.reduceSum(g.input('x', [elements]), 0));
  return {
    run: () => lab.onnx.run(g, { x: src }),
    perCopy: (ms) => ms,
    moved: 4 * elements,
    release: () => lab.tensors.free(src)
  };
}

export interface BandwidthSpec {
  /** The decode sweep's points (from lab.sweep); only the measured ones are charted. */
  results: readonly SweepResult[];
  /** Bytes one decode step must read with n tokens cached (the cache plus q). */
  bytesRead(n: number): number;
  /** What bytesRead counts, for the chart's title (short: it names the formula). */
  readLabel: string;
  /** Wall-clock budget of the copy timings, ms. */
  budgetMs?: number;
}

const gbps = (bytes: number, ms: number) => bytes / (ms * 1e6);

/**
 * Time the copy at every N the decode sweep measured and chart both as GB/s against N (chart id
 * 'bandwidth'), redrawn after each point. Stops early, saying so, when the budget runs out.
 */
export async function plotBandwidth(ctx: LessonContext, spec: BandwidthSpec): Promise<void> {
  const { lab } = ctx;
  const budget = spec.budgetMs ?? 8000;
  const measured = spec.results.filter((r) => r.status === 'measured' && r.medianMs !== undefined && r.medianMs > 0);
  if (measured.length === 0) return;
  const decode = measured.map((r) => [r.n, gbps(spec.bytesRead(r.n), r.medianMs ?? 0)] as [number, number]);
  const copy: [number, number][] = [];
  const timers = new Set<string>(measured.map((r) => r.timer ?? 'wall'));
  const draw = () =>
    lab.plot({
      id: 'bandwidth',
      title: `Achieved GB/s of one decode step (it reads ${spec.readLabel}) vs a plain pass over the same bytes (${[...timers].join(' / ')} timer)`,
      x: { label: 'cached tokens N', log: true },
      y: { label: 'GB/s (10⁹ bytes per second)', log: true },
      series: [
        { label: 'decode step (your code)', points: decode },
        { label: `yardstick: ${copyName(ctx.backend)}`, points: copy }
      ]
    });
  const start = Date.now();
  for (const { n } of measured) {
    if (Date.now() - start > budget) {
      lab.log(`bandwidth chart: the copy stopped before N = ${n}, past its ${budget / 1000} s budget`);
      break;
    }
    const bytes = spec.bytesRead(n);
    const kernel = copyKernel(lab, bytes);
    try {
      const t = await lab.time(kernel.run, { warmup: 1, repeats: 5 });
      timers.add(t.timer);
      copy.push([n, gbps(kernel.moved, kernel.perCopy(t.medianMs, t.timer))]);
    } finally {
      kernel.release();
    }
    draw();
  }
}
