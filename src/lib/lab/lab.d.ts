/**
 * The lesson API: the one module learner code imports.
 *
 * This file is the single source of truth for what learner code may call. Monaco reads it for
 * hovers and completion, and `npm run check` type-checks every lesson's starter and solution
 * against it. The implementation lives in `src/lib/runtime/lab/`.
 *
 * The module is read-only: `lab`, `lab.tensors`, `lab.gpu` and `lab.onnx` are frozen, and code that
 * assigns to one of their members (`gpu.dispatch = …`) fails with an error that says so.
 */
declare module 'lab' {
  /** A dense float32 tensor, row-major: element (i, j) of a [rows, cols] tensor is `data[i * cols + j]`. */
  export interface Tensor {
    readonly shape: readonly number[];
    readonly data: Float32Array;
  }

  /**
   * Where a run executes: WGSL compute shaders on WebGPU, ONNX graphs on onnxruntime-web's WASM
   * backend, or your own AssemblyScript (`*.as.ts`) compiled to WebAssembly with SIMD ('simd').
   * (The same list as `BACKENDS` in src/lib/runtime/backends.ts; the compiler checks that they agree.)
   */
  export type Backend = 'webgpu' | 'wasm' | 'simd';

  /** Result of {@link tensors.compare}. */
  export interface Comparison {
    /** True when every element satisfies |actual − expected| ≤ atol + rtol·|expected| and the shapes match. */
    readonly ok: boolean;
    readonly maxAbsError: number;
    readonly maxRelError: number;
    /** Row-major index of the first element out of tolerance, or -1. */
    readonly firstMismatch: number;
    /** A sentence for humans: "row 17, column 3 differs: got 0.31, expected 0.29". */
    readonly message: string;
  }

  /**
   * Making, comparing and describing tensors. Random tensors are seeded, so every run sees the same
   * inputs. Every tensor made here counts in the measured memory series, like a GPU buffer, until
   * the end of the timed call that made it (or of the sweep point, for tensors made in setup).
   */
  export const tensors: {
    /** A tensor of zeros. */
    zeros(shape: readonly number[]): Tensor;
    /** A tensor from values (copied). Throws when the length does not match the shape. */
    from(shape: readonly number[], values: ArrayLike<number>): Tensor;
    /** Standard-normal values from a seeded generator: the same seed gives the same tensor. */
    randn(shape: readonly number[], seed?: number): Tensor;
    /** Stop counting a tensor in the measured memory (it is released at the end of each timed call anyway). */
    free(tensor: Tensor): void;
    /** Number of elements of a shape. */
    size(shape: readonly number[]): number;
    /** Compare with tolerances (defaults: atol 1e-5, rtol 1e-4). */
    compare(
      actual: Tensor,
      expected: { readonly shape: readonly number[]; readonly data: ArrayLike<number> },
      tolerance?: { atol?: number; rtol?: number }
    ): Comparison;
  };

  /** A GPU buffer made through the lab. Every one is labelled, counted and destroyed at the end of the run. */
  export interface GpuBuffer {
    readonly label: string;
    readonly size: number;
    /** Element shape, when the buffer holds a tensor. */
    readonly shape: readonly number[] | null;
  }

  /** One compute dispatch. */
  export interface Dispatch {
    /** WGSL source. Errors come back with this file's line numbers. */
    code: string;
    /** Name of the file the code came from, for error messages (for example 'attention.wgsl'). */
    file?: string;
    /** Entry point; default 'main'. */
    entryPoint?: string;
    /** Buffers bound at @group(0) @binding(i), in order: storage buffers and uniforms. */
    bindings: readonly GpuBuffer[];
    /** Number of workgroups in x, y, z. */
    workgroups: readonly [number, number?, number?];
    /** Run the same dispatch this many times in one submission (to rise above the timer's resolution). Default 1. */
    repeat?: number;
  }

  /** WebGPU: buffers from tensors, WGSL dispatches, read-back. Only usable when the run's backend is 'webgpu'. */
  export const gpu: {
    /** True when this run has a WebGPU device. */
    readonly available: boolean;
    /** The device's limits that matter for sizing kernels. */
    readonly limits: {
      readonly maxStorageBufferBindingSize: number;
      readonly maxBufferSize: number;
      readonly maxComputeWorkgroupStorageSize: number;
      readonly maxComputeInvocationsPerWorkgroup: number;
      readonly maxComputeWorkgroupsPerDimension: number;
    };
    /** A read-only storage buffer holding a tensor. */
    input(tensor: Tensor, label: string): GpuBuffer;
    /**
     * A read-write storage buffer of `shape` values, zero-filled; read it back with {@link gpu.read}.
     * Type 'u32' makes a buffer of u32 (for `atomic<u32>` counters); it reads back as numbers too.
     */
    output(shape: readonly number[], label: string, type?: 'f32' | 'u32'): GpuBuffer;
    /** A read-write storage buffer of `elements` f32 values that is never read back (intermediate results). */
    scratch(elements: number, label: string): GpuBuffer;
    /**
     * A uniform buffer from named, typed numbers, packed in the given order, 4 bytes each, to match a
     * WGSL struct: `gpu.uniform({ n: ['u32', n], scale: ['f32', s] }, 'params')`.
     */
    uniform(fields: Record<string, readonly ['u32' | 'i32' | 'f32', number]>, label: string): GpuBuffer;
    /** Compile (cached) and run a compute shader. Resolves when the GPU has finished. */
    dispatch(dispatch: Dispatch): Promise<{ gpuMs: number | null }>;
    /** Write a tensor into part of an existing buffer, starting at element `offset` (default 0). */
    write(buffer: GpuBuffer, tensor: Tensor, offset?: number): void;
    /** Copy a tensor buffer back to the CPU. */
    read(buffer: GpuBuffer): Promise<Tensor>;
    /** Destroy a buffer now instead of at the end of the run. */
    release(buffer: GpuBuffer): void;
  };

  /** A value in an ONNX graph under construction (frozen: its name and shape cannot change). */
  export interface Value {
    readonly name: string;
    readonly shape: readonly number[];
    readonly type: 'float32' | 'int64' | 'bool';
  }

  /** Builds an ONNX graph (opset 13) with static shapes. Every method adds one node and returns its output. */
  export interface Graph {
    input(name: string, shape: readonly number[]): Value;
    constant(values: readonly number[] | number, shape?: readonly number[]): Value;
    matmul(a: Value, b: Value): Value;
    /** Transpose; default reverses the axes. */
    transpose(x: Value, perm?: readonly number[]): Value;
    add(a: Value, b: Value): Value;
    sub(a: Value, b: Value): Value;
    mul(a: Value, b: Value): Value;
    div(a: Value, b: Value): Value;
    exp(x: Value): Value;
    /** Softmax over `axis` (default: the last). */
    softmax(x: Value, axis?: number): Value;
    reduceMax(x: Value, axis: number): Value;
    reduceSum(x: Value, axis: number): Value;
    /** 0, 1, …, n−1 as int64, shape [n]. */
    range(n: number): Value;
    reshape(x: Value, shape: readonly number[]): Value;
    /** Elementwise a < b (broadcasting), as bool. */
    less(a: Value, b: Value): Value;
    /** Elementwise choice: cond ? a : b (broadcasting). */
    where(cond: Value, a: Value, b: Value): Value;
    /** Mark a value of this graph as an output of the graph. */
    output(x: Value): void;
  }

  /** ONNX graphs run by onnxruntime-web. */
  export const onnx: {
    graph(): Graph;
    /** Serialise and run a graph; resolves to its outputs by name. Sessions are cached per graph. */
    run(graph: Graph, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>>;
  };

  /**
   * One instance of a compiled AssemblyScript file, with a linear memory of its own. Pointers are
   * byte addresses in that memory. The lab counts the memory's size after every call, like a tensor.
   */
  export interface SimdInstance {
    /** The file's exported functions: numbers (i32, f32, f64, or a pointer) in, a number out. */
    readonly exports: Readonly<Record<string, (...args: number[]) => number>>;
    /** Copy a tensor's values into the module's memory; returns their byte address (16-byte aligned, for `v128.load`). */
    put(tensor: Tensor): number;
    /** Reserve `elements` f32 values in the module's memory, zero-filled; returns their byte address (16-byte aligned). */
    alloc(elements: number): number;
    /** Copy the f32 values at byte `address` out into a new tensor of `shape`. */
    get(address: number, shape: readonly number[]): Tensor;
    /** The module's linear memory now, in bytes (it grows, never shrinks). */
    readonly memoryBytes: number;
  }

  /**
   * Your AssemblyScript kernels, on the 'simd' backend: each `*.as.ts` file of the lesson is compiled
   * (by `asc -O3 --enable simd`, outside the sandbox) before the run starts.
   * Move tensors in with `put`, call an export, read the result with `get`:
   * ```ts
   * const m = simd.instantiate('flash.as.ts');
   * const [pq, po] = [m.put(q), m.alloc(n * d)];
   * m.exports.attention(pq, po, n, d);
   * const o = m.get(po, [n, d]);
   * ```
   */
  export const simd: {
    /** True when this run has compiled modules (the backend is 'simd' and the lesson has `.as.ts` files). */
    readonly available: boolean;
    /** A fresh instance of a compiled file (for example 'flash.as.ts'); its memory is freed with it. */
    instantiate(file: string): SimdInstance;
  };

  /** The backend this run was started on (the page's backend switch). */
  export const backend: Backend;

  /** Print to the page's console panel. */
  export function log(...values: unknown[]): void;

  /** Options of {@link sweep}. */
  export interface SweepOptions<Input> {
    /** Sequence lengths, in the order to run them. */
    n: readonly number[];
    /** Make the inputs for one N (not timed). */
    setup(n: number): Input | Promise<Input>;
    /** The work to time for one N. */
    run(input: Input, n: number): unknown | Promise<unknown>;
    /** Untimed runs before measuring (default 1) and timed repeats (default 3). */
    warmup?: number;
    repeats?: number;
    /** Analytic bytes for one N: a point whose largest buffer exceeds the device's limits is skipped, with the reason. */
    bytes?(n: number): { largest: number; total: number };
    /** Series name on the charts. Default 'my code'. */
    label?: string;
  }

  /** Time `run` over sequence lengths (warm-up, repeats, median and spread), streaming points to the charts. */
  export function sweep<Input>(options: SweepOptions<Input>): Promise<readonly SweepResult[]>;

  /** One sequence length of a sweep, as plotted. */
  export interface SweepResult {
    readonly series: string;
    readonly n: number;
    /** 'measured', or why the point was not run: 'skipped-limit', 'skipped-time', 'error'. */
    readonly status: 'measured' | 'skipped-limit' | 'skipped-time' | 'error';
    readonly medianMs?: number;
    readonly p25Ms?: number;
    readonly p75Ms?: number;
    readonly timer?: 'gpu-timestamp' | 'ort-run' | 'wall';
    readonly peakBytes?: number;
    readonly reason?: string;
  }

  /** Timing of one piece of work: median and quartiles of the repeats, and which clock measured them. */
  export interface Timing {
    readonly medianMs: number;
    readonly p25Ms: number;
    readonly p75Ms: number;
    readonly samplesMs: readonly number[];
    /**
     * 'gpu-timestamp' (the GPU kernels alone, from timestamp queries), 'ort-run' (wall clock less the
     * message hops to onnxruntime's worker: the graphs' run time plus your CPU code) or 'wall'.
     */
    readonly timer: 'gpu-timestamp' | 'ort-run' | 'wall';
  }

  /** Time `fn` once it is warm: `warmup` untimed calls (default 1), then `repeats` timed ones (default 5). */
  export function time(
    fn: () => unknown | Promise<unknown>,
    options?: { warmup?: number; repeats?: number }
  ): Promise<Timing>;

  /** A chart of anything against anything, shown beside the lesson's time and memory charts. */
  export interface Plot {
    /** Identifies the chart: plotting the same id again replaces it. */
    id: string;
    title: string;
    x: { label: string; log?: boolean };
    y: { label: string; log?: boolean };
    series: { label: string; points: readonly (readonly [number, number])[]; dashed?: boolean }[];
  }

  /** Draw (or redraw) a chart on the page. */
  export function plot(plot: Plot): void;
}

declare module '*.wgsl' {
  const source: string;
  export default source;
}
