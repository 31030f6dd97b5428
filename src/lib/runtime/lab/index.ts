/**
 * Builds the `lab` module that learner code imports, for one run. The same code serves the
 * sandbox worker in the browser and vitest in Node: only the environment differs (a GPUDevice or
 * none; onnxruntime reached by messages to the app, or called directly).
 */
import type * as LabModule from 'lab';
import type { Graph, Plot, SweepOptions, Tensor, Timing } from 'lab';
import { MemoryTracker } from '$lib/bench/memory';
import { type DeviceTime, runSweep, timeRepeats } from '$lib/bench/sweep';
import { summarize } from '$lib/bench/stats';
import type { SweepPoint, TimerKind } from '$lib/bench/types';
import type { Backend } from '../backends';
import { deviceLimits } from '../limits';
import type { PlotData, SweepSettings, WireTensor } from '../protocol';
import { apiError } from './errors';
import { freezeLab } from './freeze';
import { createGpu } from './gpu';
import { createGraph, graphBytes, graphState } from './onnx-graph';
import { createProbeRecorder } from './probe';
import * as tensors from './tensors';
import { createSimd } from '../simd/instance';

export { deviceLimits };

/** The lesson API as lab.d.ts declares it: what `createLab` builds is checked against this. */
type Lab = typeof LabModule;

/** True when A and B are the same type (not merely assignable either way). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
// lab.d.ts declares Backend for learner code; it must be the union of ../backends' BACKENDS.
const backendsAgree: Same<LabModule.Backend, Backend> = true;
void backendsAgree;

export type OrtRun = (
  model: Uint8Array,
  feeds: Record<string, WireTensor>,
  ep: Backend
) => Promise<{ outputs: Record<string, WireTensor>; ms: number }>;

export interface LabEnv {
  backend: Backend;
  device: GPUDevice | null;
  ortRun: OrtRun;
  log(level: 'log' | 'warn' | 'error', text: string): void;
  emitPoint(point: SweepPoint): void;
  emitPlot(plot: PlotData): void;
  sweep: SweepSettings;
  wasmBudgetBytes: number;
  now(): number;
  /** The learner's file that holds this exact source, for locating WGSL errors. */
  fileOf(code: string): string | undefined;
  /** The run's compiled AssemblyScript modules by file name (the 'simd' backend). */
  simdModules?: Record<string, Uint8Array>;
}

export type LabInstance = ReturnType<typeof createLab>;

function describe(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Float32Array || v instanceof Float64Array) {
    const head = Array.from(v.slice(0, 8), (x) => +x.toPrecision(5)).join(', ');
    return `${v.constructor.name}(${v.length}) [${head}${v.length > 8 ? ', …' : ''}]`;
  }
  if (v && typeof v === 'object' && 'shape' in v && 'data' in v) {
    const t = v as Tensor;
    return `Tensor [${t.shape.join(', ')}] ${describe(t.data)}`;
  }
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function createLab(env: LabEnv) {
  const tracker = new MemoryTracker();
  const recorder = createProbeRecorder();
  let deviceMs = 0;
  let deviceTimer: TimerKind | null = null;
  let hopMs = 0;
  const record = (timer: TimerKind) => (ms: number) => {
    deviceMs += ms;
    deviceTimer = timer;
  };
  // Allocation order across GPU buffers and tracked CPU tensors: a mark covers both.
  let serial = 0;
  const nextSerial = () => ++serial;
  const mark = () => serial;
  const cpuLive = new Map<Tensor, { trackId: number; serial: number }>();
  const freeTensor = (t: Tensor) => {
    const entry = cpuLive.get(t);
    if (!entry) return;
    cpuLive.delete(t);
    tracker.free(entry.trackId);
  };
  const track = (t: Tensor, label: string): Tensor => {
    cpuLive.set(t, { trackId: tracker.alloc(label, t.data.byteLength), serial: nextSerial() });
    recorder.active()?.allocations.push({ kind: 'tensor', label, bytes: t.data.byteLength });
    return t;
  };
  const releaseSince = (m: number) => {
    gpu.destroySince(m);
    for (const [t, entry] of [...cpuLive]) if (entry.serial > m) freeTensor(t);
    releaseSimdSince(m);
  };
  const gpu = createGpu({
    device: env.backend === 'webgpu' ? env.device : null,
    tracker,
    timing: { record: record('gpu-timestamp') },
    fileOf: env.fileOf,
    nextSerial,
    probing: recorder.active
  });
  const serialized = new WeakMap<object, { version: number; model: Uint8Array }>();

  // Each AssemblyScript instance's linear memory is counted like a tensor, at its size after every
  // call, until the end of the timed call (or sweep point) that made it.
  const simdLive = new Map<object, { trackId: number; serial: number; bytes: number }>();
  const simdMemory = (instance: object, bytes: number) => {
    const entry = simdLive.get(instance);
    if (entry && entry.bytes === bytes) return;
    const grown = bytes - (entry?.bytes ?? 0);
    if (entry) tracker.free(entry.trackId);
    simdLive.set(instance, {
      trackId: tracker.alloc('simd module memory', bytes),
      serial: entry?.serial ?? nextSerial(),
      bytes
    });
    // A probe sees the memory as allocations of its growth: the largest is the largest step.
    if (grown > 0) recorder.active()?.allocations.push({ kind: 'tensor', label: 'simd module memory', bytes: grown });
  };
  const simd = createSimd(env.backend === 'simd' ? (env.simdModules ?? {}) : {}, {
    memory: simdMemory,
    track: (t) => track(t, 'simd.get')
  });
  const releaseSimdSince = (m: number) => {
    for (const [instance, entry] of [...simdLive]) {
      if (entry.serial <= m) continue;
      simdLive.delete(instance);
      tracker.free(entry.trackId);
    }
  };

  const onnx = {
    graph: () => createGraph(),
    async run(g: Graph, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
      // The graph's own state, not the object's properties (which learner code could change).
      const graph = graphState(g);
      if (!graph) throw apiError('onnx.run needs a graph made by onnx.graph()');
      for (const input of graph.inputs) {
        const t = feeds[input.name];
        if (!t) throw apiError(`onnx.run: no tensor given for graph input '${input.name}'`);
        if (t.shape.length !== input.shape.length || t.shape.some((s, i) => s !== input.shape[i])) {
          throw apiError(
            `onnx.run: input '${input.name}' was declared [${input.shape.join(', ')}] but got [${t.shape.join(', ')}]`
          );
        }
      }
      let cached = serialized.get(graph);
      if (!cached || cached.version !== graph.version()) {
        cached = { version: graph.version(), model: graph.serialize() };
        serialized.set(graph, cached);
      }
      const model = cached.model;
      const wire: Record<string, WireTensor> = {};
      for (const input of graph.inputs) {
        const data = feeds[input.name].data;
        // A view into a larger buffer would be copied whole across the message hops: send just the view.
        const compact = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
        wire[input.name] = { shape: [...feeds[input.name].shape], data: compact };
      }
      // onnxruntime's own buffers are out of our reach: count the graph's tensors by their shapes.
      const id = tracker.alloc('onnx graph tensors', graphBytes(graph));
      try {
        // The simd backend's CPU graphs run on onnxruntime's wasm provider.
        const ep: Backend = env.backend === 'webgpu' ? 'webgpu' : 'wasm';
        const t0 = env.now();
        const probe = recorder.active();
        const { outputs, ms } = await env.ortRun(model, wire, ep);
        // The round trip to onnxruntime's worker costs message hops that are not the graph's work.
        hopMs += Math.max(0, env.now() - t0 - ms);
        record('ort-run')(ms);
        if (probe && recorder.active() === probe) {
          const named = (v: { name: string; shape: readonly number[] }) => ({ name: v.name, shape: [...v.shape] });
          const elements = (ts: Iterable<{ data: { length: number } }>) => {
            let n = 0;
            for (const t of ts) n += t.data.length;
            return n;
          };
          probe.graphs.push({
            ops: graph.ops(),
            values: graph.values.map(named),
            inputs: graph.inputs.map(named),
            outputs: graph.outputs.map(named),
            transferred: elements(Object.values(wire)) + elements(Object.values(outputs))
          });
        }
        return outputs;
      } finally {
        tracker.free(id);
      }
    }
  };

  const module = freezeLab({
    tensors: {
      zeros: (shape: readonly number[]) => track(tensors.zeros(shape), 'zeros'),
      from: (shape: readonly number[], values: ArrayLike<number>) => track(tensors.from(shape, values), 'from'),
      randn: (shape: readonly number[], seed?: number) => track(tensors.randn(shape, seed), 'randn'),
      free: freeTensor,
      size: tensors.size,
      compare: tensors.compare
    },
    gpu: gpu.api,
    onnx,
    simd: {
      available: simd.available,
      instantiate: (file: string) => simd.instantiate(file)
    },
    backend: env.backend,
    log: (...values: unknown[]) => env.log('log', values.map(describe).join(' ')),
    async time(fn: () => unknown, options: { warmup?: number; repeats?: number } = {}): Promise<Timing> {
      if (typeof fn !== 'function') throw apiError('time(fn) needs a function to time');
      const { samples, timer } = await timeRepeats(
        fn,
        { now: env.now, tracker, takeDeviceTime, mark, releaseSince },
        options.warmup ?? 1,
        Math.max(1, options.repeats ?? 5)
      );
      const s = summarize(samples);
      return { medianMs: s.median, p25Ms: s.p25, p75Ms: s.p75, samplesMs: samples, timer };
    },
    plot(p: Plot): void {
      if (!p || typeof p.id !== 'string' || !Array.isArray(p.series)) {
        throw apiError('plot({ id, title, x, y, series }) needs an id and a list of series');
      }
      env.emitPlot({
        id: p.id,
        title: String(p.title ?? p.id),
        x: { label: String(p.x?.label ?? 'x'), log: p.x?.log === true },
        y: { label: String(p.y?.label ?? 'y'), log: p.y?.log === true },
        series: p.series.map((s) => ({
          label: String(s.label),
          dashed: s.dashed === true,
          points: s.points.map(([x, y]) => [Number(x), Number(y)] as [number, number])
        }))
      });
    },
    async sweep<Input>(options: SweepOptions<Input>): Promise<SweepPoint[]> {
      if (
        !options ||
        !Array.isArray(options.n) ||
        typeof options.run !== 'function' ||
        typeof options.setup !== 'function'
      ) {
        throw apiError('sweep({ n, setup, run }) needs a list of sequence lengths and two functions');
      }
      return runSweep(
        {
          label: options.label ?? 'my code',
          n: options.n,
          setup: options.setup,
          run: options.run,
          warmup: options.warmup ?? env.sweep.warmup,
          repeats: options.repeats ?? env.sweep.repeats,
          bytes: options.bytes
        },
        {
          now: env.now,
          tracker,
          limits: deviceLimits(env),
          budgetMs: env.sweep.budgetMs,
          takeDeviceTime: takeDeviceTime,
          emit: env.emitPoint,
          mark,
          releaseSince
        }
      );
    }
  } satisfies Lab);

  function takeDeviceTime(): DeviceTime | null {
    const t = deviceTimer ? { ms: deviceMs, timer: deviceTimer, hopMs } : null;
    deviceMs = 0;
    hopMs = 0;
    deviceTimer = null;
    return t;
  }

  return {
    /** The lesson API for learner code: frozen, so neither learner modules nor checks can patch it. */
    module,
    /**
     * Run `fn` and record what it did through the lab: allocations, dispatches (with read counts)
     * and ONNX graph runs. For the harness only (`LessonContext.probe`); probes do not nest.
     */
    probe: recorder.probe,
    tracker,
    takeDeviceTime,
    /** Destroy every GPU buffer of the run; returns how many were still live. */
    finish(): number {
      const n = gpu.liveCount();
      gpu.destroyAll();
      for (const t of [...cpuLive.keys()]) freeTensor(t);
      releaseSimdSince(0);
      return n;
    },
    liveGpuBuffers: () => gpu.liveCount()
  };
}
