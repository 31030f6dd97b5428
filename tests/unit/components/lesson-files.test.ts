/** The learner's saved files come back across versions of a lesson: a file the lesson gained is added, nothing is lost. */
import { describe, expect, test } from 'vitest';
import { LessonFiles } from '$lib/components/lesson-files.svelte';
import { createProgress, fingerprint } from '$lib/storage/progress';
import type { StorageLike } from '$lib/storage/store';

function memoryStorage(): StorageLike {
  const map = new Map<string, string>();
  return {
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k)
  };
}

const oldStarter = { 'main.ts': 'export const a = 1;', 'attention.wgsl': '// kernel' };
const newStarter = { ...oldStarter, 'attention.as.ts': '// simd kernel' };

describe('LessonFiles', () => {
  test('code saved before the lesson gained a file comes back, with the new file from the starter', () => {
    const storage = memoryStorage();
    const store = createProgress(() => storage);
    const mine = { 'main.ts': '// my notes\nexport const a = 2;', 'attention.wgsl': '// my kernel' };
    store.saveCode('01-attention', mine, fingerprint(oldStarter));
    const files = new LessonFiles('01-attention', newStarter, 'main.ts', store);
    files.load();
    expect(files.snapshot()).toEqual({ ...mine, 'attention.as.ts': '// simd kernel' });
    expect(files.outdated).toBe(true);
  });

  test('code with a file the lesson no longer has is not loaded (the starter shows)', () => {
    const storage = memoryStorage();
    const store = createProgress(() => storage);
    store.saveCode('01-attention', { 'main.ts': 'x', 'old.ts': 'y' }, 'old');
    const files = new LessonFiles('01-attention', newStarter, 'main.ts', store);
    files.load();
    expect(files.snapshot()).toEqual(newStarter);
  });
});
