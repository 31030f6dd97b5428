/**
 * Instantiates the learner's compiled AssemblyScript modules inside the sandbox (or in Node), and
 * moves tensors in and out of their linear memory: `lab.simd.instantiate(file)` in lab.d.ts.
 * Each instance has a memory of its own, dropped with the instance; allocations go through the
 * module's own allocator (`__new` of AssemblyScript's stub runtime), so the learner's code may
 * allocate too. After every call the lab is told the memory's size, which it counts like a tensor.
 * An `abort` inside the module (a failed assertion, an out-of-range index) becomes an error at
 * the learner's file and line; growing past the module's maximum (the WASM budget) traps.
 *
 * Cost: compiling the module once per run (microseconds for a kernel), a fresh instance per call
 * of `instantiate`, and a copy per `put`/`get`.
 */
import type { Tensor } from 'lab';
import { LabError, apiError } from '../lab/errors';
import { SIMD_MAX_PAGES } from './compile';

export interface SimdHooks {
  /** The instance's memory is now `bytes` long (after instantiation, each call, put or alloc). */
  memory(instance: object, bytes: number): void;
  /** A tensor copied out of the module (counted like any tensor the lab makes). */
  track(t: Tensor): Tensor;
}

/** Read an AssemblyScript string (UTF-16, its byte length stored just before it). */
function readString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return '';
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
  const units = new Uint16Array(memory.buffer, ptr, Math.min(bytes >>> 1, 1000));
  let s = '';
  for (const u of units) s += String.fromCharCode(u);
  return s;
}

const MAX_BYTES = SIMD_MAX_PAGES * 65536;

/** Makes instances of the run's compiled modules (`modules`: file name → WebAssembly bytes). */
export function createSimd(modules: Record<string, Uint8Array>, hooks: SimdHooks) {
  const compiled = new Map<string, WebAssembly.Module>();

  function moduleOf(file: string): WebAssembly.Module {
    let m = compiled.get(file);
    if (m) return m;
    const bytes = Object.hasOwn(modules, file) ? modules[file] : undefined;
    if (!bytes) {
      const names = Object.keys(modules);
      throw apiError(
        `simd.instantiate('${file}'): there is no compiled module by that name` +
          (names.length
            ? ` (compiled: ${names.join(', ')})`
            : ': name an .as.ts file of this lesson, on the simd backend')
      );
    }
    m = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    compiled.set(file, m);
    return m;
  }

  function instantiate(file: string) {
    if (typeof file !== 'string') throw apiError('simd.instantiate(file) needs the name of an .as.ts file');
    let memory: WebAssembly.Memory | null = null;
    const env = {
      abort(msg: number, fileName: number, line: number, column: number) {
        const text = memory ? readString(memory, msg) : '';
        const where = memory ? readString(memory, fileName) : '';
        const own = where.endsWith(file) || where === file.replace(/\.ts$/, '');
        throw new LabError({
          kind: 'runtime',
          message: `${own ? `${file}:${line}:${column}` : `${where || file}:${line}`}: abort: ${text || 'assertion failed'}`,
          ...(own && { file, line, column })
        });
      },
      trace(msg: number) {
        void msg;
      },
      seed: () => 1
    };
    const instance = new WebAssembly.Instance(moduleOf(file), { env });
    const ex = instance.exports as Record<string, unknown>;
    if (!(ex.memory instanceof WebAssembly.Memory) || typeof ex.__new !== 'function') {
      throw apiError(`${file} was not compiled for the lab (no memory or allocator exported)`);
    }
    memory = ex.memory;
    const mem = memory;
    const alloc = ex.__new as (size: number, id: number) => number;
    const handle = {};
    const report = () => hooks.memory(handle, mem.buffer.byteLength);
    const guard = <R>(fn: () => R): R => {
      try {
        return fn();
      } catch (e) {
        if (e instanceof WebAssembly.RuntimeError) {
          const grown = mem.buffer.byteLength;
          const why =
            /unreachable/.test(e.message) && grown + 65536 * 16 >= MAX_BYTES
              ? `its memory reached the limit (${MAX_BYTES / 1024 / 1024} MiB)`
              : e.message;
          throw new LabError({ kind: 'runtime', message: `${file}: the module trapped: ${why}` });
        }
        throw e;
      } finally {
        report();
      }
    };
    report();

    const exports: Record<string, (...args: number[]) => number> = {};
    for (const [name, value] of Object.entries(ex)) {
      if (typeof value !== 'function' || name.startsWith('__')) continue;
      const fn = value as (...args: number[]) => number;
      exports[name] = (...args: number[]) => guard(() => fn(...args));
    }

    function reserve(bytes: number): number {
      if (!Number.isInteger(bytes) || bytes < 0 || bytes > MAX_BYTES) {
        throw apiError(`${file}: cannot reserve ${bytes} bytes (at most ${MAX_BYTES / 1024 / 1024} MiB)`);
      }
      // id 1 is AssemblyScript's ArrayBuffer: the stub runtime aligns every block to 16 bytes.
      return guard(() => alloc(Math.max(bytes, 16), 1)) >>> 0;
    }

    return Object.freeze({
      exports: Object.freeze(exports),
      put(t: Tensor): number {
        if (!t || !(t.data instanceof Float32Array)) throw apiError('put(tensor) needs a lab tensor');
        const ptr = reserve(t.data.byteLength);
        new Float32Array(mem.buffer, ptr, t.data.length).set(t.data);
        return ptr;
      },
      alloc(elements: number): number {
        const ptr = reserve(4 * elements);
        new Float32Array(mem.buffer, ptr, elements).fill(0);
        return ptr;
      },
      get(address: number, shape: readonly number[]): Tensor {
        const count = shape.reduce((a, b) => a * b, 1);
        if (
          !Number.isInteger(address) ||
          address < 0 ||
          address % 4 !== 0 ||
          address + 4 * count > mem.buffer.byteLength
        ) {
          throw apiError(`get(${address}, [${shape.join(', ')}]) reads outside ${file}'s memory`);
        }
        return hooks.track({
          shape: [...shape],
          data: new Float32Array(mem.buffer.slice(address, address + 4 * count))
        });
      },
      get memoryBytes() {
        return mem.buffer.byteLength;
      }
    });
  }

  return { instantiate, available: Object.keys(modules).length > 0 };
}
