/** The page's language from its path, and the same page in the other language, with and without a base path. */
import { describe, expect, test } from 'vitest';
import { languageOfPath, localPath, switchPath } from '$lib/i18n';

describe('language paths', () => {
  test('a path under /ko is Korean; every other path is English', () => {
    expect(languageOfPath('/ko')).toBe('ko');
    expect(languageOfPath('/ko/lessons/01-attention')).toBe('ko');
    expect(languageOfPath('/')).toBe('en');
    expect(languageOfPath('/kobold')).toBe('en');
    expect(languageOfPath('/lessons/ko')).toBe('en');
    expect(languageOfPath('/speedlab/ko/compare', '/speedlab')).toBe('ko');
  });

  test('a route in each language', () => {
    expect(localPath('/', 'en')).toBe('/');
    expect(localPath('/', 'ko')).toBe('/ko');
    expect(localPath('/lessons/05-flash-attention', 'ko')).toBe('/ko/lessons/05-flash-attention');
    expect(localPath('/class', 'ko', '/speedlab')).toBe('/speedlab/ko/class');
    expect(localPath('/', 'en', '/speedlab')).toBe('/speedlab/');
  });

  test('switching keeps the page', () => {
    expect(switchPath('/', 'ko')).toBe('/ko');
    expect(switchPath('/ko', 'en')).toBe('/');
    expect(switchPath('/lessons/01-attention', 'ko')).toBe('/ko/lessons/01-attention');
    expect(switchPath('/ko/lessons/01-attention', 'en')).toBe('/lessons/01-attention');
    expect(switchPath('/ko/compare', 'ko')).toBe('/ko/compare');
    expect(switchPath('/speedlab/compare', 'ko', '/speedlab')).toBe('/speedlab/ko/compare');
    expect(switchPath('/speedlab/ko', 'en', '/speedlab')).toBe('/speedlab/');
  });
});
