import { describe, expect, test } from 'vitest';
import { MemoryTracker } from '$lib/bench/memory';
import { limitReason, runSweep, sampleOf, timeRepeats } from '$lib/bench/sweep';
import type { DeviceLimits, SweepPoint } from '$lib/bench/types';

const MiB = 1024 * 1024;
const limits: DeviceLimits = {
  maxBindingBytes: 128 * MiB,
  bindingLimitName: 'maxStorageBufferBindingSize',
  maxTotalBytes: 512 * MiB,
  totalLimitName: 'budget'
};

/** A fake clock: each run advances time by cost(n) ms, so the sweep's arithmetic is deterministic. */
function env(cost: (n: number) => number, budgetMs = 1e9) {
  let now = 0;
  const points: SweepPoint[] = [];
  const tracker = new MemoryTracker();
  return {
    points,
    tracker,
    advance: (ms: number) => (now += ms),
    env: {
      now: () => now,
      tracker,
      limits,
      budgetMs,
      takeDeviceTime: () => null,
      emit: (p: SweepPoint) => points.push(p)
    },
    cost
  };
}

describe('runSweep', () => {
  test('one point per N, median of the repeats, peak bytes of one repeat plus the inputs', async () => {
    const e = env((n) => n);
    await runSweep(
      {
        label: 's',
        n: [4, 8],
        warmup: 1,
        repeats: 3,
        setup: (n) => {
          e.tracker.alloc('input', n); // stays live for the whole point
          return n;
        },
        run: (n) => {
          const id = e.tracker.alloc('scratch', n * n);
          e.advance(n);
          e.tracker.free(id);
        }
      },
      e.env
    );
    expect(e.points.map((p) => [p.n, p.status, p.medianMs, p.timer])).toEqual([
      [4, 'measured', 4, 'wall'],
      [8, 'measured', 8, 'wall']
    ]);
    expect(e.points[0].peakBytes).toBe(4 + 16);
    expect(e.points[1].peakBytes).toBe(8 + 64);
  });

  test('a point over the device limit is not run and says why', async () => {
    const e = env(() => 1);
    let ran = 0;
    await runSweep(
      {
        label: 's',
        n: [4096, 8192],
        warmup: 0,
        repeats: 1,
        setup: () => 0,
        run: () => {
          ran++;
          e.advance(5);
        },
        bytes: (n) => ({ largest: 4 * n * n, total: 4 * n * n })
      },
      e.env
    );
    expect(ran).toBe(1); // N = 4096 once (no warm-up, one repeat); N = 8192 never
    expect(e.points[1].status).toBe('skipped-limit');
    expect(e.points[1].reason).toBe('largest buffer 256 MiB exceeds maxStorageBufferBindingSize (128 MiB)');
    expect(limitReason({ largest: 1, total: 600 * MiB }, limits)).toMatch(/over budget/);
  });

  test('a point predicted to overrun the budget is skipped, not started', async () => {
    // Quadratic cost: 100 ms at n=10; n=20 would cost ~400 ms × 2 runs, over a 500 ms budget.
    const e = env(() => 0, 500);
    const ran: number[] = [];
    await runSweep(
      {
        label: 's',
        n: [10, 20],
        warmup: 1,
        repeats: 1,
        setup: (n) => n,
        run: (n) => {
          ran.push(n);
          e.advance((n / 10) ** 2 * 100);
        }
      },
      e.env
    );
    expect(ran).toEqual([10, 10]);
    expect(e.points[1].status).toBe('skipped-time');
    expect(e.points[1].reason).toMatch(/would take about 800 ms/);
  });

  test('an error in the code stops the sweep and is reported on the point', async () => {
    const e = env(() => 1);
    await expect(
      runSweep(
        {
          label: 's',
          n: [1, 2],
          warmup: 0,
          repeats: 1,
          setup: () => 0,
          run: () => {
            throw new Error('boom');
          }
        },
        e.env
      )
    ).rejects.toThrow('boom');
    expect(e.points).toEqual([{ series: 's', n: 1, status: 'error', reason: 'boom' }]);
  });
});

describe('timeRepeats', () => {
  test('a call too short for the clock is batched: each sample is the mean of enough calls', async () => {
    const e = env(() => 0);
    let calls = 0;
    const r = await timeRepeats(
      () => {
        calls++;
        e.advance(0.1);
      },
      e.env,
      1,
      3
    );
    // 0.1 ms per call: 2 ms needs 20 calls per sample; 1 warm-up + 3 × 20.
    expect(r.inner).toBe(20);
    expect(calls).toBe(61);
    r.samples.forEach((ms) => expect(ms).toBeCloseTo(0.1, 9));
  });

  test('a call far below a coarse clock grows its batch until a sample can be measured (never 0 ms)', async () => {
    const e = env(() => 0);
    // A clock that resolves 0.1 ms, as in a sandboxed page, and a call of 0.5 µs.
    const coarse = { ...e.env, now: () => Math.floor(e.env.now() / 0.1 + 1e-9) * 0.1 };
    const r = await timeRepeats(() => void e.advance(0.0005), coarse, 1, 3);
    expect(r.inner).toBeGreaterThanOrEqual(2 / 0.0005 / 2);
    r.samples.forEach((ms) => expect(ms).toBeGreaterThan(0));
    r.samples.forEach((ms) => expect(ms).toBeCloseTo(0.0005, 4));
  });

  test('a first call slowed by compilation does not leave later, fast samples unbatched at 0 ms', async () => {
    const e = env(() => 0);
    const coarse = { ...e.env, now: () => Math.floor(e.env.now() / 0.1 + 1e-9) * 0.1 };
    let first = true;
    const r = await timeRepeats(
      () => {
        e.advance(first ? 5 : 0.0005);
        first = false;
      },
      coarse,
      1,
      3
    );
    expect(r.samples).toHaveLength(3);
    r.samples.forEach((ms) => expect(ms).toBeGreaterThan(0));
  });
});

describe('sampleOf', () => {
  test('GPU work is timed by its timestamps; ONNX work by the wall clock less message hops', () => {
    expect(sampleOf(50, null)).toEqual({ ms: 50, timer: 'wall' });
    expect(sampleOf(50, { ms: 3, timer: 'gpu-timestamp', hopMs: 0 })).toEqual({ ms: 3, timer: 'gpu-timestamp' });
    // 50 ms of wall clock, 12 of them in message hops: the graph (30 ms) and 8 ms of CPU code count.
    expect(sampleOf(50, { ms: 30, timer: 'ort-run', hopMs: 12 })).toEqual({ ms: 38, timer: 'ort-run' });
  });
});
