import { courseMap } from '$lib/lessons/loader';

export function load() {
  return { lessons: courseMap() };
}
