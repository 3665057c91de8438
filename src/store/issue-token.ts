import { generateToken, hashToken, tokenHint, type Role } from '../domain/tokens.js';
import { newId } from './ids.js';
import type { Store, TokenInfo } from './types.js';

/** Mints a token, stores only its hash, and hands the secret back this once. */
export async function issueToken(store: Store, role: Role, name: string | null, householdId: string | null = null): Promise<TokenInfo & { token: string }> {
  const token = generateToken(role);
  const info = await store.tokens.create({ id: newId('tk'), role, householdId, name, hash: hashToken(token), hint: tokenHint(token) });
  return { ...info, token };
}
