import { and, asc, count, eq, gt, inArray, sql } from 'drizzle-orm';
import type { PgDb, PgExecutor } from '../../db/pg/client.js';
import { children, households, overrides, reviews, titles } from '../../db/pg/schema.js';
import { Conflict, NotFound } from '../../domain/errors.js';
import { checkVersion } from '../versions.js';
import { newId } from '../ids.js';
import { insertToken, lockHousehold } from './tokens.js';
import { noteTitleChanges } from './title-changes.js';
import { OVERRIDE_FIELDS, pick } from '../columns.js';
import type { ChildRecord, ChildStore, ExpectedVersions, HouseholdStore, OverrideRecord, OverrideStore } from '../types.js';

export function createPgHouseholdStore(db: PgDb): HouseholdStore {
  return {
    async create(name) {
      const row = { id: newId('hh'), name, createdAt: new Date().toISOString() };
      await db.insert(households).values(row);
      return row;
    },
    async createWithToken(name, token) {
      return db.transaction(async (tx) => {
        const household = { id: newId('hh'), name, createdAt: new Date().toISOString() };
        await tx.insert(households).values(household);
        return { household, token: await insertToken(tx, { ...token, role: 'household', householdId: household.id }) };
      });
    },
    async get(id) {
      return (await db.select().from(households).where(eq(households.id, id)))[0] ?? null;
    },
    async remove(id) {
      // Children, overrides, reviews, votes, flags and tokens go by ON DELETE CASCADE.
      return db.transaction(async (tx) => {
        // FOR UPDATE waits for reviews being written for the household and holds off new ones
        // (their foreign key check needs the row), so the titles read next are all that go.
        const [found] = await tx.select({ id: households.id }).from(households).where(eq(households.id, id)).for('update');
        if (!found) return false;
        const reviewed = (await tx.selectDistinct({ titleId: reviews.titleId }).from(reviews).where(eq(reviews.householdId, id))).map((r) => r.titleId);
        await tx.delete(households).where(eq(households.id, id));
        await noteTitleChanges(tx, reviewed);
        return true;
      });
    },
    async footprint(id) {
      // One statement: one snapshot for every table.
      const { rows } = await db.execute<{ n: number }>(sql`select (
        (select count(*) from households where id = ${id}) +
        (select count(*) from tokens where household_id = ${id}) +
        (select count(*) from children where household_id = ${id}) +
        (select count(*) from overrides where child_id in (select id from children where household_id = ${id})) +
        (select count(*) from reviews where household_id = ${id}) +
        (select count(*) from review_votes where household_id = ${id}) +
        (select count(*) from flags where household_id = ${id}) +
        (select count(*) from idempotency_keys where household_id = ${id})
      )::int as n`);
      return rows[0]!.n;
    },
  };
}

type ChildRow = typeof children.$inferSelect;
const toChild = (row: ChildRow): ChildRecord => row as ChildRecord;

export function createPgChildStore(db: PgDb): ChildStore {
  const own = (householdId: string, childId: string) => and(eq(children.householdId, householdId), eq(children.id, childId));

  /** Inside a writing transaction: the child, its row locked until the commit, so a version checked stays checked. */
  async function findOwn(tx: Pick<PgExecutor, 'select'>, householdId: string, childId: string, expected: ExpectedVersions): Promise<ChildRow> {
    const [row] = await tx.select().from(children).where(own(householdId, childId)).for('update');
    if (!row) throw new NotFound(`No child has the id ${childId}.`);
    checkVersion("child's profile", row.version, expected);
    return row;
  }

  // Every request about a child asks this first: prepared once per connection.
  const ownOne = db
    .select()
    .from(children)
    .where(and(eq(children.householdId, sql.placeholder('household')), eq(children.id, sql.placeholder('child'))))
    .prepare('child_of_household');

  return {
    async create(householdId, fields, limit) {
      const now = new Date().toISOString();
      const row = { id: newId('ch'), householdId, ...fields, version: 1, createdAt: now, updatedAt: now };
      await db.transaction(async (tx) => {
        // Counted under the household's lock: two requests at once cannot both take the last place.
        await lockHousehold(tx, householdId);
        const { n } = (await tx.select({ n: count() }).from(children).where(eq(children.householdId, householdId)))[0]!;
        if (n >= limit) throw new Conflict('limit', `The household already has ${n} children, the most it may have; remove a child profile to add another.`);
        await tx.insert(children).values(row);
      });
      return toChild(row);
    },
    async get(householdId, childId) {
      const [row] = await ownOne.execute({ household: householdId, child: childId });
      return row ? toChild(row) : null;
    },
    async list(householdId, { limit, after }) {
      const rows = await db
        .select()
        .from(children)
        .where(and(eq(children.householdId, householdId), after ? gt(children.id, after) : undefined))
        .orderBy(asc(children.id))
        .limit(limit + 1);
      return { items: rows.slice(0, limit).map(toChild), more: rows.length > limit };
    },
    async update(householdId, childId, patch, expected) {
      return db.transaction(async (tx) => {
        const row = await findOwn(tx, householdId, childId, expected);
        const merged = { ...row, ...patch };
        // A change that changes nothing keeps the version, so If-Match elsewhere still holds.
        if (JSON.stringify(merged) === JSON.stringify(row)) return toChild(row);
        const next = { ...merged, version: row.version + 1, updatedAt: new Date().toISOString() };
        await tx.update(children).set(next).where(eq(children.id, childId));
        return toChild(next);
      });
    },
    async remove(householdId, childId, expected) {
      await db.transaction(async (tx) => {
        await findOwn(tx, householdId, childId, expected);
        await tx.delete(children).where(eq(children.id, childId));
      });
    },
  };
}

export function createPgOverrideStore(db: PgDb): OverrideStore {
  const COLUMNS = { ...pick(overrides, OVERRIDE_FIELDS), titleName: titles.name };
  const select = (tx: Pick<PgExecutor, 'select'> = db) => tx.select(COLUMNS).from(overrides).innerJoin(titles, eq(titles.id, overrides.titleId));
  const one = (childId: string, titleId: string) => and(eq(overrides.childId, childId), eq(overrides.titleId, titleId));

  return {
    async put(childId, titleId, o, expected) {
      return db.transaction(async (tx) => {
        // The child's row, locked, stands for all its overrides: a first put of a title waits for
        // another one in flight and then finds its row, as it would behind SQLite's one writer.
        await tx.select({ id: children.id }).from(children).where(eq(children.id, childId)).for('no key update');
        const now = new Date().toISOString();
        // FOR UPDATE as well, for a removal in flight (it locks only the override).
        const [existing] = await tx.select({ createdAt: overrides.createdAt, version: overrides.version }).from(overrides).where(one(childId, titleId)).for('update');
        checkVersion('override', existing?.version, expected);
        const row = { childId, titleId, ...o, version: (existing?.version ?? 0) + 1, createdAt: existing?.createdAt ?? now, updatedAt: now };
        await tx.insert(overrides).values(row).onConflictDoUpdate({ target: [overrides.childId, overrides.titleId], set: row });
        return { override: (await select(tx).where(one(childId, titleId)))[0]!, created: !existing };
      });
    },
    async forTitles(childId, titleIds) {
      if (titleIds && titleIds.length === 0) return new Map();
      const rows = await select()
        .where(and(eq(overrides.childId, childId), titleIds ? inArray(overrides.titleId, [...titleIds]) : undefined))
        // SQLite hands them out in title order (its primary key index); so do we.
        .orderBy(asc(overrides.titleId));
      return new Map(rows.map((r: OverrideRecord) => [r.titleId, r]));
    },
    async list(childId, { limit, after }) {
      const rows = await select()
        .where(and(eq(overrides.childId, childId), after ? gt(overrides.titleId, after) : undefined))
        .orderBy(asc(overrides.titleId))
        .limit(limit + 1);
      return { items: rows.slice(0, limit), more: rows.length > limit };
    },
    async remove(childId, titleId, expected) {
      await db.transaction(async (tx) => {
        const [existing] = await tx.select({ version: overrides.version }).from(overrides).where(one(childId, titleId)).for('update');
        if (!existing) throw new NotFound('There is no override for this title.');
        checkVersion('override', existing.version, expected);
        await tx.delete(overrides).where(one(childId, titleId));
      });
    },
  };
}
