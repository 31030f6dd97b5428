/** Saved state that cannot break a page: every bad shape is quarantined, good entries load. */
import { describe, expect, it } from 'vitest';
import { createProgress } from '$lib/storage/progress';
import { PREFIX, QUARANTINE, type StorageLike } from '$lib/storage/store';

function memoryStorage(entries: Record<string, string> = {}): StorageLike & { map: Map<string, string> } {
  const map = new Map(Object.entries(entries));
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, String(v)),
    removeItem: (k) => void map.delete(k)
  };
}

const good = JSON.stringify({ files: { 'main.ts': 'export {}' }, starter: 'abc', savedAt: 1 });

const badCode: [string, string][] = [
  ['a JSON string', '"x"'],
  ['files: null', JSON.stringify({ files: null, starter: '', savedAt: 0 })],
  ['an array', '[]'],
  ['file contents that are not strings', JSON.stringify({ files: { 'main.ts': 42 }, starter: '', savedAt: 0 })],
  ['nested objects as contents', JSON.stringify({ files: { 'main.ts': { text: 'x' } }, starter: '', savedAt: 0 })],
  ['no starter', JSON.stringify({ files: { 'main.ts': 'x' }, savedAt: 0 })],
  ['not JSON at all', '{files: '],
  ['null', 'null']
];

describe('saved code', () => {
  it('loads a well-formed entry', () => {
    const s = memoryStorage({ [`${PREFIX}code:01-attention`]: good });
    const r = createProgress(() => s).loadCode('01-attention');
    expect(r.value?.files['main.ts']).toBe('export {}');
    expect(r.invalid).toBe(false);
  });

  it('reports nothing when nothing is saved', () => {
    const r = createProgress(() => memoryStorage()).loadCode('01-attention');
    expect(r).toEqual({ value: null, invalid: false, quarantined: null });
  });

  for (const [name, raw] of badCode) {
    it(`quarantines ${name}, and leaves other lessons alone`, () => {
      const key = `${PREFIX}code:01-attention`;
      const other = `${PREFIX}code:02-kv-cache`;
      const s = memoryStorage({ [key]: raw, [other]: good });
      const r = createProgress(() => s).loadCode('01-attention');
      expect(r.value).toBeNull();
      expect(r.invalid).toBe(true);
      expect(r.quarantined).toBe(`${QUARANTINE}${key}`);
      expect(s.map.get(`${QUARANTINE}${key}`)).toBe(raw);
      expect(s.map.has(key)).toBe(false);
      expect(s.map.get(other)).toBe(good);
    });
  }

  it('keeps an earlier quarantined copy when a second bad entry comes', () => {
    const key = `${PREFIX}code:01-attention`;
    const s = memoryStorage({ [key]: '"first"' });
    const p = createProgress(() => s);
    p.loadCode('01-attention');
    s.setItem(key, '"second"');
    const r = p.loadCode('01-attention');
    expect(r.quarantined).toBe(`${QUARANTINE}${key}:2`);
    expect(s.map.get(`${QUARANTINE}${key}`)).toBe('"first"');
    expect(s.map.get(`${QUARANTINE}${key}:2`)).toBe('"second"');
  });
});

describe('undo entries, progress and settings', () => {
  it('quarantines a malformed undo entry', () => {
    const key = `${PREFIX}undo:01-attention`;
    const s = memoryStorage({ [key]: JSON.stringify({ 'main.ts': ['not', 'text'] }) });
    const r = createProgress(() => s).loadUndo('01-attention');
    expect(r.value).toBeNull();
    expect(r.invalid).toBe(true);
    expect(s.map.has(`${QUARANTINE}${key}`)).toBe(true);
  });

  it('round-trips undo and passed', () => {
    const s = memoryStorage();
    const p = createProgress(() => s);
    p.saveUndo('x', { 'main.ts': 'a' });
    expect(p.loadUndo('x').value).toEqual({ 'main.ts': 'a' });
    p.clearUndo('x');
    expect(p.loadUndo('x').value).toBeNull();
    expect(p.passed('x')).toBe(false);
    p.setPassed('x');
    expect(p.passed('x')).toBe(true);
  });

  it('treats a passed flag of the wrong shape as not passed', () => {
    const s = memoryStorage({ [`${PREFIX}passed:x`]: '"yes"' });
    expect(createProgress(() => s).passed('x')).toBe(false);
  });

  it('falls back to default settings on a bad entry', () => {
    const s = memoryStorage({ [`${PREFIX}settings`]: JSON.stringify({ sweep: 'huge' }) });
    const p = createProgress(() => s);
    expect(p.settings()).toEqual({ sweep: 'full' });
    p.saveSettings({ sweep: 'quick' });
    expect(p.settings()).toEqual({ sweep: 'quick' });
  });

  it('keeps working when storage itself throws', () => {
    const p = createProgress(() => {
      throw new Error('SecurityError');
    });
    expect(p.loadCode('x').value).toBeNull();
    expect(() => p.saveCode('x', {}, '')).not.toThrow();
  });
});
