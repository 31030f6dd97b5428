/**
 * The reader's chosen language, kept in localStorage so that it holds on their next visit and on
 * links that carry no language. Storage may be unavailable (private modes, blocked storage):
 * then the choice lasts for the page only.
 */
import { type Language, isLanguage } from './index';

const KEY = 'speedlab-lang';

export function rememberLanguage(lang: Language): void {
  try {
    localStorage.setItem(KEY, lang);
  } catch {
    // Not kept: the links of the page in the chosen language keep the reader in it.
  }
}

export function rememberedLanguage(): Language | null {
  try {
    const v = localStorage.getItem(KEY);
    return isLanguage(v) ? v : null;
  } catch {
    return null;
  }
}
