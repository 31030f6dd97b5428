/** CSV export: formula-looking text is neutralised, separators are quoted, numbers stay numbers. */
import { describe, expect, it } from 'vitest';
import type { SweepPoint } from '$lib/bench/types';
import { type RunContext, csvCell, toCsv } from '$lib/charts/export';

const ctx: RunContext = {
  lesson: '01-attention',
  backend: 'WASM (1 thread)',
  adapter: 'CPU',
  browser: 'Chrome 156',
  wasmThreads: 1,
  date: '2025-01-01'
};

describe('csvCell', () => {
  it.each([
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+1+2', "'+1+2"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"]
  ])('neutralises %j', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it('quotes commas, quotes and newlines', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rhere')).toBe('"cr\rhere"');
  });

  it('leaves plain text and numbers alone, negative numbers included', () => {
    expect(csvCell('naive')).toBe('naive');
    expect(csvCell(-1.5)).toBe('-1.5');
    expect(csvCell(1024)).toBe('1024');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(null)).toBe('');
  });
});

describe('toCsv', () => {
  it('writes hostile labels and notes as inert, well-formed cells', () => {
    const points: SweepPoint[] = [
      { series: '=cmd|"/c calc"!A1', n: 64, status: 'measured', medianMs: 1.25, peakBytes: 4096 },
      { series: 'ok, fine', n: 128, status: 'error', reason: '@bad\nnews' }
    ];
    const csv = toCsv(points, ctx, (n) => n * 4);
    const lines = csv.split('\n');
    const header = lines.findIndex((l) => l.startsWith('series,'));
    expect(lines.slice(0, header).every((l) => l.startsWith('# '))).toBe(true);
    expect(lines[header + 1]).toBe(`"'=cmd|""/c calc""!A1",64,measured,1.25,,,,4096,256,`);
    expect(lines[header + 2]).toBe(`"ok, fine",128,error,,,,,,512,"'@bad`);
    expect(lines[header + 3]).toBe(`news"`);
    // No cell anywhere starts with a formula character once parsed.
    for (const line of lines.slice(header + 1, header + 3)) {
      expect(line.split(',')[0]).not.toMatch(/^"?[=+\-@]/);
    }
  });
});
