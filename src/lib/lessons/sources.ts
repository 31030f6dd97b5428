/**
 * Every lesson's files, gathered at build time by Vite from the lessons/ folder. One place lists
 * the globs, so the app, the sandbox and the tests see the same lessons.
 */
const raw = (files: Record<string, unknown>) => files as Record<string, string>;

export const readmes = raw(import.meta.glob('/lessons/*/README.md', { query: '?raw', import: 'default', eager: true }));
/** Korean: README.ko.md (prose) and ko.json (the texts the lesson's code shows), see ./translation.ts. */
export const readmesKo = raw(
  import.meta.glob('/lessons/*/README.ko.md', { query: '?raw', import: 'default', eager: true })
);
export const stringsKo = raw(import.meta.glob('/lessons/*/ko.json', { query: '?raw', import: 'default', eager: true }));
export const codeFiles = raw(
  import.meta.glob(['/lessons/*/starter/*', '/lessons/*/solution/*'], { query: '?raw', import: 'default', eager: true })
);
/** Mutants: lessons/NN-slug/mutants/<name>.json, each a mistake written as edits of the solution. */
export const mutantFiles = raw(
  import.meta.glob('/lessons/*/mutants/*.json', { query: '?raw', import: 'default', eager: true })
);
export const memoryModules = import.meta.glob('/lessons/*/memory.ts', { eager: true });

/** "/lessons/01-attention/README.md" → "01-attention" */
export function slugOf(path: string): string {
  return path.split('/')[2];
}
