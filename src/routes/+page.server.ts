import { lessons } from '$lib/lessons/loader';

export function load() {
  return { available: lessons().map((l) => ({ slug: l.slug, survey: l.meta.survey })) };
}
