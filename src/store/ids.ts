import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

function randomChars(n: number): string {
  const bytes = randomBytes(n);
  let out = '';
  // 252 is the largest multiple of 36 below 256: rejecting above it keeps every character equally likely.
  for (let i = 0; out.length < n; i++) {
    const byte = i < bytes.length ? bytes[i]! : randomBytes(1)[0]!;
    if (byte < 252) out += ALPHABET[byte % 36];
  }
  return out;
}

/** Opaque ids: a prefix, nine characters of time (so new rows append to indexes) and eleven random ones. */
export function newId(prefix: 'tl' | 'tk' | 'hh' | 'ch' | 'ov' | 'rv' | 'fl'): string {
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${randomChars(11)}`;
}
