import { courseMap } from '$lib/lessons/loader';

export function entries() {
  return [{}, { lang: 'ko' }];
}

export function load({ params }) {
  return { lessons: courseMap(params.lang) };
}
