import { lessons, localized } from '$lib/lessons/loader';

export function entries() {
  return [{}, { lang: 'ko' }];
}

export function load({ params }) {
  return {
    techniques: lessons().map((l) => ({
      slug: l.slug,
      number: l.number,
      title: localized(l, params.lang ?? 'en').meta.title,
      runtimes: l.meta.runtimes,
      n: l.meta.sweep.n,
      solution: l.solution,
      timeBudgetMs: l.meta.timeBudgetMs
    }))
  };
}
