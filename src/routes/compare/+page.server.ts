import { lessons } from '$lib/lessons/loader';

export function load() {
  return {
    techniques: lessons().map((l) => ({
      slug: l.slug,
      number: l.number,
      title: l.meta.title,
      runtimes: l.meta.runtimes,
      n: l.meta.sweep.n,
      solution: l.solution,
      timeBudgetMs: l.meta.timeBudgetMs
    }))
  };
}
