import { base } from '$app/paths';
import { language, localPath } from './index';

/** A route of the site (like '/lessons/01-attention') in the page's language, under the site's base. */
export const href = (path: string) => localPath(path, language(), base);
