/**
 * A malformed lesson fails the real build, with a message that names the file and the field.
 * Builds a copy of the site with lesson 01's frontmatter broken (about 20 s).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';

const root = process.cwd();
const dir = mkdtempSync(join(tmpdir(), 'speedlab-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a malformed lesson fails the build and names the file and field', () => {
  for (const p of ['src', 'lessons', 'static', 'package.json', 'svelte.config.js', 'tsconfig.json', 'vite.config.ts']) {
    cpSync(join(root, p), join(dir, p), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const readme = join(dir, 'lessons/01-attention/README.md');
  writeFileSync(readme, readFileSync(readme, 'utf8').replace('part: A', 'part: Z'));
  const r = spawnSync('npx', ['vite', 'build'], { cwd: dir, encoding: 'utf8', timeout: 240_000 });
  expect(r.status).not.toBe(0);
  expect(`${r.stdout}\n${r.stderr}`).toContain('lessons/01-attention/README.md: frontmatter field "part"');
}, 300_000);
