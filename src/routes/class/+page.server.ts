import { courseMap } from '$lib/lessons/loader';

export function load() {
  return {
    lessons: courseMap().flatMap((l) => (l.slug ? [{ slug: l.slug, number: l.number, title: l.title }] : []))
  };
}
