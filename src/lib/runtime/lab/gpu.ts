/**
 * The WebGPU half of the lesson API. Every buffer is labelled and recorded in the memory tracker;
 * everything a run creates is destroyed by `destroyAll` when the run ends. Shader errors come back
 * located in the learner's .wgsl file; kernel time comes from timestamp queries when the adapter
 * offers them.
 */
import type { Dispatch, GpuBuffer, Tensor } from 'lab';
import type { MemoryTracker } from '$lib/bench/memory';
import { formatBytes } from '$lib/bench/format';
import type { ProbeRecord } from '$lib/lessons/types';
import { gpuLimits } from '../limits';
import { LabError, apiError } from './errors';
import { size } from './tensors';
import { type ReadProbe, instrumentReads, readCounts } from './wgsl-probe';

interface Buf extends GpuBuffer {
  readonly gpu: GPUBuffer;
  readonly type: 'f32' | 'u32';
  readonly trackId: number;
  readonly serial: number;
}

export interface GpuTiming {
  record(ms: number): void;
}

export type GpuApi = ReturnType<typeof createGpu>;

/**
 * The buffer bindings a WGSL source declares in @group(0), in binding order, or null when they
 * are not a plain 0, 1, 2, … sequence of buffers (then the pipeline's own 'auto' layout is used).
 */
export function declaredBindings(code: string): GPUBufferBindingType[] | null {
  const found = new Map<number, GPUBufferBindingType>();
  const decl =
    /@(?:group\(\s*0\s*\)\s*@binding\(\s*(\d+)\s*\)|binding\(\s*(\d+)\s*\)\s*@group\(\s*0\s*\))\s*var\s*<\s*(uniform|storage)\s*(?:,\s*(read_write|read)\s*)?>/g;
  const source = code.replace(/\/\/.*$/gm, '');
  for (const m of source.matchAll(decl)) {
    const binding = Number(m[1] ?? m[2]);
    found.set(binding, m[3] === 'uniform' ? 'uniform' : m[4] === 'read_write' ? 'storage' : 'read-only-storage');
  }
  if (found.size === 0) return null;
  const kinds: GPUBufferBindingType[] = [];
  for (let i = 0; i < found.size; i++) {
    const k = found.get(i);
    if (!k) return null;
    kinds.push(k);
  }
  return kinds;
}

export interface GpuEnv {
  device: GPUDevice | null;
  tracker: MemoryTracker;
  timing: GpuTiming;
  fileOf(code: string): string | undefined;
  /** Allocation order shared with the lab's CPU tensors, so one mark covers both. */
  nextSerial(): number;
  /** The record of the probe that is running, if any. */
  probing(): ProbeRecord | null;
}

export function createGpu({ device, tracker, timing, fileOf, nextSerial, probing }: GpuEnv) {
  const live = new Set<Buf>();
  type Compiled = { pipe: GPUComputePipeline; layout: GPUBindGroupLayout };
  const pipelines = new Map<string, Promise<Compiled>>();
  const hasTimestamps = device?.features.has('timestamp-query') ?? false;

  function need(): GPUDevice {
    if (!device) {
      throw apiError(
        'WebGPU is not available in this run. Switch the backend to WASM, or open the page in a browser with WebGPU.'
      );
    }
    return device;
  }

  function make(
    label: string,
    bytes: number,
    usage: number,
    shape: readonly number[] | null,
    type: 'f32' | 'u32' = 'f32'
  ): Buf {
    const d = need();
    const limit = d.limits.maxStorageBufferBindingSize;
    if (bytes > limit || bytes > d.limits.maxBufferSize) {
      throw apiError(
        `buffer '${label}' needs ${formatBytes(bytes)}, over this device's maxStorageBufferBindingSize (${formatBytes(limit)}). Use a smaller N, or a kernel that does not materialise it.`
      );
    }
    // WebGPU needs sizes that are a multiple of 4 and not zero.
    const padded = Math.max(16, Math.ceil(bytes / 16) * 16);
    const gpu = d.createBuffer({ label, size: padded, usage, mappedAtCreation: false });
    const b: Buf = {
      label,
      size: bytes,
      shape: shape ? [...shape] : null,
      type,
      gpu,
      trackId: tracker.alloc(label, padded),
      serial: nextSerial()
    };
    live.add(b);
    probing()?.allocations.push({ kind: 'gpu', label, bytes });
    return b;
  }

  function asBuf(b: GpuBuffer): Buf {
    if (!live.has(b as Buf)) throw apiError(`buffer '${b.label}' was released or belongs to another run`);
    return b as Buf;
  }

  function release(b: GpuBuffer): void {
    const buf = b as Buf;
    if (!live.delete(buf)) return;
    buf.gpu.destroy();
    tracker.free(buf.trackId);
  }

  async function pipeline(code: string, entryPoint: string, file: string, bindings: number): Promise<Compiled> {
    const key = `${entryPoint}\u0000${bindings}\u0000${code}`;
    let p = pipelines.get(key);
    if (!p) {
      p = (async () => {
        const d = need();
        const module = d.createShaderModule({ label: file, code });
        const info = await module.getCompilationInfo();
        const errors = info.messages.filter((m) => m.type === 'error');
        if (errors.length > 0) {
          const more = info.messages.map((m) => ({
            file,
            line: m.lineNum,
            column: m.linePos,
            message: m.message,
            severity: m.type === 'error' ? ('error' as const) : ('warning' as const)
          }));
          const e = errors[0];
          throw new LabError({
            kind: 'wgsl',
            message: `${file}:${e.lineNum}:${e.linePos}: ${e.message}`,
            file,
            line: e.lineNum,
            column: e.linePos,
            more
          });
        }
        // When the dispatch binds every buffer the shader declares, an explicit layout from those
        // declarations keeps each slot, even one the entry point does not use yet (a starter's TODO),
        // where layout 'auto' would drop it. A file with several entry points, each binding a subset,
        // keeps the automatic layout.
        const declaredKinds = declaredBindings(code);
        const kinds = declaredKinds?.length === bindings ? declaredKinds : null;
        try {
          const layout = kinds
            ? d.createBindGroupLayout({
                label: `${file} bindings`,
                entries: kinds.map((type, binding) => ({
                  binding,
                  visibility: GPUShaderStage.COMPUTE,
                  buffer: { type }
                }))
              })
            : null;
          const pipe = await d.createComputePipelineAsync({
            label: file,
            layout: layout ? d.createPipelineLayout({ label: file, bindGroupLayouts: [layout] }) : 'auto',
            compute: { module, entryPoint }
          });
          return { pipe, layout: layout ?? pipe.getBindGroupLayout(0) };
        } catch (err) {
          throw new LabError({ kind: 'wgsl', file, message: `${file}: ${(err as Error).message}` });
        }
      })();
      pipelines.set(key, p);
      p.catch(() => pipelines.delete(key));
    }
    return p;
  }

  async function dispatch(job: Dispatch): Promise<{ gpuMs: number | null }> {
    const d = need();
    // Each field is read once: what runs is what a probe records.
    const code = job.code;
    const entryPoint = job.entryPoint ?? 'main';
    const file = job.file ?? fileOf(code) ?? 'shader.wgsl';
    const bindings = [...job.bindings];
    const record = probing();
    // In a probe, an instrumented copy of the shader counts its reads of read-only buffers; when
    // it cannot be built, the learner's shader runs and the reads are unknown (null).
    let counting: { probe: ReadProbe; compiled: Compiled } | null = null;
    let reads: Record<string, number> | null = null;
    if (record) {
      const probe = instrumentReads(code, entryPoint);
      if (probe && probe.names.length === 0) reads = {};
      else if (probe) {
        counting = await pipeline(probe.code, entryPoint, file, bindings.length + 1).then(
          (compiled) => ({ probe, compiled }),
          () => null
        );
      }
    }
    const { pipe, layout } = counting?.compiled ?? (await pipeline(code, entryPoint, file, bindings.length));
    const [x, y = 1, z = 1] = job.workgroups;
    const maxWg = d.limits.maxComputeWorkgroupsPerDimension;
    for (const [axis, count] of [
      ['x', x],
      ['y', y],
      ['z', z]
    ] as const) {
      if (!Number.isInteger(count) || count < 1 || count > maxWg) {
        throw apiError(`workgroups.${axis} must be an integer from 1 to ${maxWg} (this device's limit), got ${count}`);
      }
    }
    const repeat = Math.max(1, Math.floor(job.repeat ?? 1));
    const gpuBuffers = bindings.map((b) => asBuf(b).gpu);
    d.pushErrorScope('validation');
    // The counters are the harness's own buffers: outside the memory tracker and the probe's allocations.
    const counterBytes = counting?.probe.bytes ?? 0;
    const counters = counting
      ? d.createBuffer({
          label: 'probe read counters',
          size: counterBytes,
          usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC
        })
      : null;
    const countersRead = counting
      ? d.createBuffer({
          label: 'probe read counters read-back',
          size: counterBytes,
          usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST
        })
      : null;
    const entries: GPUBindGroupEntry[] = gpuBuffers.map((buffer, binding) => ({ binding, resource: { buffer } }));
    if (counting && counters) entries.push({ binding: counting.probe.binding, resource: { buffer: counters } });
    const bindGroup = d.createBindGroup({ label: `${file} bindings`, layout, entries });
    const query = hasTimestamps ? d.createQuerySet({ label: 'timestamps', type: 'timestamp', count: 2 }) : null;
    const resolve = query
      ? d.createBuffer({ label: 'timestamps', size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC })
      : null;
    const readTs = query
      ? d.createBuffer({ label: 'timestamps read', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST })
      : null;
    const cleanUp = () => {
      for (const o of [query, resolve, readTs, counters, countersRead]) o?.destroy();
    };
    const enc = d.createCommandEncoder({ label: file });
    const pass = enc.beginComputePass({
      label: file,
      timestampWrites: query ? { querySet: query, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } : undefined
    });
    pass.setPipeline(pipe);
    pass.setBindGroup(0, bindGroup);
    for (let i = 0; i < repeat; i++) pass.dispatchWorkgroups(x, y, z);
    pass.end();
    if (query && resolve && readTs) {
      enc.resolveQuerySet(query, 0, 2, resolve, 0);
      enc.copyBufferToBuffer(resolve, 0, readTs, 0, 16);
    }
    if (counters && countersRead) enc.copyBufferToBuffer(counters, 0, countersRead, 0, counterBytes);
    d.queue.submit([enc.finish()]);
    const err = await d.popErrorScope();
    if (err) {
      cleanUp();
      throw new LabError({ kind: 'wgsl', file, message: `${file}: ${err.message}` });
    }
    await d.queue.onSubmittedWorkDone();
    let gpuMs: number | null = null;
    if (readTs) {
      await readTs.mapAsync(GPUMapMode.READ);
      const t = new BigUint64Array(readTs.getMappedRange().slice(0));
      readTs.unmap();
      const ns = Number(t[1] - t[0]);
      if (ns > 0) gpuMs = ns / 1e6 / repeat;
    }
    if (counting && countersRead) {
      await countersRead.mapAsync(GPUMapMode.READ);
      reads = readCounts(counting.probe, new Uint32Array(countersRead.getMappedRange().slice(0)));
      countersRead.unmap();
    }
    cleanUp();
    if (gpuMs !== null) timing.record(gpuMs);
    // A dispatch still running when its probe ended (not awaited) is not the probe's.
    if (record && probing() === record) {
      record.dispatches.push({ file, entryPoint, workgroups: [x, y, z], repeat, reads });
    }
    return { gpuMs };
  }

  const api = {
    get available() {
      return device !== null;
    },
    get limits() {
      return gpuLimits(device);
    },
    input(tensor: Tensor, label: string): GpuBuffer {
      const b = make(label, tensor.data.byteLength, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, tensor.shape);
      need().queue.writeBuffer(b.gpu, 0, tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
      return b;
    },
    output(shape: readonly number[], label: string, type: 'f32' | 'u32' = 'f32'): GpuBuffer {
      if (type !== 'f32' && type !== 'u32') throw apiError(`output type must be 'f32' or 'u32', got '${String(type)}'`);
      return make(
        label,
        size(shape) * 4,
        GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
        shape,
        type
      );
    },
    scratch(elements: number, label: string): GpuBuffer {
      return make(label, elements * 4, GPUBufferUsage.STORAGE, null);
    },
    uniform(fields: Record<string, readonly ['u32' | 'i32' | 'f32', number]>, label: string): GpuBuffer {
      const entries = Object.entries(fields);
      const bytes = new ArrayBuffer(Math.max(16, Math.ceil((entries.length * 4) / 16) * 16));
      const view = new DataView(bytes);
      entries.forEach(([name, [type, value]], i) => {
        if (type !== 'f32' && !Number.isInteger(value)) {
          throw apiError(`uniform field '${name}' is ${type} but its value ${value} is not an integer`);
        }
        if (type === 'u32') view.setUint32(i * 4, value, true);
        else if (type === 'i32') view.setInt32(i * 4, value, true);
        else view.setFloat32(i * 4, value, true);
      });
      const b = make(label, bytes.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, null);
      need().queue.writeBuffer(b.gpu, 0, bytes);
      return b;
    },
    dispatch,
    write(buffer: GpuBuffer, tensor: Tensor, offset = 0): void {
      const b = asBuf(buffer);
      if (!Number.isInteger(offset) || offset < 0 || (offset + tensor.data.length) * 4 > b.size) {
        throw apiError(
          `write: ${tensor.data.length} values at element ${offset} do not fit buffer '${b.label}' (${b.size / 4} elements)`
        );
      }
      need().queue.writeBuffer(b.gpu, offset * 4, tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    },
    async read(buffer: GpuBuffer): Promise<Tensor> {
      const d = need();
      const b = asBuf(buffer);
      if (!b.shape)
        throw apiError(`buffer '${b.label}' has no shape to read back; make it with gpu.output(shape, label)`);
      const staging = d.createBuffer({
        label: `${b.label} read-back`,
        size: b.gpu.size,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST
      });
      const enc = d.createCommandEncoder({ label: `read ${b.label}` });
      enc.copyBufferToBuffer(b.gpu, 0, staging, 0, b.gpu.size);
      d.queue.submit([enc.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const bytes = staging.getMappedRange().slice(0, b.size);
      const data = b.type === 'u32' ? Float32Array.from(new Uint32Array(bytes)) : new Float32Array(bytes);
      staging.unmap();
      staging.destroy();
      return { shape: [...b.shape], data };
    },
    release
  };

  return {
    api,
    liveCount: () => live.size,
    /** Destroy the buffers made after a mark (a serial number from `nextSerial`). */
    destroySince(mark: number) {
      for (const b of [...live]) if (b.serial > mark) release(b);
    },
    destroyAll() {
      for (const b of [...live]) release(b);
    }
  };
}
