import { describe, expect, test } from 'vitest';
import { deflateSync, strToU8 } from 'fflate';
import {
  MAX_LINK_CHARS,
  QR_MAX_BYTES,
  changedFiles,
  decodeShare,
  encodeShare,
  fitsQr,
  openShare,
  shareFromHash,
  shareUrl,
  type SharePayload
} from '$lib/share/link';

const starter = { 'main.ts': 'export const a = 1;\n', 'kernel.wgsl': '// write the kernel\n' };
const page = { id: '01-attention', starter: 'abc123', files: Object.keys(starter) };
const payload: SharePayload = {
  v: 1,
  id: '01-attention',
  starter: 'abc123',
  backend: 'wasm',
  files: { 'main.ts': 'export const a = 2; // ünïcode ✓\n' }
};

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

describe('share links', () => {
  test('only the files that differ from the starter travel', () => {
    expect(changedFiles({ ...starter, 'main.ts': 'x' }, starter)).toEqual({ 'main.ts': 'x' });
    expect(changedFiles(starter, starter)).toEqual({});
  });

  test('round trip through a full URL, non-ASCII text included', () => {
    const url = shareUrl('https://speedlab.example/lessons/01-attention#old', payload);
    expect(url.startsWith('https://speedlab.example/lessons/01-attention#share=1.')).toBe(true);
    const value = shareFromHash(new URL(url).hash);
    expect(value).not.toBeNull();
    expect(openShare(value!, page)).toEqual({ ok: true, payload });
  });

  test('a hash without a share is not a share', () => {
    expect(shareFromHash('')).toBeNull();
    expect(shareFromHash('#section-2')).toBeNull();
  });

  test('each refusal reason', () => {
    const value = encodeShare(payload);
    expect(decodeShare('not a link')).toEqual({ ok: false, reason: 'malformed' });
    expect(decodeShare(value.replace(/.$/, '*'))).toEqual({ ok: false, reason: 'malformed' });
    // A link cut short (a copy that lost its end) is truncated, not malformed.
    expect(decodeShare(value.slice(0, value.length - 8))).toEqual({ ok: false, reason: 'truncated' });
    expect(decodeShare('1.10.10.' + 'A'.repeat(MAX_LINK_CHARS))).toEqual({ ok: false, reason: 'too-large' });
    expect(decodeShare('1.10.99999999.AAAA')).toEqual({ ok: false, reason: 'too-large' });
    expect(openShare(encodeShare({ ...payload, id: '05-flash-attention' }), page)).toEqual({
      ok: false,
      reason: 'other-lesson'
    });
    expect(openShare(encodeShare({ ...payload, starter: 'old' }), page)).toEqual({ ok: false, reason: 'stale' });
    expect(openShare(encodeShare({ ...payload, files: { 'evil.ts': '' } }), page)).toEqual({
      ok: false,
      reason: 'malformed'
    });
  });

  test('well-compressed JSON of the wrong shape, or bytes that are not deflate, are malformed', () => {
    const wrong = strToU8(JSON.stringify({ v: 1, id: 'x', files: 'no' }));
    const packed = deflateSync(wrong);
    expect(decodeShare(`1.${packed.length}.${wrong.length}.${b64url(packed)}`)).toEqual({
      ok: false,
      reason: 'malformed'
    });
    const junk = new Uint8Array([1, 2, 3, 4, 5, 6]);
    expect(decodeShare(`1.6.100.${b64url(junk)}`)).toEqual({ ok: false, reason: 'malformed' });
    // A declared size smaller than the real one cannot smuggle a larger payload past the cap.
    const json = strToU8(JSON.stringify(payload));
    const real = deflateSync(json);
    expect(decodeShare(`1.${real.length}.${json.length + 5}.${b64url(real)}`)).toEqual({
      ok: false,
      reason: 'malformed'
    });
  });

  test("a lesson's worth of code fits one QR code; a long one does not", () => {
    const url = shareUrl('https://speedlab.example/lessons/01-attention', payload);
    expect(fitsQr(url)).toBe(true);
    expect(fitsQr('x'.repeat(QR_MAX_BYTES + 1))).toBe(false);
  });
});
