/**
 * Share links: a lesson's (or the playground's) code, carried in the URL fragment so that nothing
 * is sent to any server. The fragment holds only the files that differ from the starter, as JSON,
 * deflated (fflate) and base64url-encoded, behind a small header that lets a cut-off link be told
 * apart from a damaged one:
 *
 *   #share=1.<compressed bytes>.<JSON bytes>.<base64url of the deflated JSON>
 *
 * Decoding never trusts the link: its size is capped before anything is decoded, the inflated size
 * is declared and capped (no zip bomb), the JSON passes a schema, and the lesson and its starter's
 * fingerprint must match the page's. Opening a link never runs code; the page shows the files and
 * the learner chooses to load them.
 */
import { deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';
import { z } from 'zod';
import { BACKENDS, type Backend } from '$lib/runtime/backends';

export const SHARE_PARAM = 'share';
/** The largest fragment accepted, in characters (a link is refused above it, before decoding). */
export const MAX_LINK_CHARS = 64 * 1024;
/** The largest JSON a link may inflate to. */
export const MAX_JSON_BYTES = 1024 * 1024;
/** What one QR code holds at error-correction level L (version 40, byte mode). */
export const QR_MAX_BYTES = 2953;

export const REFUSAL_REASONS = ['malformed', 'truncated', 'too-large', 'other-lesson', 'stale'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

const payloadSchema = z.strictObject({
  v: z.literal(1),
  /** The lesson's slug, or 'playground'. */
  id: z.string().min(1).max(100),
  /** The fingerprint of the starter the files were edited from. */
  starter: z.string().max(32),
  backend: z.enum(BACKENDS),
  /** Only the files that differ from the starter. */
  files: z.record(z.string().min(1).max(200), z.string())
});

export type SharePayload = z.infer<typeof payloadSchema>;

export type Decoded = { ok: true; payload: SharePayload } | { ok: false; reason: RefusalReason };

/** The files of `files` that differ from (or are not in) the starter. */
export function changedFiles(files: Record<string, string>, starter: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).filter(([name, text]) => starter[name] !== text));
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  try {
    const binary = atob(padded);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

/** The fragment value (after `#share=`) for a payload. */
export function encodeShare(payload: SharePayload): string {
  const json = strToU8(JSON.stringify(payload));
  const packed = deflateSync(json, { level: 9 });
  return `1.${packed.length}.${json.length}.${toBase64Url(packed)}`;
}

/** The full link: the page's address without its fragment, and the share fragment. */
export function shareUrl(pageUrl: string, payload: SharePayload): string {
  return `${pageUrl.split('#')[0]}#${SHARE_PARAM}=${encodeShare(payload)}`;
}

/** The share value in a location hash, or null when the hash holds no share. */
export function shareFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  return params.get(SHARE_PARAM);
}

/** Decodes a share value, checking only the link itself (size, integrity, shape). */
export function decodeShare(value: string): Decoded {
  if (value.length > MAX_LINK_CHARS) return { ok: false, reason: 'too-large' };
  const match = /^1\.(\d{1,9})\.(\d{1,9})\.([A-Za-z0-9_-]*)$/.exec(value);
  if (!match) return { ok: false, reason: 'malformed' };
  const packedLength = Number(match[1]);
  const jsonLength = Number(match[2]);
  if (jsonLength > MAX_JSON_BYTES) return { ok: false, reason: 'too-large' };
  const packed = fromBase64Url(match[3]);
  if (packed === null) return { ok: false, reason: 'malformed' };
  if (packed.length < packedLength) return { ok: false, reason: 'truncated' };
  if (packed.length > packedLength) return { ok: false, reason: 'malformed' };
  let json: Uint8Array;
  try {
    json = inflateSync(packed, { out: new Uint8Array(jsonLength) });
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (json.length !== jsonLength) return { ok: false, reason: 'malformed' };
  let data: unknown;
  try {
    data = JSON.parse(strFromU8(json));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const parsed = payloadSchema.safeParse(data);
  return parsed.success ? { ok: true, payload: parsed.data } : { ok: false, reason: 'malformed' };
}

/** Decodes a share value for a given page: also refuses a link for another lesson or an older starter. */
export function openShare(value: string, page: { id: string; starter: string; files: string[] }): Decoded {
  const decoded = decodeShare(value);
  if (!decoded.ok) return decoded;
  const { payload } = decoded;
  if (payload.id !== page.id) return { ok: false, reason: 'other-lesson' };
  if (payload.starter !== page.starter) return { ok: false, reason: 'stale' };
  // A file the lesson does not have cannot come from its editor: the link was made by hand.
  if (Object.keys(payload.files).some((name) => !page.files.includes(name))) return { ok: false, reason: 'malformed' };
  return decoded;
}

/** Whether a link fits one QR code (its UTF-8 bytes at error-correction level L). */
export function fitsQr(url: string): boolean {
  return new TextEncoder().encode(url).length <= QR_MAX_BYTES;
}

export type { Backend };
