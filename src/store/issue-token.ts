import { generateToken, hashToken, tokenHint, type Role } from '../domain/tokens.js';
import { newId } from './ids.js';
import type { Household, Store, TokenInfo } from './types.js';

/** Mints a token, stores only its hash, and hands the secret back this once (a household's only below `limit` live tokens). */
export async function issueToken(
  store: Store,
  role: Role,
  name: string | null,
  householdId: string | null = null,
  limit?: number,
): Promise<TokenInfo & { token: string }> {
  const token = generateToken(role);
  const info = await store.tokens.create({ id: newId('tk'), role, householdId, name, hash: hashToken(token), hint: tokenHint(token) }, limit);
  return { ...info, token };
}

/** Signs a household up: the household and its first token, stored together, the secret handed back this once. */
export async function signUp(store: Store, name: string | null): Promise<{ household: Household; token: TokenInfo & { token: string } }> {
  const token = generateToken('household');
  const created = await store.households.createWithToken(name, { id: newId('tk'), name: null, hash: hashToken(token), hint: tokenHint(token) });
  return { household: created.household, token: { ...created.token, token } };
}
