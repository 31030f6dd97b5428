import type { Handle } from '@sveltejs/kit';
import { base } from '$app/paths';
import { languageOfPath } from '$lib/i18n';

/** Each prerendered page declares its language (`<html lang="ko">` under /ko/), for screen readers and fonts. */
export const handle: Handle = ({ event, resolve }) => {
  const lang = languageOfPath(event.url.pathname, base);
  return resolve(event, { transformPageChunk: ({ html }) => html.replace('%lang%', lang) });
};
