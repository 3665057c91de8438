/** Children and their overrides: a household's own, another household's child is simply not found. */
import type { Config } from '../config.js';
import { ageOn, bornAfter } from '../domain/age.js';
import { Invalid, NotFound } from '../domain/errors.js';
import type { TitleRef } from '../domain/references.js';
import type { ChildFields, ChildRecord, ExpectedVersions, OverrideRecord, Store } from '../store/types.js';
import { findHousehold, issueToken } from './households.js';
import { TOKENS_PER_CHILD } from '../domain/tokens.js';
import type { PageRequest } from './paging.js';
import { findTitle } from './titles.js';

/** The child, if it belongs to the household; anything else is the same 404. */
export async function findChild(store: Store, householdId: string, childId: string): Promise<ChildRecord> {
  const child = await store.children.get(householdId, childId);
  if (!child) throw new NotFound(`No child has the id ${childId}.`);
  return child;
}

/** A child profile is for someone born, and 30 or younger. */
function checkBirth(birth: string | undefined, today: string): void {
  if (birth === undefined) return;
  if (bornAfter(birth, today)) throw new Invalid('birth', 'lies in the future');
  if (ageOn(birth, today) > 30) throw new Invalid('birth', 'a child profile is for someone 30 or younger');
}

export type OverrideWrite = Pick<OverrideRecord, 'decision' | 'note' | 'expiresAt'>;

export function childService(store: Store, config: Pick<Config, 'CHILDREN_PER_HOUSEHOLD'>) {
  const childAndTitle = async (householdId: string, childId: string, ref: TitleRef) => {
    const child = await findChild(store, householdId, childId);
    return { child, title: (await findTitle(store, ref)).title };
  };

  return {
    /**
     * A token for one child's own device: it reads that child's verdicts and catalogue and posts
     * the child's own reviews, and nothing else (src/plugins/auth.ts). At most TOKENS_PER_CHILD live.
     */
    async mintDeviceToken(householdId: string, childId: string, name: string | null) {
      const child = await findChild(store, householdId, childId);
      return issueToken(store, 'child', name, child.householdId, TOKENS_PER_CHILD, child.id);
    },

    /** Within the household's cap of children (the store holds it). */
    async createChild(householdId: string, fields: ChildFields, today: string): Promise<ChildRecord> {
      checkBirth(fields.birth, today);
      const household = await findHousehold(store, householdId);
      return store.children.create(household.id, fields, config.CHILDREN_PER_HOUSEHOLD);
    },

    async listChildren(householdId: string, page: PageRequest<string>) {
      const household = await findHousehold(store, householdId);
      return store.children.list(household.id, { limit: page.limit, after: page.after(household.id) });
    },

    getChild: (householdId: string, childId: string) => findChild(store, householdId, childId),

    async updateChild(householdId: string, childId: string, patch: Partial<ChildFields>, expected: ExpectedVersions, today: string): Promise<ChildRecord> {
      checkBirth(patch.birth, today);
      return store.children.update(householdId, childId, patch, expected);
    },

    removeChild: (householdId: string, childId: string, expected: ExpectedVersions) => store.children.remove(householdId, childId, expected),

    /** Sets the child's override of a title; one that would already have expired is refused. `now` is an ISO instant. */
    async putOverride(householdId: string, childId: string, ref: TitleRef, write: OverrideWrite, expected: ExpectedVersions, now: string) {
      const { child, title } = await childAndTitle(householdId, childId, ref);
      // Compared as instants written alike: an offset other than Z would otherwise compare as text.
      const expiresAt = write.expiresAt === null ? null : new Date(write.expiresAt).toISOString();
      if (expiresAt !== null && expiresAt <= now) throw new Invalid('expiresAt', 'must lie in the future');
      return store.overrides.put(child.id, title.id, { ...write, expiresAt }, expected);
    },

    async getOverride(householdId: string, childId: string, ref: TitleRef): Promise<OverrideRecord> {
      const { child, title } = await childAndTitle(householdId, childId, ref);
      const override = (await store.overrides.forTitles(child.id, [title.id])).get(title.id);
      if (!override) throw new NotFound(`There is no override for '${title.name}'.`);
      return override;
    },

    async listOverrides(householdId: string, childId: string, page: PageRequest<string>) {
      const child = await findChild(store, householdId, childId);
      return store.overrides.list(child.id, { limit: page.limit, after: page.after(child.id) });
    },

    async removeOverride(householdId: string, childId: string, ref: TitleRef, expected: ExpectedVersions): Promise<void> {
      const { child, title } = await childAndTitle(householdId, childId, ref);
      await store.overrides.remove(child.id, title.id, expected);
    },
  };
}
