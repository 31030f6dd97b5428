/** Interface strings: `t('key', { name: value })`. Languages are files beside this one. */
import { type MessageKey, en } from './en';

export type { MessageKey };

const languages: Record<string, Partial<Record<MessageKey, string>>> = { en };
let current = 'en';

export function setLanguage(lang: string): void {
  if (lang in languages) current = lang;
}

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = languages[current][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => (name in params ? String(params[name]) : `{${name}}`));
}
