import type { ParamMatcher } from '@sveltejs/kit';

/** The languages a page can be asked in by its path's first segment; English has none (`/lessons/…`). */
export const match = ((param: string): param is 'ko' => param === 'ko') satisfies ParamMatcher;
