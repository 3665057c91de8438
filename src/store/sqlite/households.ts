import { and, asc, count, eq, gt, sql } from 'drizzle-orm';
import type { SqliteDb } from '../../db/sqlite/client.js';
import { children, households, overrides, reviews, titles } from '../../db/sqlite/schema.js';
import { Conflict, NotFound } from '../../domain/errors.js';
import { checkVersion } from '../versions.js';
import { newId } from '../ids.js';
import { insertToken } from './tokens.js';
import { OVERRIDE_FIELDS, pick } from '../columns.js';
import type { ChildRecord, ChildStore, ExpectedVersions, HouseholdStore, OverrideRecord, OverrideStore } from '../types.js';

const immediate = { behavior: 'immediate' } as const;

export function createSqliteHouseholdStore(db: SqliteDb, communityChanged: (titleIds: string[]) => void = () => {}): HouseholdStore {
  return {
    async create(name) {
      const row = { id: newId('hh'), name, createdAt: new Date().toISOString() };
      db.insert(households).values(row).run();
      return row;
    },
    async createWithToken(name, token) {
      return db.transaction((tx) => {
        const household = { id: newId('hh'), name, createdAt: new Date().toISOString() };
        tx.insert(households).values(household).run();
        return { household, token: insertToken(tx, { ...token, role: 'household', householdId: household.id }) };
      }, immediate);
    },
    async get(id) {
      return db.select().from(households).where(eq(households.id, id)).get() ?? null;
    },
    async remove(id) {
      // Children, overrides, reviews, votes, flags and tokens go by ON DELETE CASCADE.
      const { removed, reviewed } = db.transaction((tx) => {
        const reviewed = tx.selectDistinct({ titleId: reviews.titleId }).from(reviews).where(eq(reviews.householdId, id)).all().map((r) => r.titleId);
        return { removed: tx.delete(households).where(eq(households.id, id)).run().changes > 0, reviewed };
      }, immediate);
      communityChanged(reviewed);
      // secure_delete zeroes the freed pages; copying the log into the database and truncating it
      // drops the old page images the write-ahead log still held.
      if (removed) db.$client.pragma('wal_checkpoint(TRUNCATE)');
      return removed;
    },
    async footprint(id) {
      const count = (q: ReturnType<typeof sql>) => db.get<{ n: number }>(q).n;
      return (
        count(sql`select count(*) as n from households where id = ${id}`) +
        count(sql`select count(*) as n from tokens where household_id = ${id}`) +
        count(sql`select count(*) as n from children where household_id = ${id}`) +
        count(sql`select count(*) as n from overrides where child_id in (select id from children where household_id = ${id})`) +
        count(sql`select count(*) as n from reviews where household_id = ${id}`) +
        count(sql`select count(*) as n from review_votes where household_id = ${id}`) +
        count(sql`select count(*) as n from flags where household_id = ${id}`) +
        count(sql`select count(*) as n from idempotency_keys where household_id = ${id}`)
      );
    },
  };
}

type ChildRow = typeof children.$inferSelect;
const toChild = (row: ChildRow): ChildRecord => row as ChildRecord;

export function createSqliteChildStore(db: SqliteDb): ChildStore {
  const own = (householdId: string, childId: string) => and(eq(children.householdId, householdId), eq(children.id, childId));

  function findOwn(tx: Pick<SqliteDb, 'select'>, householdId: string, childId: string, expected: ExpectedVersions): ChildRow {
    const row = tx.select().from(children).where(own(householdId, childId)).get();
    if (!row) throw new NotFound(`No child has the id ${childId}.`);
    checkVersion("child's profile", row.version, expected);
    return row;
  }

  // Every request about a child asks this first: compiled once.
  const ownOne = db
    .select()
    .from(children)
    .where(and(eq(children.householdId, sql.placeholder('household')), eq(children.id, sql.placeholder('child'))))
    .prepare();

  return {
    async create(householdId, fields, limit) {
      const now = new Date().toISOString();
      const row = { id: newId('ch'), householdId, ...fields, version: 1, createdAt: now, updatedAt: now };
      db.transaction((tx) => {
        // Counted inside the write lock: two requests at once cannot both take the last place.
        const { n } = tx.select({ n: count() }).from(children).where(eq(children.householdId, householdId)).get()!;
        if (n >= limit) throw new Conflict('limit', `The household already has ${n} children, the most it may have; remove a child profile to add another.`);
        tx.insert(children).values(row).run();
      }, immediate);
      return toChild(row);
    },
    async get(householdId, childId) {
      const row = ownOne.get({ household: householdId, child: childId });
      return row ? toChild(row) : null;
    },
    async list(householdId, { limit, after }) {
      const rows = db
        .select()
        .from(children)
        .where(and(eq(children.householdId, householdId), after ? gt(children.id, after) : undefined))
        .orderBy(asc(children.id))
        .limit(limit + 1)
        .all();
      return { items: rows.slice(0, limit).map(toChild), more: rows.length > limit };
    },
    async update(householdId, childId, patch, expected) {
      return db.transaction((tx) => {
        const row = findOwn(tx, householdId, childId, expected);
        const merged = { ...row, ...patch };
        // A change that changes nothing keeps the version, so If-Match elsewhere still holds.
        if (JSON.stringify(merged) === JSON.stringify(row)) return toChild(row);
        const next = { ...merged, version: row.version + 1, updatedAt: new Date().toISOString() };
        tx.update(children).set(next).where(eq(children.id, childId)).run();
        return toChild(next);
      }, immediate);
    },
    async remove(householdId, childId, expected) {
      db.transaction((tx) => {
        findOwn(tx, householdId, childId, expected);
        tx.delete(children).where(eq(children.id, childId)).run();
      }, immediate);
    },
  };
}

export function createSqliteOverrideStore(db: SqliteDb): OverrideStore {
  const COLUMNS = { ...pick(overrides, OVERRIDE_FIELDS), titleName: titles.name };
  const select = (tx: Pick<SqliteDb, 'select'> = db) => tx.select(COLUMNS).from(overrides).innerJoin(titles, eq(titles.id, overrides.titleId));
  const one = (childId: string, titleId: string) => and(eq(overrides.childId, childId), eq(overrides.titleId, titleId));
  // Every verdict and catalogue page asks for the child's overrides: compiled once.
  const forAll = select().where(eq(overrides.childId, sql.placeholder('child'))).prepare();
  const forSome = select()
    .where(and(eq(overrides.childId, sql.placeholder('child')), sql`${overrides.titleId} in (select value from json_each(${sql.placeholder('ids')}))`))
    .prepare();

  return {
    async put(childId, titleId, o, expected) {
      return db.transaction((tx) => {
        const now = new Date().toISOString();
        const existing = tx.select({ createdAt: overrides.createdAt, version: overrides.version }).from(overrides).where(one(childId, titleId)).get();
        checkVersion('override', existing?.version, expected);
        const row = { childId, titleId, ...o, version: (existing?.version ?? 0) + 1, createdAt: existing?.createdAt ?? now, updatedAt: now };
        tx.insert(overrides).values(row).onConflictDoUpdate({ target: [overrides.childId, overrides.titleId], set: row }).run();
        return { override: select(tx).where(one(childId, titleId)).get()!, created: !existing };
      }, immediate);
    },
    async forTitles(childId, titleIds) {
      if (titleIds && titleIds.length === 0) return new Map();
      const rows = titleIds ? forSome.all({ child: childId, ids: JSON.stringify(titleIds) }) : forAll.all({ child: childId });
      return new Map(rows.map((r: OverrideRecord) => [r.titleId, r]));
    },
    async list(childId, { limit, after }) {
      const rows = select()
        .where(and(eq(overrides.childId, childId), after ? gt(overrides.titleId, after) : undefined))
        .orderBy(asc(overrides.titleId))
        .limit(limit + 1)
        .all();
      return { items: rows.slice(0, limit), more: rows.length > limit };
    },
    async remove(childId, titleId, expected) {
      db.transaction((tx) => {
        const existing = tx.select({ version: overrides.version }).from(overrides).where(one(childId, titleId)).get();
        if (!existing) throw new NotFound('There is no override for this title.');
        checkVersion('override', existing.version, expected);
        tx.delete(overrides).where(one(childId, titleId)).run();
      }, immediate);
    },
  };
}
