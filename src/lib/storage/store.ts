/**
 * Typed access to localStorage. A value that is not JSON, or is JSON of the wrong shape, is moved
 * aside to a quarantine key rather than deleted (the learner's work may still be in it, and can be
 * exported from there), and the caller is told, so the page can start clean and say why.
 */
import type { z } from 'zod';

export const PREFIX = 'speedlab:v1:';
export const QUARANTINE = `${PREFIX}quarantine:`;

/** The part of the Web Storage API used here (an in-memory one stands in for it in tests). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface ReadResult<T> {
  value: T | null;
  /** The entry was there but unreadable (not JSON, or not the expected shape). */
  invalid: boolean;
  /** Where the unreadable entry was moved (null if it could not be copied aside). */
  quarantined: string | null;
}

/** The quarantine key for a full storage key; never overwrites an earlier quarantined copy. */
export function quarantineKey(storage: StorageLike, key: string): string {
  const base = QUARANTINE + key;
  let candidate = base;
  for (let i = 2; storage.getItem(candidate) !== null; i++) candidate = `${base}:${i}`;
  return candidate;
}

const NOTHING = { value: null, invalid: false, quarantined: null } as const;

export class Store {
  constructor(private readonly storage: () => StorageLike | null) {}

  /** Reads and validates `PREFIX + key`. Never throws. */
  read<S extends z.ZodType>(key: string, schema: S): ReadResult<z.infer<S>> {
    const storage = this.safeStorage();
    if (!storage) return NOTHING;
    const full = PREFIX + key;
    let raw: string | null;
    try {
      raw = storage.getItem(full);
    } catch {
      return NOTHING;
    }
    if (raw === null) return NOTHING;
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      return { value: null, invalid: true, quarantined: this.quarantine(storage, full, raw) };
    }
    const parsed = schema.safeParse(data);
    if (parsed.success) return { value: parsed.data, invalid: false, quarantined: null };
    return { value: null, invalid: true, quarantined: this.quarantine(storage, full, raw) };
  }

  write(key: string, value: unknown): void {
    try {
      this.safeStorage()?.setItem(PREFIX + key, JSON.stringify(value));
    } catch {
      // Storage full or disabled (private mode): the page keeps working, just without saving.
    }
  }

  remove(key: string): void {
    try {
      this.safeStorage()?.removeItem(PREFIX + key);
    } catch {
      /* nothing saved */
    }
  }

  private quarantine(storage: StorageLike, full: string, raw: string): string | null {
    try {
      const target = quarantineKey(storage, full);
      storage.setItem(target, raw);
      storage.removeItem(full);
      return target;
    } catch {
      // Could not copy it aside (storage full): leave it where it is, and still start clean.
      return null;
    }
  }

  private safeStorage(): StorageLike | null {
    try {
      return this.storage();
    } catch {
      // Reading window.localStorage itself throws when storage is blocked for the site.
      return null;
    }
  }
}
