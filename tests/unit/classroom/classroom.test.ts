/** Progress files, the class grid and exam links: the classroom's pieces that need no browser. */
import { describe, expect, test } from 'vitest';
import { cellText, rows, toCsv } from '$lib/classroom/grid';
import { examFromQuery, examLink } from '$lib/classroom/exam';
import { createProgress } from '$lib/storage/progress';
import {
  exportProgress,
  importProgress,
  parseProgressFile,
  progressFileName,
  type ProgressFile
} from '$lib/storage/progress-file';
import type { StorageLike } from '$lib/storage/store';

function memoryStorage(): StorageLike {
  const map = new Map<string, string>();
  return {
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, String(v)),
    removeItem: (k) => void map.delete(k)
  };
}

const SLUGS = ['01-attention', '02-kv-cache', '05-flash-attention'];

function someProgress() {
  const storage = memoryStorage();
  const q = createProgress(() => storage);
  q.setPassed('01-attention');
  q.setLastChecks('01-attention', { passed: 4, total: 4, at: 1000 });
  q.setHintsOpened('01-attention', 2);
  q.setLastRun('01-attention', 900);
  q.setTimeMs('01-attention', 125_000);
  q.setSolutionShown('05-flash-attention');
  q.setLastChecks('05-flash-attention', { passed: 1, total: 3, at: 2000 });
  return q;
}

describe('progress files', () => {
  test('export → JSON → import gives identical progress on another machine', () => {
    const here = someProgress();
    const file = exportProgress(here, SLUGS, '  Ada  ', new Date(0));
    expect(file.name).toBe('Ada');
    expect(Object.keys(file.lessons)).toEqual(['01-attention', '05-flash-attention']); // 02 untouched
    const parsed = parseProgressFile(JSON.stringify(file));
    expect(parsed.ok).toBe(true);
    const storage = memoryStorage();
    const there = createProgress(() => storage);
    expect(importProgress(there, (parsed as { ok: true; file: ProgressFile }).file)).toBe(2);
    expect(exportProgress(there, SLUGS, 'Ada', new Date(0))).toEqual(file);
  });

  test('import keeps what this browser had where it had more', () => {
    const storage = memoryStorage();
    const there = createProgress(() => storage);
    there.setHintsOpened('01-attention', 3);
    there.setTimeMs('01-attention', 999_999);
    importProgress(there, exportProgress(someProgress(), SLUGS, 'Ada'));
    expect(there.hintsOpened('01-attention')).toBe(3);
    expect(there.timeMs('01-attention')).toBe(999_999);
    expect(there.passed('01-attention')).toBe(true);
  });

  test.each([
    ['{', /not JSON/],
    ['[]', /not a SpeedLab progress file/],
    [JSON.stringify({ format: 'other' }), /not a SpeedLab progress file/],
    [JSON.stringify({ format: 'speedlab-progress', version: 2 }), /newer SpeedLab \(format version 2\)/],
    [
      JSON.stringify({ format: 'speedlab-progress', version: 1, name: 'x', exportedAt: '', lessons: { '../x': {} } }),
      /damaged: lessons/
    ],
    [
      JSON.stringify({ format: 'speedlab-progress', version: 1, name: '', exportedAt: '', lessons: {} }),
      /damaged: name/
    ],
    ['x'.repeat(600 * 1024), /too large/]
  ])('a bad file is refused with its reason (%#)', (text, reason) => {
    const parsed = parseProgressFile(text);
    expect(parsed.ok).toBe(false);
    expect((parsed as { reason: string }).reason).toMatch(reason);
  });

  test('file names keep letters of any script and nothing a path could use', () => {
    expect(progressFileName('Kim Min-jun')).toBe('speedlab-progress-Kim-Min-jun.json');
    expect(progressFileName('김민준')).toBe('speedlab-progress-김민준.json');
    expect(progressFileName('../../etc')).toBe('speedlab-progress-etc.json');
    expect(progressFileName('   ')).toBe('speedlab-progress-learner.json');
  });
});

describe('class grid', () => {
  const file = (name: string): ProgressFile => exportProgress(someProgress(), SLUGS, name, new Date(0));

  test('two files with the same name are both kept and both marked', () => {
    const r = rows([
      { file: 'a.json', progress: file('Ada') },
      { file: 'b.json', progress: file('ada ') },
      { file: 'c.json', progress: file('Grace') }
    ]);
    expect(r.map((s) => [s.name, s.duplicate])).toEqual([
      ['Ada', true],
      ['ada', true],
      ['Grace', false]
    ]);
  });

  test('cells say passed, the last score, hints and solution', () => {
    const f = file('Ada');
    expect(cellText(f.lessons['01-attention'])).toBe('✓ h2');
    expect(cellText(f.lessons['05-flash-attention'])).toBe('1/3 sol');
    expect(cellText(undefined)).toBe('');
  });

  test('CSV: one line per student and lesson, quoted, with formulas neutralised', () => {
    const csv = toCsv(rows([{ file: 'a.json', progress: file('=HYPERLINK("x"), Ada') }]), SLUGS);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe(
      `"'=HYPERLINK(""x""), Ada",a.json,false,01-attention,true,4,4,2,false,${new Date(900).toISOString()},2.1`
    );
  });
});

describe('exam links', () => {
  test('a class link names lessons, or ends exam mode; anything else is ignored', () => {
    expect(examFromQuery('?exam=01-attention,05-flash-attention')).toEqual(['01-attention', '05-flash-attention']);
    expect(examFromQuery('?exam=off')).toBe('off');
    expect(examFromQuery('?exam=<script>,../x')).toBeNull();
    expect(examFromQuery('?other=1')).toBeNull();
  });

  test('links round-trip through examFromQuery', () => {
    const link = examLink('https://class.example', ['01-attention', '02-kv-cache']);
    expect(link).toBe('https://class.example/?exam=01-attention,02-kv-cache');
    expect(examFromQuery(new URL(link).search)).toEqual(['01-attention', '02-kv-cache']);
    expect(examFromQuery(new URL(examLink('https://class.example', 'off')).search)).toBe('off');
  });
});
