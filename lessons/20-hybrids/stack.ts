/**
 * Lesson 20's toy stack, harness side: the kernels each layer runs (earlier lessons' real ones, from
 * src/lib/baselines), the caches those layers keep, a float64 twin of the whole stack, and the
 * counts a probe record gives of what a stack run did.
 * - attention: lesson 05's FlashAttention on WebGPU (lesson 01's ONNX graph on WASM), q = k = v = x;
 * - swa: lesson 07's banded kernel on WebGPU (⌈N/64⌉ block graphs on WASM);
 * - mamba: lesson 14's selective scan, with fixed Δ, A, B, C per N.
 * Each layer returns (x + y)/2 (a residual with a fixed ½ that keeps the values in range, standing
 * in for the norm), and keeps its cache as a lab tensor: K and V of N rows (attention), of
 * min(N, w) rows (swa), or the [d, N_s] state (mamba). Those tensors are the only ones made with
 * `tensors.from` during a run, so a probe's 'from' allocations are the cache, in bytes.
 * Cost per layer: the kernel's (O(N²·d), O(N·w·d) or O(N·d·N_s)) plus O(N·d) to copy the cache.
 */
import type { Tensor } from 'lab';
import { runKernel, tensor } from '$lib/kernels';
import { flashAttention } from '$lib/baselines/flash-attention';
import { SCAN_FILE, selectiveScan, type ScanInputs } from '$lib/baselines/selective-scan';
import { SWA_FILE, SWA_FIRST_INPUT, SWA_QUERY_BLOCK, slidingWindowAttention } from '$lib/baselines/sliding-window';
import type { Lab, ProbeRecord } from '$lib/lessons/types';
import { D, NS } from './memory';
import type { Layer } from './reference';

/** What the learner's runStack receives. */
export interface Mixers {
  attention(x: Tensor): Promise<Tensor>;
  swa(x: Tensor, window: number): Promise<Tensor>;
  mamba(x: Tensor): Promise<Tensor>;
}

const FLASH_FILE = 'flash-attention.wgsl (lesson 05)';

/** The scan's fixed parameters at length n: Δ = softplus(z)/2 > 0, A = −(s + 1), B and C seeded. */
function scanParams(lab: Lab, n: number): Omit<ScanInputs, 'u'> {
  const { tensors } = lab;
  const delta = tensors.from(
    [n, D],
    Array.from(tensors.randn([n, D], 21).data, (z) => Math.log1p(Math.exp(z)) / 2)
  );
  const A = tensors.from(
    [D, NS],
    Array.from({ length: D * NS }, (_, i) => -((i % NS) + 1))
  );
  return { delta, A, B: tensors.randn([n, NS], 22), C: tensors.randn([n, NS], 23) };
}

const half = (x: Tensor, y: Tensor): Tensor => ({
  shape: [...x.shape],
  data: x.data.map((v, i) => (v + y.data[i]) / 2)
});

/** The layers' kernels for inputs of length n (make them before probing: they allocate Δ, A, B, C). */
export function makeMixers(lab: Lab, n: number): Mixers {
  const scan = scanParams(lab, n);
  const keep = (rows: Float32Array, shape: number[]) => lab.tensors.from(shape, rows);
  return {
    async attention(x) {
      const y = await flashAttention(lab, x, x, x);
      keep(concatKv(x, 0), [x.shape[0], 2 * D]); // K and V of every token
      return half(x, y);
    },
    async swa(x, window) {
      const y = await slidingWindowAttention(lab, x, x, x, window);
      const rows = Math.min(x.shape[0], window);
      keep(concatKv(x, x.shape[0] - rows), [rows, 2 * D]); // K and V of the last w tokens only
      return half(x, y);
    },
    async mamba(x) {
      const y = await selectiveScan(lab, { u: x, ...scan });
      keep(new Float32Array(D * NS), [D, NS]); // the state a decoder carries on: [d, N_s]
      return half(x, y);
    }
  };
}

/** K and V (both x here) of tokens from `first` on, side by side. */
function concatKv(x: Tensor, first: number): Float32Array {
  const [n, d] = x.shape;
  const out = new Float32Array((n - first) * 2 * d);
  for (let t = first; t < n; t++) {
    const row = x.data.subarray(t * d, (t + 1) * d);
    out.set(row, (t - first) * 2 * d);
    out.set(row, (t - first) * 2 * d + d);
  }
  return out;
}

/** The same stack in float64, from the kernel registry, for the layers given. */
export function stackReference(lab: Lab, layers: Layer[], x: Tensor) {
  const n = x.shape[0];
  const scan = scanParams(lab, n);
  const f64 = (t: Tensor) => tensor([...t.shape], t.data);
  let h = f64(x);
  for (const layer of layers) {
    let y;
    if (layer.mixer === 'attention') y = runKernel('attention', { q: h, k: h, v: h }, { causal: true }).o;
    else if (layer.mixer === 'swa') {
      y = runKernel('attention', { q: h, k: h, v: h }, { causal: true, window: layer.window }).o;
    } else {
      const p = { delta: f64(scan.delta), A: f64(scan.A), B: f64(scan.B), C: f64(scan.C) };
      y = runKernel('selective_scan', { u: h, ...p }).y;
    }
    const prev = h;
    h = tensor(
      [...prev.shape],
      prev.data.map((v, i) => (v + y.data[i]) / 2)
    );
  }
  return h;
}

/** What a probe record says one stack run did, per layer kind, and the cache bytes it kept. */
export function stackCounts(backend: Lab['backend'], record: ProbeRecord, n: number) {
  const cache = record.allocations
    .filter((a) => a.kind === 'tensor' && a.label === 'from')
    .reduce((s, a) => s + a.bytes, 0);
  if (backend === 'webgpu') {
    const by = (file: string) => record.dispatches.filter((d) => d.file === file).length;
    return { attention: by(FLASH_FILE), swa: by(SWA_FILE), mamba: by(SCAN_FILE), cache };
  }
  // WASM: full attention is one softmax graph over all N keys; a window is ⌈N/64⌉ block graphs
  // (told apart by their 'first' input); the scan allocates its [d, N_s] state as a lab tensor.
  const softmax = record.graphs.filter((g) => g.ops.includes('Softmax'));
  const blocks = softmax.filter((g) => g.inputs.some((i) => i.name === SWA_FIRST_INPUT)).length;
  const states = record.allocations.filter((a) => a.kind === 'tensor' && a.label === 'zeros' && a.bytes === 4 * D * NS);
  return {
    attention: softmax.length - blocks,
    swa: blocks / Math.ceil(n / SWA_QUERY_BLOCK),
    mamba: states.length,
    cache
  };
}

/** The harness's own run of a schedule (for measuring caches independently of the learner's runStack). */
export async function runLayers(layers: Layer[], x: Tensor, mixers: Mixers): Promise<Tensor> {
  let h = x;
  for (const l of layers) {
    h =
      l.mixer === 'attention'
        ? await mixers.attention(h)
        : l.mixer === 'swa'
          ? await mixers.swa(h, l.window ?? 1)
          : await mixers.mamba(h);
  }
  return h;
}
