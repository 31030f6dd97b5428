/**
 * The learner's work, kept in this browser: code per lesson (autosaved), one level of undo for
 * Reset and Show solution, and which lessons passed their checks. No account, no server.
 */
const PREFIX = 'speedlab:v1:';

export interface SavedCode {
  files: Record<string, string>;
  /** Fingerprint of the starter the code was based on: a change means the lesson was updated. */
  starter: string;
  savedAt: number;
}

function read<T>(key: string): T | null {
  try {
    const raw = localStorage.getItem(PREFIX + key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

function write(key: string, value: unknown): void {
  try {
    localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Storage full or disabled (private mode): the page keeps working, just without saving.
  }
}

/** A short fingerprint of a set of files (FNV-1a), to notice that a lesson's starter changed. */
export function fingerprint(files: Record<string, string>): string {
  let h = 0x811c9dc5;
  const text = Object.keys(files)
    .sort()
    .map((k) => `${k}\u0000${files[k]}`)
    .join('\u0001');
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

export const progress = {
  loadCode: (slug: string) => read<SavedCode>(`code:${slug}`),
  saveCode: (slug: string, files: Record<string, string>, starter: string) =>
    write(`code:${slug}`, { files, starter, savedAt: Date.now() } satisfies SavedCode),
  loadUndo: (slug: string) => read<Record<string, string>>(`undo:${slug}`),
  saveUndo: (slug: string, files: Record<string, string>) => write(`undo:${slug}`, files),
  clearUndo: (slug: string) => {
    try {
      localStorage.removeItem(`${PREFIX}undo:${slug}`);
    } catch {
      /* nothing saved */
    }
  },
  passed: (slug: string) => read<boolean>(`passed:${slug}`) === true,
  setPassed: (slug: string) => write(`passed:${slug}`, true)
};
