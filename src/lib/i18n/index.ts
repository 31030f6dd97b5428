/**
 * Interface strings: `t('key', { name: value })`. Languages are files beside this one; the page's
 * language comes from its path (`/ko/…` is Korean, every other path English) and is set by the root
 * layout before anything renders. Terms follow docs/glossary.ko.md.
 */
import { type MessageKey, en } from './en';
import { ko } from './ko';

export type { MessageKey };

export const LANGUAGES = ['en', 'ko'] as const;
export type Language = (typeof LANGUAGES)[number];

const languages: Record<Language, Record<MessageKey, string>> = { en, ko };
let current: Language = 'en';

export const isLanguage = (x: unknown): x is Language => LANGUAGES.includes(x as Language);

export function setLanguage(lang: string | undefined): void {
  current = isLanguage(lang) ? lang : 'en';
}

export function language(): Language {
  return current;
}

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = languages[current][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => (name in params ? String(params[name]) : `{${name}}`));
}

/** The language a path is in: `/ko/…` (after the site's base) is Korean. */
export function languageOfPath(pathname: string, base = ''): Language {
  const rest = pathname.slice(base.length);
  return rest === '/ko' || rest.startsWith('/ko/') ? 'ko' : 'en';
}

/**
 * `path` (a route without a language, like '/lessons/01-attention' or '/') in `lang`, under the
 * site's `base`: '/ko/lessons/01-attention'; English paths have no prefix.
 */
export function localPath(path: string, lang: Language, base = ''): string {
  if (lang === 'en') return `${base}${path}`;
  return `${base}/${lang}${path === '/' ? '' : path}`;
}

/** The same page in another language: `pathname` with its language prefix swapped. */
export function switchPath(pathname: string, to: Language, base = ''): string {
  const from = languageOfPath(pathname, base);
  let rest = pathname.slice(base.length) || '/';
  if (from !== 'en') rest = rest.slice(from.length + 1) || '/';
  return localPath(rest, to, base);
}
