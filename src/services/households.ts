/** Households and tokens: sign-up, the household's own tokens, staff tokens, erasure and export. */
import type { Config } from '../config.js';
import { Conflict, NotAllowed, NotAuthenticated, NotFound } from '../domain/errors.js';
import { generateToken, hashToken, tokenHint, type Caller, type Role } from '../domain/tokens.js';
import { newId } from '../store/ids.js';
import type { ChildRecord, Household, HouseholdFields, SortKey, Store, TokenInfo, WatchRequestRecord } from '../store/types.js';

/** Households manage their own tokens; admins manage these. */
const STAFF: readonly Role[] = ['editor', 'admin'];

/** Mints a token, stores only its hash, and hands the secret back this once (a household's only below `limit` live tokens). */
export async function issueToken(
  store: Store,
  role: Role,
  name: string | null,
  householdId: string | null = null,
  limit?: number,
  childId: string | null = null,
): Promise<TokenInfo & { token: string }> {
  const token = generateToken(role);
  const info = await store.tokens.create({ id: newId('tk'), role, householdId, childId, name, hash: hashToken(token), hint: tokenHint(token) }, limit);
  return { ...info, token };
}

/** Signs a household up: the household and its first token, stored together, the secret handed back this once. */
export async function signUp(store: Store, name: string | null, country: string | null = null): Promise<{ household: Household; token: TokenInfo & { token: string } }> {
  const token = generateToken('household');
  const created = await store.households.createWithToken({ name, country }, { id: newId('tk'), name: null, hash: hashToken(token), hint: tokenHint(token) });
  return { household: created.household, token: { ...created.token, token } };
}

/** The caller's household. A token outlives nothing (erasing a household deletes its tokens): this is for a race with that. */
export async function findHousehold(store: Store, householdId: string): Promise<Household> {
  const household = await store.households.get(householdId);
  if (!household) throw new NotFound('The household no longer exists.');
  return household;
}

async function allChildren(store: Store, householdId: string): Promise<ChildRecord[]> {
  const all: ChildRecord[] = [];
  let after: string | undefined;
  for (;;) {
    const { items, more } = await store.children.list(householdId, { limit: 100, after });
    all.push(...items);
    if (!more) return all;
    after = items.at(-1)!.id;
  }
}

/** Every request of these children, newest first. */
async function allRequests(store: Store, childIds: readonly string[]): Promise<WatchRequestRecord[]> {
  const all: WatchRequestRecord[] = [];
  for (let after: SortKey | undefined; ; ) {
    const { items, keys, more } = await store.requests.list(childIds, { limit: 500, after });
    all.push(...items);
    if (!more) return all;
    after = keys.at(-1);
  }
}

export function householdService(store: Store, config: Pick<Config, 'SIGNUP' | 'TOKENS_PER_HOUSEHOLD'>) {
  return {
    /**
     * `admit` runs once the rule lets the caller through and before anything is written: a
     * sign-up refused for being closed must not count against the caller's sign-up limit.
     */
    async signUp(caller: Caller | null, fields: HouseholdFields, admit: () => Promise<void>) {
      if (config.SIGNUP === 'closed' && caller?.role !== 'admin') {
        if (!caller) throw new NotAuthenticated('Sign-up is closed: an admin token is needed to create a household.');
        throw new NotAllowed('Sign-up is closed: only an admin may create a household.');
      }
      await admit();
      return signUp(store, fields.name, fields.country);
    },

    getHousehold: (householdId: string) => findHousehold(store, householdId),

    async updateHousehold(householdId: string, patch: Partial<HouseholdFields>): Promise<Household> {
      const household = await store.households.update(householdId, patch);
      if (!household) throw new NotFound('The household no longer exists.');
      return household;
    },

    async eraseHousehold(householdId: string): Promise<void> {
      const household = await findHousehold(store, householdId);
      await store.households.remove(household.id);
    },

    /** Everything held about the household, as records; `now` is when the export was taken. */
    async exportHousehold(householdId: string, now: Date) {
      const household = await findHousehold(store, householdId);
      const children = await allChildren(store, household.id);
      return {
        exportedAt: now.toISOString(),
        household,
        tokens: await store.tokens.listForHousehold(household.id),
        children: await Promise.all(children.map(async (child) => ({ child, overrides: [...(await store.overrides.forTitles(child.id)).values()] }))),
        requests: await allRequests(store, children.map((c) => c.id)),
        reviews: await store.reviews.forHousehold(household.id),
        helpfulMarks: await store.reviews.votesOf(household.id),
        flags: await store.flags.forHousehold(household.id),
      };
    },

    async listTokens(householdId: string): Promise<TokenInfo[]> {
      return store.tokens.listForHousehold((await findHousehold(store, householdId)).id);
    },

    /** Another token for the household, within its cap of live tokens. */
    async mintToken(householdId: string, name: string | null) {
      const household = await findHousehold(store, householdId);
      return issueToken(store, 'household', name, household.id, config.TOKENS_PER_HOUSEHOLD);
    },

    /** Never the last live token: that would lock the household out of its own data. */
    async revokeToken(householdId: string, tokenId: string): Promise<void> {
      const household = await findHousehold(store, householdId);
      const outcome = await store.tokens.revokeForHousehold(household.id, tokenId);
      if (outcome === 'not-found') throw new NotFound(`The household has no live token with the id ${tokenId}.`);
      if (outcome === 'last') throw new Conflict('state', 'This is the household’s last live token; mint another first, or delete the household.');
    },

    createStaffToken: (role: Role, name: string | null) => issueToken(store, role, name),
    listStaffTokens: () => store.tokens.list(STAFF),

    /** Only editor and admin tokens: a household's tokens are its own to revoke. */
    async revokeStaffToken(tokenId: string): Promise<void> {
      const existing = await store.tokens.get(tokenId);
      if (!existing || !STAFF.includes(existing.role)) throw new NotFound(`No editor or admin token has the id ${tokenId}.`);
      await store.tokens.revoke(existing.id);
    },
  };
}
