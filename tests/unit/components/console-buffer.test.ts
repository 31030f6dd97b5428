/** The console's bounded buffer: newest lines kept, the rest counted; long lines and entries cut. */
import { describe, expect, test } from 'vitest';
import { ConsoleBuffer, MAX_ENTRY_CHARS, MAX_LINE_CHARS } from '$lib/components/console-buffer.svelte';

describe('ConsoleBuffer', () => {
  test('keeps the newest lines up to its cap and counts the dropped ones', () => {
    const b = new ConsoleBuffer(5);
    for (let i = 0; i < 12; i++) b.push('log', `line ${i}`);
    b.flush();
    expect(b.length).toBe(5);
    expect(b.dropped).toBe(7);
    expect(b.slice(0, 5).map((l) => l.text)).toEqual(['line 7', 'line 8', 'line 9', 'line 10', 'line 11']);
    // Keys stay unique as lines come and go.
    const seqs = b.slice(0, 5).map((l) => l.seq);
    expect(new Set(seqs).size).toBe(5);
  });

  test('one entry of many lines keeps only the newest, without building the others', () => {
    const b = new ConsoleBuffer(3);
    // 20,000 short lines: under the cap on one entry's characters, so only the line cap applies.
    b.push('warn', Array.from({ length: 20_000 }, (_, i) => `l${i}`).join('\n'));
    b.flush();
    expect(b.slice(0, 3).map((l) => l.text)).toEqual(['l19997', 'l19998', 'l19999']);
    expect(b.dropped).toBe(19_997);
  });

  test('a long line is cut, saying how much; a huge entry is cut before it is split', () => {
    const b = new ConsoleBuffer(10);
    b.push('log', 'x'.repeat(MAX_LINE_CHARS + 250));
    b.push('error', 'y'.repeat(MAX_ENTRY_CHARS + 5_000_000));
    b.flush();
    const [long, huge] = b.slice(0, 2);
    expect(long.text).toHaveLength(MAX_LINE_CHARS);
    expect(long.cut).toBe(250);
    expect(huge.text).toHaveLength(MAX_LINE_CHARS);
    expect(huge.cut).toBe(MAX_ENTRY_CHARS - MAX_LINE_CHARS + 5_000_000);
    expect(huge.level).toBe('error');
  });

  test('clear empties the buffer and the count of dropped lines', () => {
    const b = new ConsoleBuffer(2);
    for (let i = 0; i < 5; i++) b.push('log', String(i));
    b.clear();
    expect(b.length).toBe(0);
    expect(b.dropped).toBe(0);
    expect(b.slice(0, 10)).toEqual([]);
  });
});
