/** Markdown across the repository holds no control characters (a TAB where `\tilde` was meant). */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { controlCharacter } from '$lib/lessons/schema';

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name.startsWith('.') || e.name === 'build') return [];
    const path = join(dir, e.name);
    return e.isDirectory() ? markdownFiles(path) : e.name.endsWith('.md') ? [path] : [];
  });
}

describe('markdown lint', () => {
  test('finds a control character and says where', () => {
    expect(controlCharacter('$$\n\tilde q$$')).toBe('line 2, column 1 (U+0009)');
    expect(controlCharacter('a\r\nb\n')).toBeNull();
  });

  const files = markdownFiles('.');
  test('there are markdown files to lint', () => expect(files.length).toBeGreaterThan(10));
  test.each(files)('%s has no control characters', (file) => {
    expect(controlCharacter(readFileSync(file, 'utf8'))).toBeNull();
  });
});
