/** The lesson kit: keyed messages, checks that pass or fail with them, tensors, cases, probes' readers. */
import { describe, expect, test } from 'vitest';
import {
  cases,
  check,
  expectClose,
  expectTensor,
  fail,
  largestAllocation,
  learner,
  messages,
  reads,
  render,
  seeded,
  totalBytes
} from '$lib/lessons/kit';
import type { Lab, LessonContext, ProbeRecord } from '$lib/lessons/types';
import { nodeLab } from '../../support/run-in-node';

const lab = nodeLab().module as unknown as Lab;
const ctx = (learnerExports: Record<string, unknown>): LessonContext => ({
  learner: learnerExports,
  lab,
  backend: 'wasm',
  probe: async (fn) => ({ result: await fn(), record: { allocations: [], dispatches: [], graphs: [] } })
});

describe('messages', () => {
  test('a key, its parameters and the English text', () => {
    const m = messages('01-attention', { 'not-causal': 'N = {n}: query {i} sees key {j}' });
    expect(m('not-causal', { n: 7, i: 0, j: 3 })).toEqual({
      key: '01-attention.not-causal',
      params: { n: 7, i: 0, j: 3 },
      text: 'N = 7: query 0 sees key 3'
    });
    expect(render('{a} and {missing}', { a: 1 })).toBe('1 and {missing}');
  });
});

describe('check', () => {
  const m = messages('t', { ok: 'fine at {n}', bad: 'wrong at {n}' });
  test('a returned message passes, fail() fails, both keyed', async () => {
    const good = check({ id: 'a', title: 'A', run: () => m('ok', { n: 1 }) });
    expect(await good.run(ctx({}))).toEqual({ pass: true, message: 'fine at 1', key: 't.ok', params: { n: 1 } });
    const bad = check({ id: 'b', title: 'B', run: () => fail(m('bad', { n: 2 })) });
    expect(await bad.run(ctx({}))).toMatchObject({ pass: false, message: 'wrong at 2', key: 't.bad' });
  });

  test("the learner's own errors propagate (the runner locates them in their file)", async () => {
    const c = check({
      id: 'c',
      title: 'C',
      run: () => {
        throw new TypeError('x is undefined');
      }
    });
    await expect(c.run(ctx({}))).rejects.toThrow('x is undefined');
  });

  test('learner(): a missing export or one of the wrong type says what main.ts must export', async () => {
    const c = check({
      id: 'd',
      title: 'D',
      run: (x) => {
        learner(x, 'attention', 'attention(q, k, v): Promise<Tensor>');
        return m('ok', { n: 0 });
      }
    });
    expect((await c.run(ctx({ other: () => 1 }))).message).toBe(
      'main.ts must export a function attention(q, k, v): Promise<Tensor>; it exports other'
    );
    expect((await c.run(ctx({ attention: 3 }))).message).toBe(
      'main.ts exports attention, but it is a number, not a function attention(q, k, v): Promise<Tensor>'
    );
    expect((await c.run(ctx({ attention: () => 1 }))).pass).toBe(true);
  });
});

describe('tensors', () => {
  const run = async (body: () => void) =>
    (await check({ id: 'x', title: 'x', run: () => (body(), { key: 'k', params: {}, text: 'ok' }) }).run(ctx({})))
      .message;

  test('expectTensor names what came back and the shapes', async () => {
    expect(await run(() => expectTensor([1, 2], [2], 'attention'))).toBe(
      'attention must return a Tensor { shape, data: Float32Array }, got [1,2]'
    );
    expect(await run(() => expectTensor({ shape: [2], data: [1, 2] }, [2], 'attention'))).toContain(
      'whose data is array, not a Float32Array'
    );
    expect(await run(() => expectTensor(lab.tensors.zeros([3, 2]), [2, 3], 'attention'))).toBe(
      'attention: expected shape [2, 3], got [3, 2]'
    );
  });

  test('expectClose: the first mismatch by row and column, then the hint', async () => {
    const want = { shape: [2, 2], data: [1, 2, 3, 4] };
    const got = lab.tensors.from([2, 2], [1, 2, 3, 5]);
    expect(await run(() => expectClose(lab, got, want, { atol: 1e-5, rtol: 1e-4 }, 'N = 2', 'f'))).toMatch(
      /^N = 2: row 1, column 1 differs: got 5, expected 4/
    );
    expect(
      await run(() => expectClose(lab, got, want, { atol: 1e-5, rtol: 1e-4 }, 'N = 2', 'f', () => 'Mask the future.'))
    ).toMatch(/\. Mask the future\.$/);
    expect(
      await run(() => expectClose(lab, lab.tensors.from([2, 2], [1, 2, 3, 4]), want, { atol: 0, rtol: 0 }, '', 'f'))
    ).toBe('ok');
  });
});

describe('cases and inputs', () => {
  test('edge cases are added unless present: N = 1 and N not a multiple of the block', () => {
    const make = (n: number) => ({ n, d: 8 });
    expect(cases([{ n: 64, d: 8 }], { block: 16, make }).map((c) => c.n)).toEqual([1, 64, 19]);
    expect(
      cases(
        [
          { n: 1, d: 8 },
          { n: 7, d: 8 }
        ],
        { block: 16, make }
      ).map((c) => c.n)
    ).toEqual([1, 7]);
  });

  test('seeded inputs are reproducible and distinct by name', () => {
    const a = seeded(lab, { q: [4, 2], k: [4, 2] }, 10);
    const b = seeded(lab, { q: [4, 2], k: [4, 2] }, 10);
    expect(Array.from(a.q.data)).toEqual(Array.from(b.q.data));
    expect(Array.from(a.q.data)).not.toEqual(Array.from(a.k.data));
  });
});

describe('reading a probe record', () => {
  const record: ProbeRecord = {
    allocations: [
      { kind: 'gpu', label: 'q', bytes: 256 },
      { kind: 'gpu', label: 'scores', bytes: 4096 }
    ],
    dispatches: [
      { file: 'a.wgsl', entryPoint: 'main', workgroups: [1, 1, 1], repeat: 1, reads: { q: 10, k: 5 } },
      { file: 'a.wgsl', entryPoint: 'main', workgroups: [1, 1, 1], repeat: 1, reads: { q: 1 } }
    ],
    graphs: [
      {
        ops: ['MatMul'],
        values: [{ name: 's', shape: [32, 32] }],
        inputs: [],
        outputs: [],
        transferred: 0
      }
    ]
  };
  test('largest allocation, total bytes, reads per binding', () => {
    expect(largestAllocation(record)?.text).toBe("buffer 'scores' (4.00 KiB)");
    expect(totalBytes(record)).toBe(256 + 4096 + 4096);
    expect(reads(record, 'q')).toBe(11);
    expect(reads(record, 'v')).toBe(0);
    expect(reads({ ...record, dispatches: [] }, 'q')).toBeNull();
  });
});
