import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { SqliteDb } from '../../db/sqlite/client.js';
import { flags, reviews, reviewVotes } from '../../db/sqlite/schema.js';
import { Conflict, NotFound } from '../../domain/errors.js';
import { checkVersion } from '../versions.js';
import { newId } from '../ids.js';
import { pick, REVIEW_FIELDS } from '../columns.js';
import type { ExpectedVersions, FlagRecord, FlagStore, ReviewRecord, ReviewStore, SortKey } from '../types.js';

const immediate = { behavior: 'immediate' } as const;
const isUnique = (err: unknown) => (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';

/** `communityChanged` hears of every write that can move a title's community figures. */
export function createSqliteReviewStore(db: SqliteDb, communityChanged: (titleIds: string[]) => void = () => {}): ReviewStore {
  const helpful = sql<number>`(select count(*) from ${reviewVotes} where ${reviewVotes.reviewId} = ${reviews.id})`;
  const COLUMNS = {
    ...pick(reviews, REVIEW_FIELDS),
    helpful: helpful.mapWith(Number),
    version: reviews.version,
    createdAt: reviews.createdAt,
    updatedAt: reviews.updatedAt,
  };
  const read = (id: string): ReviewRecord | null => db.select(COLUMNS).from(reviews).where(eq(reviews.id, id)).get() ?? null;

  function checked(tx: Pick<SqliteDb, 'select'>, id: string, expected: ExpectedVersions): { version: number } {
    const current = tx.select({ version: reviews.version }).from(reviews).where(eq(reviews.id, id)).get();
    if (!current) throw new NotFound(`No review has the id ${id}.`);
    checkVersion('review', current.version, expected);
    return current;
  }

  return {
    async create(review) {
      const now = new Date().toISOString();
      const id = newId('rv');
      try {
        db.insert(reviews).values({ ...review, id, hidden: false, createdAt: now, updatedAt: now }).run();
      } catch (err) {
        if (!isUnique(err)) throw err;
        const existing = db
          .select({ id: reviews.id })
          .from(reviews)
          .where(and(eq(reviews.titleId, review.titleId), review.childId ? eq(reviews.childId, review.childId) : and(eq(reviews.householdId, review.householdId), sql`${reviews.childId} is null`)))
          .get()!;
        throw new Conflict('duplicate', `This ${review.by === 'kid' ? 'child' : 'household'} already reviewed the title: /v1/reviews/${existing.id}. Change or delete that review instead.`);
      }
      communityChanged([review.titleId]);
      return read(id)!;
    },
    async get(id) {
      return read(id);
    },
    async update(id, patch, expected) {
      const updated = db.transaction((tx) => {
        const current = checked(tx, id, expected);
        tx.update(reviews)
          .set({ ...patch, version: current.version + 1, updatedAt: new Date().toISOString() })
          .where(eq(reviews.id, id))
          .run();
        return read(id)!;
      }, immediate);
      communityChanged([updated.titleId]);
      return updated;
    },
    async remove(id, expected) {
      const titleId = db.transaction((tx) => {
        checked(tx, id, expected);
        return tx.delete(reviews).where(eq(reviews.id, id)).returning({ titleId: reviews.titleId }).get()!.titleId;
      }, immediate);
      communityChanged([titleId]);
    },
    async list(titleId, { by, sort, limit, after }) {
      const key: SQL = sort === 'helpful' ? helpful : sql`${reviews.createdAt}`;
      const rows = db
        .select(COLUMNS)
        .from(reviews)
        .where(
          and(
            eq(reviews.titleId, titleId),
            eq(reviews.hidden, false),
            by ? eq(reviews.by, by) : undefined,
            after ? sql`(${key}, ${reviews.id}) < (${after[0]}, ${after[1]})` : undefined,
          ),
        )
        .orderBy(desc(key), desc(reviews.id))
        .limit(limit + 1)
        .all();
      const items = rows.slice(0, limit);
      return { items, keys: items.map((r) => [sort === 'helpful' ? r.helpful : r.createdAt, r.id] as SortKey), more: rows.length > limit };
    },
    async vote(reviewId, householdId) {
      return db.insert(reviewVotes).values({ reviewId, householdId, createdAt: new Date().toISOString() }).onConflictDoNothing().run().changes > 0;
    },
    async unvote(reviewId, householdId) {
      return db.delete(reviewVotes).where(and(eq(reviewVotes.reviewId, reviewId), eq(reviewVotes.householdId, householdId))).run().changes > 0;
    },
    async setHidden(id, hidden) {
      const review = db.transaction((tx) => {
        tx.update(reviews).set({ hidden }).where(eq(reviews.id, id)).run();
        return read(id);
      }, immediate);
      if (review) communityChanged([review.titleId]);
      return review;
    },
    async forHousehold(householdId) {
      return db.select(COLUMNS).from(reviews).where(eq(reviews.householdId, householdId)).orderBy(asc(reviews.id)).all();
    },
    async votesOf(householdId) {
      return db.select({ reviewId: reviewVotes.reviewId, createdAt: reviewVotes.createdAt }).from(reviewVotes).where(eq(reviewVotes.householdId, householdId)).all();
    },
  };
}

export function createSqliteFlagStore(db: SqliteDb): FlagStore {
  const read = (id: string): FlagRecord | null => db.select().from(flags).where(eq(flags.id, id)).get() ?? null;
  return {
    async create(flag) {
      const id = newId('fl');
      try {
        db.insert(flags).values({ ...flag, id, status: 'open', resolutionNote: null, createdAt: new Date().toISOString(), resolvedAt: null }).run();
      } catch (err) {
        if (!isUnique(err)) throw err;
        throw new Conflict('duplicate', `You already have an open flag on this ${flag.targetKind}; it is waiting for an editor.`);
      }
      return read(id)!;
    },
    async get(id) {
      return read(id);
    },
    async list({ status, targetKind, limit, after }) {
      const rows = db
        .select()
        .from(flags)
        .where(
          and(
            status ? eq(flags.status, status) : undefined,
            targetKind ? eq(flags.targetKind, targetKind) : undefined,
            after ? sql`(${flags.createdAt}, ${flags.id}) > (${after[0]}, ${after[1]})` : undefined,
          ),
        )
        .orderBy(asc(flags.createdAt), asc(flags.id))
        .limit(limit + 1)
        .all();
      const items = rows.slice(0, limit);
      return { items, keys: items.map((f) => [f.createdAt, f.id] as SortKey), more: rows.length > limit };
    },
    async close(id, status, note) {
      return db.transaction((tx) => {
        const changed = tx
          .update(flags)
          .set({ status, resolutionNote: note, resolvedAt: new Date().toISOString() })
          .where(and(eq(flags.id, id), eq(flags.status, 'open')))
          .run().changes;
        return changed ? read(id) : null;
      }, immediate);
    },
    async forHousehold(householdId) {
      return db.select().from(flags).where(eq(flags.householdId, householdId)).orderBy(asc(flags.id)).all();
    },
  };
}
