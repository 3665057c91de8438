import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

// Random bytes drawn 4 kB at a time: one call into the system's generator per few hundred ids
// (an import makes a million), where a call per id cost more than the rest of making it.
const pool = Buffer.alloc(4096);
let used = pool.length;

function randomByte(): number {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  return pool[used++]!;
}

function randomChars(n: number): string {
  let out = '';
  // 252 is the largest multiple of 36 below 256: rejecting above it keeps every character equally likely.
  while (out.length < n) {
    const byte = randomByte();
    if (byte < 252) out += ALPHABET[byte % 36];
  }
  return out;
}

/** Opaque ids: a prefix, nine characters of time (so new rows append to indexes) and eleven random ones. */
export function newId(prefix: 'tl' | 'tk' | 'hh' | 'ch' | 'ov' | 'rv' | 'fl' | 'rq'): string {
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${randomChars(11)}`;
}
