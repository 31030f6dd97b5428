import { error } from '@sveltejs/kit';
import { courseMap, lesson, lessons, localized } from '$lib/lessons/loader';

export function entries() {
  return lessons().flatMap((l) => [{ slug: l.slug }, { lang: 'ko', slug: l.slug }]);
}

export function load({ params }) {
  const l = lesson(params.slug);
  if (!l) error(404, `No lesson called ${params.slug}`);
  const lang = params.lang ?? 'en';
  const available = lessons();
  const i = available.indexOf(l);
  const link = (x: (typeof available)[number] | undefined) =>
    x ? { slug: x.slug, title: localized(x, lang).meta.title } : null;
  const text = localized(l, lang);
  return {
    slug: l.slug,
    number: l.number,
    meta: text.meta,
    html: text.html,
    /** The texts the lesson's code shows, in the page's language (null: English as the code writes them). */
    strings: text.strings,
    starter: l.starter,
    solution: l.solution,
    hints: text.hintsHtml,
    planned: courseMap().length,
    previous: link(available[i - 1]),
    next: link(available[i + 1])
  };
}
