import { and, asc, desc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { PgDb, PgExecutor } from '../../db/pg/client.js';
import { flags, reviews, reviewVotes } from '../../db/pg/schema.js';
import { Conflict, NotFound } from '../../domain/errors.js';
import { checkVersion } from '../versions.js';
import { newId } from '../ids.js';
import { noteTitleChanges } from './title-changes.js';
import { pick, REVIEW_FIELDS } from '../columns.js';
import type { ExpectedVersions, FlagRecord, FlagStore, ReviewRecord, ReviewStore, SortKey } from '../types.js';

// drizzle may hand over the pg error itself or wrap it (the pg error is then its cause).
const isUnique = (err: unknown) => ((err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code) === '23505';

/** Every write that can move a title's community figures records the title (noteTitleChanges) in its transaction. */
export function createPgReviewStore(db: PgDb): ReviewStore {
  // Spelled out: drizzle drops table names from columns in a select or returning list, and a bare
  // "id" would then mean the review only as long as review_votes has no column of that name.
  const helpful = sql<number>`(select count(*)::int from review_votes v where v.review_id = reviews.id)`;
  const COLUMNS = {
    ...pick(reviews, REVIEW_FIELDS),
    helpful: helpful.mapWith(Number),
    version: reviews.version,
    createdAt: reviews.createdAt,
    updatedAt: reviews.updatedAt,
  };
  const read = async (id: string): Promise<ReviewRecord | null> => (await db.select(COLUMNS).from(reviews).where(eq(reviews.id, id)))[0] ?? null;

  /** Inside a writing transaction: the review's version, its row locked until the commit, so a version checked stays checked. */
  async function checked(tx: Pick<PgExecutor, 'select'>, id: string, expected: ExpectedVersions): Promise<{ version: number }> {
    const [current] = await tx.select({ version: reviews.version }).from(reviews).where(eq(reviews.id, id)).for('update');
    if (!current) throw new NotFound(`No review has the id ${id}.`);
    checkVersion('review', current.version, expected);
    return current;
  }

  async function create(review: Parameters<ReviewStore['create']>[0]): Promise<ReviewRecord> {
    const now = new Date().toISOString();
    const id = newId('rv');
    try {
      return await db.transaction(async (tx) => {
        const [created] = await tx.insert(reviews).values({ ...review, id, hidden: false, createdAt: now, updatedAt: now }).returning(COLUMNS);
        await noteTitleChanges(tx, [review.titleId]);
        return created!;
      });
    } catch (err) {
      if (!isUnique(err)) throw err;
    }
    // Asked after the failed transaction: a failed statement ends a PostgreSQL transaction.
    const [existing] = await db
      .select({ id: reviews.id })
      .from(reviews)
      .where(and(eq(reviews.titleId, review.titleId), review.childId ? eq(reviews.childId, review.childId) : and(eq(reviews.householdId, review.householdId), isNull(reviews.childId))))
      .limit(1);
    // The review in the way was deleted in the meantime: the place is free again.
    if (!existing) return create(review);
    throw new Conflict('duplicate', `This ${review.by === 'kid' ? 'child' : 'household'} already reviewed the title: /v1/reviews/${existing.id}. Change or delete that review instead.`);
  }

  return {
    create,
    async get(id) {
      return read(id);
    },
    async update(id, patch, expected) {
      return db.transaction(async (tx) => {
        const current = await checked(tx, id, expected);
        const [updated] = await tx
          .update(reviews)
          .set({ ...patch, version: current.version + 1, updatedAt: new Date().toISOString() })
          .where(eq(reviews.id, id))
          .returning(COLUMNS);
        await noteTitleChanges(tx, [updated!.titleId]);
        return updated!;
      });
    },
    async remove(id, expected) {
      await db.transaction(async (tx) => {
        await checked(tx, id, expected);
        const [removed] = await tx.delete(reviews).where(eq(reviews.id, id)).returning({ titleId: reviews.titleId });
        await noteTitleChanges(tx, [removed!.titleId]);
      });
    },
    async list(titleId, { by, sort, limit, after }) {
      const key: SQL = sort === 'helpful' ? helpful : sql`${reviews.createdAt}`;
      const rows = await db
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
        .limit(limit + 1);
      const items = rows.slice(0, limit);
      return { items, keys: items.map((r) => [sort === 'helpful' ? r.helpful : r.createdAt, r.id] as SortKey), more: rows.length > limit };
    },
    async vote(reviewId, householdId) {
      const { rowCount } = await db.insert(reviewVotes).values({ reviewId, householdId, createdAt: new Date().toISOString() }).onConflictDoNothing();
      return (rowCount ?? 0) > 0;
    },
    async unvote(reviewId, householdId) {
      const { rowCount } = await db.delete(reviewVotes).where(and(eq(reviewVotes.reviewId, reviewId), eq(reviewVotes.householdId, householdId)));
      return (rowCount ?? 0) > 0;
    },
    async setHidden(id, hidden) {
      return db.transaction(async (tx) => {
        const [review] = await tx.update(reviews).set({ hidden }).where(eq(reviews.id, id)).returning(COLUMNS);
        if (!review) return null;
        await noteTitleChanges(tx, [review.titleId]);
        return review;
      });
    },
    async forHousehold(householdId) {
      return db.select(COLUMNS).from(reviews).where(eq(reviews.householdId, householdId)).orderBy(asc(reviews.id));
    },
    async votesOf(householdId) {
      // SQLite hands them out in the order they were cast (its rowid); their time comes closest.
      return db
        .select({ reviewId: reviewVotes.reviewId, createdAt: reviewVotes.createdAt })
        .from(reviewVotes)
        .where(eq(reviewVotes.householdId, householdId))
        .orderBy(asc(reviewVotes.createdAt), asc(reviewVotes.reviewId));
    },
  };
}

export function createPgFlagStore(db: PgDb): FlagStore {
  return {
    async create(flag) {
      try {
        const [created] = await db
          .insert(flags)
          .values({ ...flag, id: newId('fl'), status: 'open', resolutionNote: null, createdAt: new Date().toISOString(), resolvedAt: null })
          .returning();
        return created!;
      } catch (err) {
        if (!isUnique(err)) throw err;
        throw new Conflict('duplicate', `You already have an open flag on this ${flag.targetKind}; it is waiting for an editor.`);
      }
    },
    async get(id) {
      return (await db.select().from(flags).where(eq(flags.id, id)))[0] ?? null;
    },
    async list({ status, targetKind, limit, after }) {
      const rows = await db
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
        .limit(limit + 1);
      const items = rows.slice(0, limit);
      return { items, keys: items.map((f) => [f.createdAt, f.id] as SortKey), more: rows.length > limit };
    },
    async close(id, status, note): Promise<FlagRecord | null> {
      // One statement: of two closings at once, the second finds the flag no longer open.
      const [closed] = await db
        .update(flags)
        .set({ status, resolutionNote: note, resolvedAt: new Date().toISOString() })
        .where(and(eq(flags.id, id), eq(flags.status, 'open')))
        .returning();
      return closed ?? null;
    },
    async forHousehold(householdId) {
      return db.select().from(flags).where(eq(flags.householdId, householdId)).orderBy(asc(flags.id));
    },
  };
}
