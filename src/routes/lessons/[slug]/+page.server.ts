import { error } from '@sveltejs/kit';
import { courseMap, lesson, lessons } from '$lib/lessons/loader';

export function entries() {
  return lessons().map((l) => ({ slug: l.slug }));
}

export function load({ params }) {
  const l = lesson(params.slug);
  if (!l) error(404, `No lesson called ${params.slug}`);
  const available = lessons();
  const i = available.indexOf(l);
  const link = (x: (typeof available)[number] | undefined) => (x ? { slug: x.slug, title: x.meta.title } : null);
  return {
    slug: l.slug,
    number: l.number,
    meta: l.meta,
    html: l.html,
    starter: l.starter,
    solution: l.solution,
    hints: l.hintsHtml,
    planned: courseMap().length,
    previous: link(available[i - 1]),
    next: link(available[i + 1])
  };
}
