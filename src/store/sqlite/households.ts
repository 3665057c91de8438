import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { SqliteDb } from '../../db/sqlite/client.js';
import { children, households, overrides, titles } from '../../db/sqlite/schema.js';
import { notFound, preconditionFailed } from '../../errors.js';
import { newId } from '../ids.js';
import type { ChildRecord, ChildStore, ExpectedVersions, HouseholdStore, OverrideRecord, OverrideStore } from '../types.js';

const immediate = { behavior: 'immediate' } as const;

export function createSqliteHouseholdStore(db: SqliteDb): HouseholdStore {
  return {
    async create(name) {
      const row = { id: newId('hh'), name, createdAt: new Date().toISOString() };
      db.insert(households).values(row).run();
      return row;
    },
    async get(id) {
      return db.select().from(households).where(eq(households.id, id)).get() ?? null;
    },
    async remove(id) {
      // Children, their overrides and the household's tokens go by ON DELETE CASCADE.
      return db.transaction((tx) => tx.delete(households).where(eq(households.id, id)).run().changes > 0, immediate);
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
        count(sql`select count(*) as n from flags where household_id = ${id}`)
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
    if (!row) throw notFound(`No child has the id ${childId}.`);
    if (expected && !expected.includes(row.version)) {
      throw preconditionFailed(`The child's profile has changed since you read it (its ETag is now "${row.version}"); read it again and retry.`);
    }
    return row;
  }

  return {
    async create(householdId, fields) {
      const now = new Date().toISOString();
      const row = { id: newId('ch'), householdId, ...fields, version: 1, createdAt: now, updatedAt: now };
      db.insert(children).values(row).run();
      return toChild(row);
    },
    async get(householdId, childId) {
      const row = db.select().from(children).where(own(householdId, childId)).get();
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
        const next = { ...row, ...patch, version: row.version + 1, updatedAt: new Date().toISOString() };
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
  const COLUMNS = {
    titleId: overrides.titleId,
    titleName: titles.name,
    decision: overrides.decision,
    note: overrides.note,
    expiresAt: overrides.expiresAt,
    createdAt: overrides.createdAt,
    updatedAt: overrides.updatedAt,
  };
  const select = () => db.select(COLUMNS).from(overrides).innerJoin(titles, eq(titles.id, overrides.titleId));

  return {
    async put(childId, titleId, o) {
      return db.transaction((tx) => {
        const now = new Date().toISOString();
        const existing = tx.select({ createdAt: overrides.createdAt }).from(overrides).where(and(eq(overrides.childId, childId), eq(overrides.titleId, titleId))).get();
        const row = { childId, titleId, ...o, createdAt: existing?.createdAt ?? now, updatedAt: now };
        tx.insert(overrides).values(row).onConflictDoUpdate({ target: [overrides.childId, overrides.titleId], set: row }).run();
        const override = tx.select(COLUMNS).from(overrides).innerJoin(titles, eq(titles.id, overrides.titleId)).where(and(eq(overrides.childId, childId), eq(overrides.titleId, titleId))).get()!;
        return { override, created: !existing };
      }, immediate);
    },
    async forTitles(childId, titleIds) {
      if (titleIds && titleIds.length === 0) return new Map();
      const rows = select()
        .where(and(eq(overrides.childId, childId), titleIds ? inArray(overrides.titleId, [...titleIds]) : undefined))
        .all();
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
    async remove(childId, titleId) {
      return db.delete(overrides).where(and(eq(overrides.childId, childId), eq(overrides.titleId, titleId))).run().changes > 0;
    },
  };
}
