/**
 * The run request's compiled modules on the wire: WebAssembly bytes only, each size-capped, as
 * the schemas check them on every hop (frame and run worker). Cost: milliseconds.
 */
import { describe, expect, test } from 'vitest';
import { PROTOCOL_VERSION, type RunRequest } from '$lib/runtime/protocol';
import { LIMITS } from '$lib/runtime/protocol/limits';
import { parseHostMessage } from '$lib/runtime/protocol/schemas';

const request = (modules: unknown): unknown => ({
  v: PROTOCOL_VERSION,
  type: 'run',
  runId: 1,
  request: {
    lesson: null,
    files: { 'main.ts': '', 'k.as.ts': '' },
    mode: 'run',
    backend: 'simd',
    sweep: { n: [16], warmup: 0, repeats: 1, budgetMs: 1000 },
    wasmBudgetBytes: 1 << 20,
    modules
  } satisfies Omit<RunRequest, 'modules'> & { modules: unknown }
});

describe('run request modules', () => {
  test('module bytes are accepted, and so is a request without modules', () => {
    expect(parseHostMessage(request({ 'k.as.ts': new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]) })).ok).toBe(true);
    expect(parseHostMessage(request(undefined)).ok).toBe(true);
  });

  test('anything but bytes is refused: a URL, a name, shared memory', () => {
    for (const bad of ['https://example.com/k.wasm', { 'k.as.ts': 'k.wasm' }, { 'k.as.ts': [0, 97, 115, 109] }]) {
      expect(parseHostMessage(request(bad)).ok).toBe(false);
    }
    const shared = new Uint8Array(new SharedArrayBuffer(8));
    expect(parseHostMessage(request({ 'k.as.ts': shared })).ok).toBe(false);
  });

  test('a module over the size cap is refused, with the cap in the reason', () => {
    const r = parseHostMessage(request({ 'k.as.ts': new Uint8Array(LIMITS.simdModuleBytes + 1) }));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(`${LIMITS.simdModuleBytes / 1024 / 1024} MiB`);
  });
});
