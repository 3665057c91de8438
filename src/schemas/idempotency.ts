import { z } from 'zod';

const IDEMPOTENCY_KEY_MIN = 16;
const IDEMPOTENCY_KEY_MAX = 255;

/** Visible ASCII but the double quote and the backslash, so a key reads the same bare or quoted. */
const KEY = new RegExp(`^[\\x21\\x23-\\x5B\\x5D-\\x7E]{${IDEMPOTENCY_KEY_MIN},${IDEMPOTENCY_KEY_MAX}}$`);

/**
 * An Idempotency-Key header value: the draft makes it a Structured Field string (`"…"`); a bare
 * key is accepted too, as most clients send one. Either way the key is 16–255 visible ASCII
 * characters without `"`, `\` or spaces — long enough to be unguessable (a UUID is 36).
 */
export function parseIdempotencyKey(value: string): { key: string } | { error: string } {
  const quoted = value.length >= 2 && value.startsWith('"') && value.endsWith('"');
  const key = quoted ? value.slice(1, -1) : value;
  if (KEY.test(key)) return { key };
  const rule = `${IDEMPOTENCY_KEY_MIN}–${IDEMPOTENCY_KEY_MAX} visible ASCII characters (no spaces, quotes or backslashes), bare or in double quotes; a UUID is a good key`;
  return { error: `must be ${rule}` };
}

export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .superRefine((value, ctx) => {
      const parsed = parseIdempotencyKey(value);
      if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
    })
    .optional()
    .describe(
      'A key of your choosing (a UUID is best) that makes retrying this POST safe: a retry with the same key within 24 hours gets the first answer again, with `Idempotent-Replayed: true`, and nothing is created twice. The same key with another method, path or body is a 422; while the first request is still running, a 409. Failed requests (4xx, 5xx) are not kept: their key may be used again. Keys belong to the token that sent them (to the client address for a sign-up without a token).',
    )
    // What parseIdempotencyKey holds a key to, for the document (it names the error itself).
    .meta({ pattern: `^"?[\\x21\\x23-\\x5B\\x5D-\\x7E]{${IDEMPOTENCY_KEY_MIN},${IDEMPOTENCY_KEY_MAX}}"?$`, maxLength: IDEMPOTENCY_KEY_MAX + 2 }),
});
