/** A malformed lesson fails the build with a message naming the file and the field. */
import { describe, expect, test } from 'vitest';
import { checkFiles, checkNumbers, numberOf, parseMutants, parseReadme } from '$lib/lessons/schema';

const good = `---
title: T
part: A
survey: "§1"
runtimes: [webgpu, wasm]
focus: main.ts
sweep:
  n: [64, 128]
charts:
  time: t
  memory: m
memoryExponent: 2
hints:
  - "Where does the time go?"
  - "Count the pairs."
---
Prose.
`;

describe('lesson format', () => {
  test('a valid README parses, with defaults filled in', () => {
    const { meta, body } = parseReadme('lessons/99-x/README.md', good);
    expect(meta.sweep).toEqual({ n: [64, 128], warmup: 1, repeats: 3, budgetMs: 30000 });
    expect(meta.timeBudgetMs).toBe(60000);
    expect(body.trim()).toBe('Prose.');
  });

  test.each([
    ['  - "Count the pairs."\n', '', 'frontmatter field "hints"'],
    ['part: A', 'part: Z', 'frontmatter field "part"'],
    ['  n: [64, 128]', '  n: [128, 64]', 'frontmatter field "sweep.n": must be increasing'],
    ['memoryExponent: 2\n', '', 'frontmatter field "memoryExponent"'],
    ['runtimes: [webgpu, wasm]', 'runtimes: [cuda]', 'frontmatter field "runtimes.0"'],
    ['title: T\n', 'title: T\ncolour: blue\n', 'frontmatter field "(root)"']
  ])('%s → %s is rejected', (from, to, message) => {
    expect(() => parseReadme('lessons/99-x/README.md', good.replace(from, to))).toThrow(
      `lessons/99-x/README.md: ${message}`
    );
  });

  test('no frontmatter, or broken YAML, names the file', () => {
    expect(() => parseReadme('lessons/99-x/README.md', 'just prose')).toThrow(
      'lessons/99-x/README.md: must start with a frontmatter block'
    );
    expect(() => parseReadme('lessons/99-x/README.md', '---\ntitle: [\n---\n')).toThrow(
      'lessons/99-x/README.md: frontmatter is not valid YAML'
    );
  });

  test('folder rules: solution is an overlay of changed starter files, main.ts, focus, harness and memory model', () => {
    const { meta } = parseReadme('lessons/99-x/README.md', good);
    const modules = {
      checks: { harness: { checks: [], sweep: () => undefined } },
      memory: { memory: { buffers: () => [] } }
    };
    const files = { starter: { 'main.ts': 'let a = 1;', 'k.ts': 'x' }, solution: { 'main.ts': 'let a = 2;' } };
    expect(() => checkFiles('lessons/99-x', meta, files, modules)).not.toThrow();
    expect(() => checkFiles('lessons/99-x', meta, { ...files, solution: { 'other.ts': '' } }, modules)).toThrow(
      'lessons/99-x/solution/other.ts: has no counterpart in starter/ (k.ts, main.ts)'
    );
    expect(() =>
      checkFiles('lessons/99-x', meta, { ...files, solution: { 'main.ts': 'let  a =\n 1;' } }, modules)
    ).toThrow('lessons/99-x/solution/main.ts: equals starter/main.ts apart from whitespace');
    expect(() => checkFiles('lessons/99-x', meta, { ...files, solution: {} }, modules)).toThrow(
      'lessons/99-x/solution: has no files'
    );
    expect(() => checkFiles('lessons/99-x', { ...meta, focus: 'k.wgsl' }, files, modules)).toThrow(
      'frontmatter field "focus"'
    );
    expect(() => checkFiles('lessons/99-x', meta, files, { ...modules, checks: {} })).toThrow(
      'lessons/99-x/checks.ts: must export `harness`'
    );
    expect(() => checkFiles('lessons/99-x', meta, files, { ...modules, memory: {} })).toThrow(
      'lessons/99-x/memory.ts: must export `memory`'
    );
  });
});

describe('lesson identity', () => {
  test('the number comes from the folder name', () => {
    expect(numberOf('lessons/05-flash-attention', '05-flash-attention')).toBe(5);
    expect(() => numberOf('lessons/5-x', '5-x')).toThrow('lessons/5-x: a lesson folder is named NN-slug');
  });

  test('two folders with one number, or a number also coming, fail naming the folder', () => {
    const planned = [{ number: 7, title: 'Sliding windows', part: 'C' }];
    expect(() =>
      checkNumbers(
        [
          { slug: '01-a', number: 1 },
          { slug: '02-b', number: 2 }
        ],
        planned
      )
    ).not.toThrow();
    expect(() =>
      checkNumbers(
        [
          { slug: '01-a', number: 1 },
          { slug: '01-b', number: 1 }
        ],
        planned
      )
    ).toThrow('lessons/01-b: has number 1, like lessons/01-a');
    expect(() => checkNumbers([{ slug: '07-window', number: 7 }], planned)).toThrow(
      'lessons/07-window: lesson 7 is also listed as coming'
    );
  });

  test('control characters in a README fail its parse', () => {
    expect(() => parseReadme('lessons/99-x/README.md', '---\ntitle: x\n---\n$\tilde q$')).toThrow(
      'lessons/99-x/README.md: has a control character at line 4, column 2 (U+0009)'
    );
  });
});

describe('mutants', () => {
  const solution = { 'main.ts': 'const a = 1;\nconst b = a;\n' };
  const mutant = (edits: unknown) => JSON.stringify({ mistake: 'm', expect: 'e', edits });
  test('edits are applied to the solution', () => {
    const [m] = parseMutants(
      'lessons/99-x',
      { 'off.json': mutant([{ file: 'main.ts', find: '= 1', replace: '= 2' }]) },
      solution
    );
    expect(m.name).toBe('off');
    expect(m.files['main.ts']).toBe('const a = 2;\nconst b = a;\n');
  });
  test('a find that is missing or ambiguous, or an edit that changes nothing, names the mutant', () => {
    const one = (edits: unknown) => () => parseMutants('lessons/99-x', { 'bad.json': mutant(edits) }, solution);
    expect(one([{ file: 'main.ts', find: 'zzz', replace: '' }])).toThrow(
      'lessons/99-x/mutants/bad.json: edit 1: its "find" text must occur exactly once in main.ts (not found)'
    );
    expect(one([{ file: 'main.ts', find: 'const', replace: 'let' }])).toThrow('found more than once');
    expect(one([{ file: 'other.ts', find: 'a', replace: 'b' }])).toThrow('other.ts is not a file of the lesson');
    expect(one([{ file: 'main.ts', find: '= 1;', replace: '=  1;' }])).toThrow(
      'equal to the solution apart from whitespace'
    );
  });
});
