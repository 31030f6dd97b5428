/**
 * The protocol's schemas and limits: what each boundary accepts and refuses, without a browser.
 * The hostile end-to-end suite (tests/e2e/hostile-sandbox.spec.ts) sends the same kinds of
 * messages through the real sandbox.
 */
import { describe, expect, test } from 'vitest';
import { PROTOCOL_VERSION, type SandboxMessage } from '$lib/runtime/protocol';
import {
  LIMITS,
  OutputBudget,
  clampMessage,
  droppedNotes,
  ortCallId,
  truncateText
} from '$lib/runtime/protocol/limits';
import {
  ortCallProblem,
  parseFrameMessage,
  parseHostMessage,
  parseSandboxMessage
} from '$lib/runtime/protocol/schemas';
import { parseOrtRequest, parseOrtResponse } from '$lib/runtime/ort/messages';

const v = PROTOCOL_VERSION;
const tensor = (shape: number[]) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
const model = new Uint8Array([8, 7, 18, 4]);

describe('run worker → frame → host messages', () => {
  test('well-formed messages pass', () => {
    const messages: SandboxMessage[] = [
      { v, type: 'log', runId: 1, level: 'log', text: 'hello' },
      { v, type: 'done', runId: 1, ok: true, leakedGpuBuffers: 0, liveGpuBuffers: 0, dropped: { log: 3 } },
      { v, type: 'ort-run', runId: 2, callId: ortCallId(2, 0), model, feeds: { x: tensor([2, 3]) }, ep: 'wasm' },
      {
        v,
        type: 'check',
        runId: 1,
        result: { id: 'a', title: 'A', status: 'pass', message: 'ok', key: 'kit.ok', params: { n: 3, name: 'x' } }
      },
      {
        v,
        type: 'plot',
        runId: 1,
        plot: {
          id: 'p',
          title: 'P',
          x: { label: 'n' },
          y: { label: 'ms', log: true },
          series: [{ label: 's', points: [[1, NaN]] }]
        }
      },
      { v, type: 'point', runId: 1, point: { series: 's', n: 64, status: 'measured', medianMs: 1, samplesMs: [1, 2] } }
    ];
    for (const m of messages) expect(parseSandboxMessage(m), m.type).toMatchObject({ ok: true, message: m });
    expect(parseFrameMessage({ v, type: 'ready' }).ok).toBe(true);
    expect(parseSandboxMessage({ v, type: 'ready' }).ok).toBe(false);
  });

  test('unknown types, other versions, a null error and a missing run id are refused, never thrown', () => {
    const bad: unknown[] = [
      null,
      'log',
      { v, type: 'surprise', runId: 1 },
      { v: 1, type: 'log', runId: 1, level: 'log', text: 'old' },
      { v, type: 'error', runId: 1, error: null },
      { v, type: 'log', level: 'log', text: 'no run' },
      { v, type: 'log', runId: 0, level: 'log', text: 'run 0' },
      { v, type: 'log', runId: 1, level: 'shout', text: 'x' },
      { v, type: 'done', runId: 1, ok: 'yes', leakedGpuBuffers: 0, liveGpuBuffers: 0 },
      { v, type: 'check', runId: 1, result: { id: 'a', title: 'A', status: 'passed', message: '' } }
    ];
    for (const m of bad) {
      const r = parseSandboxMessage(m);
      expect(r.ok, JSON.stringify(m)).toBe(false);
      if (!r.ok) expect(r.reason.length).toBeLessThanOrEqual(300);
    }
    const r = parseSandboxMessage({ v, type: 'error', runId: 4, error: null });
    expect(r).toMatchObject({ ok: false, runId: 4, type: 'error' });
  });

  test('malformed plots are refused', () => {
    const plot = (p: unknown) => parseSandboxMessage({ v, type: 'plot', runId: 1, plot: p }).ok;
    const base = { id: 'p', title: 'P', x: { label: 'n' }, y: { label: 'ms' } };
    expect(plot({ ...base, series: 'no' })).toBe(false);
    expect(plot({ ...base, series: [{ label: 's', points: 'no' }] })).toBe(false);
    expect(plot({ ...base, series: [{ label: 's', points: [['1', 2]] }] })).toBe(false);
    expect(plot({ ...base, series: [{ label: 's', points: [[1, 2, 3]] }] })).toBe(false);
    expect(plot({ ...base, x: null, series: [] })).toBe(false);
    const many = Array.from({ length: LIMITS.pointsPerPlot + 1 }, (_, i) => [i, i]);
    expect(plot({ ...base, series: [{ label: 's', points: many }] })).toBe(false);
    const split = many.slice(0, LIMITS.pointsPerPlot / 2 + 1);
    expect(
      plot({
        ...base,
        series: [
          { label: 'a', points: split },
          { label: 'b', points: split }
        ]
      })
    ).toBe(false);
  });

  test('sizes are capped, and a huge list is refused by its length', () => {
    const long = 'x'.repeat(LIMITS.logText + 1);
    expect(parseSandboxMessage({ v, type: 'log', runId: 1, level: 'log', text: long }).ok).toBe(false);
    const samples = new Array(1_000_000).fill(1);
    const t0 = performance.now();
    const r = parseSandboxMessage({
      v,
      type: 'point',
      runId: 1,
      point: { series: 's', n: 1, status: 'measured', samplesMs: samples }
    });
    expect(r.ok).toBe(false);
    expect(performance.now() - t0).toBeLessThan(50);
  });
});

describe('onnx.run', () => {
  test('only model bytes, a known execution provider and typed feeds pass', () => {
    expect(ortCallProblem(model, { x: tensor([4]) }, 'wasm')).toBeNull();
    expect(ortCallProblem('http://127.0.0.1:9/model.onnx', {}, 'wasm')).toMatch(/Uint8Array/);
    expect(ortCallProblem('/model.onnx', {}, 'wasm')).toMatch(/Uint8Array/);
    expect(ortCallProblem(new Uint8Array(0), {}, 'wasm')).not.toBeNull();
    expect(ortCallProblem(model.buffer, {}, 'wasm')).not.toBeNull();
    expect(ortCallProblem(model, {}, 'cuda')).toMatch(/execution provider/);
    expect(ortCallProblem(model, { x: { shape: [2, 2], data: new Float32Array(3) } }, 'wasm')).toMatch(/product/);
    expect(ortCallProblem(model, { x: { shape: [2], data: [1, 2] } }, 'wasm')).toMatch(/Float32Array/);
    expect(ortCallProblem(model, { x: { shape: [1.5], data: new Float32Array(1) } }, 'wasm')).not.toBeNull();
    expect(
      ortCallProblem(model, { x: { shape: new Array(9).fill(1), data: new Float32Array(1) } }, 'wasm')
    ).not.toBeNull();
    const feeds = Object.fromEntries(
      Array.from({ length: LIMITS.tensorsPerCall + 1 }, (_, i) => [`x${i}`, tensor([1])])
    );
    expect(ortCallProblem(model, feeds, 'wasm')).not.toBeNull();
  });

  test('a refused ort-run still names its run and call, so it can be answered', () => {
    const r = parseSandboxMessage({
      v,
      type: 'ort-run',
      runId: 3,
      callId: ortCallId(3, 0),
      model: 'http://x/',
      feeds: {},
      ep: 'wasm'
    });
    expect(r).toMatchObject({ ok: false, type: 'ort-run', runId: 3, callId: ortCallId(3, 0) });
    const q = parseOrtRequest({ type: 'run', id: 7, model: '/m.onnx', feeds: {}, ep: 'wasm' });
    expect(q).toMatchObject({ ok: false, callId: 7 });
    expect(parseOrtRequest({ type: 'run', id: 7, model, feeds: {}, ep: 'webgpu' }).ok).toBe(true);
    expect(parseOrtRequest({ type: 'cancel', id: 7 }).ok).toBe(true);
  });

  test('replies carry bounded, consistent tensors', () => {
    expect(parseOrtResponse({ id: 1, ok: true, ms: 1, outputs: { y: tensor([2, 2]) } }).ok).toBe(true);
    expect(
      parseOrtResponse({ id: 1, ok: true, ms: 1, outputs: { y: { shape: [5], data: new Float32Array(4) } } }).ok
    ).toBe(false);
    expect(parseOrtResponse({ id: 1, ok: false, message: 'x'.repeat(LIMITS.text + 1) }).ok).toBe(false);
    const result = { v, type: 'ort-result', runId: 2, callId: 5, outputs: { y: tensor([3]) }, ms: 0.5 };
    expect(parseHostMessage(result).ok).toBe(true);
    expect(parseHostMessage({ ...result, outputs: { y: { shape: [3], data: 'abc' } } }).ok).toBe(false);
  });

  test('call ids never repeat across runs', () => {
    const ids = new Set<number>();
    for (let run = 1; run <= 50; run++) for (let n = 0; n < 50; n++) ids.add(ortCallId(run, n));
    expect(ids.size).toBe(2500);
  });
});

describe('host → frame messages', () => {
  const request = {
    lesson: null,
    files: { 'main.ts': 'export function main() {}' },
    mode: 'run',
    backend: 'wasm',
    sweep: { n: [64, 128], warmup: 1, repeats: 3, budgetMs: 1000 },
    wasmBudgetBytes: 1 << 29
  };
  test('a run request is checked', () => {
    expect(parseHostMessage({ v, type: 'run', runId: 1, request }).ok).toBe(true);
    expect(parseHostMessage({ v, type: 'run', runId: 1, request: { ...request, backend: 'cuda' } }).ok).toBe(false);
    expect(parseHostMessage({ v, type: 'run', runId: 1, request: { ...request, lesson: '../x' } }).ok).toBe(false);
    expect(parseHostMessage({ v, type: 'run', runId: 1, request: { ...request, files: { a: 1 } } }).ok).toBe(false);
  });
});

describe('limits at the source', () => {
  test('long text is cut with a note of how much', () => {
    const t = truncateText('y'.repeat(30_000_000), LIMITS.logText);
    expect(t.length).toBeLessThanOrEqual(LIMITS.logText);
    expect(t).toMatch(/… \([\d,]+ more characters\)$/);
    expect(truncateText('short', 10)).toBe('short');
  });

  test('clamped messages fit the schemas', () => {
    const huge = 'z'.repeat(200_000);
    const messages: SandboxMessage[] = [
      { v, type: 'log', runId: 1, level: 'log', text: huge },
      { v, type: 'error', runId: 1, error: { kind: 'runtime', message: huge, file: huge } },
      { v, type: 'check', runId: 1, result: { id: huge, title: huge, status: 'fail', message: huge } },
      {
        v,
        type: 'plot',
        runId: 1,
        plot: {
          id: 'p',
          title: huge,
          x: { label: 'n' },
          y: { label: 'y' },
          series: Array.from({ length: 40 }, (_, i) => ({
            label: `s${i}`,
            points: Array.from({ length: 5_000 }, (_, j) => [j, j] as [number, number])
          }))
        }
      },
      {
        v,
        type: 'point',
        runId: 1,
        point: { series: 's', n: 1, status: 'error', reason: huge, samplesMs: new Array(5_000).fill(1) }
      }
    ];
    for (const m of messages) expect(parseSandboxMessage(clampMessage(m)).ok, m.type).toBe(true);
  });

  test('a run may print 1,000 lines; the rest are counted', () => {
    const budget = new OutputBudget();
    let passed = 0;
    for (let i = 0; i < 100_000; i++) if (budget.admit('log')) passed++;
    expect(passed).toBe(LIMITS.perRun.log);
    expect(budget.total({ log: 5 })).toEqual({ log: 100_000 - LIMITS.perRun.log + 5 });
    expect(droppedNotes(budget.total())).toEqual(['… 99,000 more log lines were dropped (at most 1,000 per run)']);
  });
});
