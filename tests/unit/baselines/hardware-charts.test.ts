/**
 * The charts that back the lessons' hardware claims, from the solutions' sweeps in Node (WASM):
 * lessons 02–04 chart their decode step's GB/s beside a plain pass over the same bytes (one point per
 * measured N, both series; the values are timings, so only their presence is tested), and lessons
 * 12 and 14 chart the steps that must run in a row, counted from probes, which must be ⌈N/C⌉ and
 * ⌈log₂ N⌉ exactly. Also: what the WASM yardstick reads.
 */
import { describe, expect, test } from 'vitest';
import { copyKernel } from '$lib/baselines/copy';
import { lessons } from '$lib/lessons/loader';
import type { Lab } from '$lib/lessons/types';
import type { PlotData } from '$lib/runtime/protocol';
import { nodeLab, runInNode } from '../../support/run-in-node';

const all = lessons();

async function plots(slug: string, n: number[]): Promise<Map<string, PlotData>> {
  const lesson = all.find((l) => l.slug === slug);
  if (!lesson) throw new Error(`no lesson ${slug}`);
  const { messages } = await runInNode({
    lesson: slug,
    files: lesson.solution,
    mode: 'sweep',
    sweep: { n, warmup: 0, repeats: 1, budgetMs: 60_000 }
  });
  expect(messages.filter((m) => m.type === 'error')).toEqual([]);
  const byId = new Map<string, PlotData>();
  for (const m of messages) if (m.type === 'plot') byId.set(m.plot.id, m.plot);
  return byId;
}

const points = (plot: PlotData | undefined, label: RegExp) => plot?.series.find((s) => label.test(s.label))?.points;

describe.each(['02-kv-cache', '03-gqa', '04-mla'])('lesson %s', (slug) => {
  test('charts the decode step’s GB/s beside a plain pass over the same bytes, at every N', async () => {
    const n = [64, 128, 256];
    const chart = (await plots(slug, n)).get('bandwidth');
    for (const series of [/^decode step/, /^yardstick: /]) {
      const got = points(chart, series);
      expect(
        got?.map(([x]) => x),
        String(series)
      ).toEqual(n);
      for (const [, gbps] of got ?? []) expect(Number.isFinite(gbps) && gbps > 0).toBe(true);
    }
  });
});

test('lesson 12 counts ⌈N/C⌉ chunk states from its probes', async () => {
  const chart = (await plots('12-chunkwise', [64, 100, 256])).get('depth');
  expect(points(chart, /^chunkwise/)).toEqual([
    [64, 4],
    [100, 7],
    [256, 16]
  ]);
  expect(points(chart, /^recurrent/)).toEqual([
    [64, 64],
    [100, 100],
    [256, 256]
  ]);
});

test('lesson 14 counts ⌈log₂ N⌉ scan rounds from its probes', async () => {
  const chart = (await plots('14-mamba', [256, 1000])).get('depth');
  expect(points(chart, /^parallel scan/)).toEqual([
    [256, 8],
    [1000, 10]
  ]);
});

test('the WASM yardstick reads its bytes once: one ReduceSum, 4 bytes moved per float', async () => {
  const lab = nodeLab().module as unknown as Lab;
  const kernel = copyKernel(lab, 4 * 1000);
  const out = (await kernel.run()) as Record<string, { data: Float32Array }>;
  expect([...Object.values(out)[0].data]).toEqual([0]);
  expect(kernel.moved).toBe(4 * 1000);
  kernel.release();
});
