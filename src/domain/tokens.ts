/**
 * API tokens: `gp_<kind>_` + 32 random base62 characters + a 6-character CRC32 checksum, so a
 * mistyped or truncated token is told apart from an unknown one without touching the database
 * (and secret scanners can recognise ours). Only a SHA-256 hash is ever stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
/** household: a family's own; child: one child's device, scoped to that child (src/plugins/auth.ts); editor and admin: staff. */
export type Role = 'household' | 'child' | 'editor' | 'admin';

/** Who asks, as the rules see it: a role and, for a household token, its household. */
export interface Caller {
  role: Role;
  /** Set for household and child tokens: the household whose data the token may reach. */
  householdId: string | null;
  /** Set for child tokens: the one child whose verdicts and catalogue the token may reach. */
  childId: string | null;
}

/** How many live device tokens one child may have. */
export const TOKENS_PER_CHILD = 5;

/**
 * Whether the caller wrote what the household (and, for a kid's, the child) wrote: the
 * household's token for all of the household's, a child's device only for its own child's.
 */
export function isAuthor(item: { householdId: string; childId: string | null }, caller: Caller | null): boolean {
  if (!caller?.householdId || caller.householdId !== item.householdId) return false;
  return caller.role !== 'child' || item.childId === caller.childId;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const PREFIX: Record<Role, string> = { household: 'gp_hh_', child: 'gp_ch_', editor: 'gp_ed_', admin: 'gp_ad_' };
const ROLE_OF_PREFIX = new Map(Object.entries(PREFIX).map(([role, prefix]) => [prefix, role as Role]));
const TOKEN = /^(gp_(?:hh|ch|ed|ad)_)([0-9A-Za-z]{32})([0-9A-Za-z]{6})$/;

function base62(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

function checksum(prefix: string, body: string): string {
  return base62(crc32(prefix + body), 6);
}

export function generateToken(role: Role): string {
  const prefix = PREFIX[role];
  let body = '';
  while (body.length < 32) {
    for (const byte of randomBytes(40)) if (byte < 248 && body.length < 32) body += BASE62[byte % 62];
  }
  return prefix + body + checksum(prefix, body);
}

/** The role a well-formed token claims, or null when its shape or checksum is wrong. */
export function parseToken(token: string): { role: Role } | null {
  const m = TOKEN.exec(token);
  if (!m || checksum(m[1]!, m[2]!) !== m[3]) return null;
  return { role: ROLE_OF_PREFIX.get(m[1]!)! };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Text that may reach a log with anything shaped like a token (even a mistyped one) masked: a
 * client may put its token where none belongs, such as a URL.
 */
export function maskTokens(text: string): string {
  return text.replace(/gp_(?:hh|ch|ed|ad)_[0-9A-Za-z]{8,}/g, (token) => `${token.slice(0, 6)}[redacted]`);
}

/** Enough of a token to recognise it in a list, never enough to use it. */
export function tokenHint(token: string): string {
  return `${token.slice(0, 6)}…${token.slice(-4)}`;
}
