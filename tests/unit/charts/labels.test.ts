/** Repeated labels from learner code become distinct names, so keyed lists never collide. */
import { describe, expect, it } from 'vitest';
import { SeriesNamer, disambiguate } from '$lib/charts/labels';

describe('disambiguate', () => {
  it('numbers repeats in order of arrival', () => {
    expect(disambiguate(['a', 'b', 'a', 'a'])).toEqual(['a', 'b', 'a (2)', 'a (3)']);
  });
  it('steps over a label that already looks like a repeat', () => {
    const out = disambiguate(['a', 'a (2)', 'a']);
    expect(new Set(out).size).toBe(3);
    expect(out).toEqual(['a', 'a (2)', 'a (3)']);
  });
  it('keeps distinct labels as they are', () => {
    expect(disambiguate(['x', 'y'])).toEqual(['x', 'y']);
  });
});

describe('SeriesNamer', () => {
  it('moves a second sweep with the same label to "label (2)"', () => {
    const s = new SeriesNamer();
    const names = [64, 128, 64, 128, 64].map((n) => s.name('mine', n));
    expect(names).toEqual(['mine', 'mine', 'mine (2)', 'mine (2)', 'mine (3)']);
  });
});
