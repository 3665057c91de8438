import { Conflict, NotFound } from '../domain/errors.js';
import { FLAG_FIELDS, insertInto, REVIEW_FIELDS, selectList } from './columns.js';
import type { Dialect, Executor } from './dialect.js';
import { newId } from './ids.js';
import { noteTitleChanges } from './title-changes.js';
import type { ExpectedVersions, FlagRecord, FlagStore, ReviewRecord, ReviewStore, SortKey } from './types.js';
import { checkVersion } from './versions.js';

const HELPFUL = '(select cast(count(*) as int) from review_votes v where v.review_id = r.id)';
const REVIEW = `${selectList(REVIEW_FIELDS, 'r')}, ${HELPFUL} as helpful`;
const REVIEW_INSERT = insertInto('reviews', REVIEW_FIELDS);
const toReview = (row: ReviewRecord): ReviewRecord => ({ ...row, hidden: Boolean(row.hidden) });

/** Every write that can move a title's community figures records the title (noteTitleChanges) in its transaction. */
export function createReviewStore(d: Dialect): ReviewStore {
  const BY_ID = `select ${REVIEW} from reviews r where r.id = $1`;
  const read = async (ex: Executor, id: string) => {
    const row = await ex.get<ReviewRecord>(BY_ID, [id]);
    return row ? toReview(row) : null;
  };

  /** Inside a writing transaction: the review's version, its row locked until the commit, so a version checked stays checked. */
  async function checked(tx: Executor, id: string, expected: ExpectedVersions): Promise<{ version: number; titleId: string }> {
    const current = await tx.get<{ version: number; titleId: string }>(`select version, title_id as "titleId" from reviews where id = $1${d.lock('update')}`, [id]);
    if (!current) throw new NotFound(`No review has the id ${id}.`);
    checkVersion('review', current.version, expected);
    return current;
  }

  async function create(review: Parameters<ReviewStore['create']>[0]): Promise<ReviewRecord> {
    const now = new Date().toISOString();
    const id = newId('rv');
    try {
      return await d.transaction(async (tx) => {
        await tx.run(REVIEW_INSERT.text, REVIEW_INSERT.values({ ...review, id, hidden: false, version: 1, createdAt: now, updatedAt: now }));
        await noteTitleChanges(d, tx, [review.titleId]);
        return (await read(tx, id))!;
      });
    } catch (err) {
      if (!d.isUniqueViolation(err)) throw err;
    }
    // Asked after the failed transaction: a failed statement ends a PostgreSQL transaction.
    const existing = await d.get<{ id: string }>(
      review.childId
        ? 'select id from reviews where title_id = $1 and child_id = $2'
        : 'select id from reviews where title_id = $1 and household_id = $2 and child_id is null',
      [review.titleId, review.childId ?? review.householdId],
    );
    // The review in the way was deleted in the meantime: the place is free again.
    if (!existing) return create(review);
    throw new Conflict('duplicate', `This ${review.by === 'kid' ? 'child' : 'household'} already reviewed the title: /v1/reviews/${existing.id}. Change or delete that review instead.`);
  }

  return {
    create,
    get: (id) => read(d, id),
    update(id, patch, expected) {
      return d.transaction(async (tx) => {
        const current = await checked(tx, id, expected);
        // A field the patch leaves out keeps its value (none of them may be null).
        await tx.run(
          `update reviews set age_rating = coalesce($1, age_rating), stars = coalesce($2, stars), headline = coalesce($3, headline), body = coalesce($4, body),
             version = $5, updated_at = $6 where id = $7`,
          [patch.ageRating ?? null, patch.stars ?? null, patch.headline ?? null, patch.body ?? null, current.version + 1, new Date().toISOString(), id],
        );
        await noteTitleChanges(d, tx, [current.titleId]);
        return (await read(tx, id))!;
      });
    },
    async remove(id, expected) {
      await d.transaction(async (tx) => {
        const { titleId } = await checked(tx, id, expected);
        await tx.run('delete from reviews where id = $1', [id]);
        await noteTitleChanges(d, tx, [titleId]);
      });
    },
    async list(titleId, { by, sort, limit, after }) {
      const key = sort === 'helpful' ? HELPFUL : 'r.created_at';
      const params: unknown[] = [titleId, limit + 1];
      const where = ['r.title_id = $1', 'not r.hidden'];
      if (by) where.push(`r."by" = $${params.push(by)}`);
      if (after) where.push(`(${key}, r.id) < ($${params.push(after[0])}, $${params.push(after[1])})`);
      const rows = (await d.all<ReviewRecord>(`select ${REVIEW} from reviews r where ${where.join(' and ')} order by ${key} desc, r.id desc limit $2`, params)).map(toReview);
      const items = rows.slice(0, limit);
      return { items, keys: items.map((r) => [sort === 'helpful' ? r.helpful : r.createdAt, r.id] as SortKey), more: rows.length > limit };
    },
    async vote(reviewId, householdId) {
      return (await d.run('insert into review_votes (review_id, household_id, created_at) values ($1, $2, $3) on conflict do nothing', [reviewId, householdId, new Date().toISOString()])) > 0;
    },
    async unvote(reviewId, householdId) {
      return (await d.run('delete from review_votes where review_id = $1 and household_id = $2', [reviewId, householdId])) > 0;
    },
    setHidden(id, hidden) {
      return d.transaction(async (tx) => {
        const changed = await tx.get<{ titleId: string }>('update reviews set hidden = $1 where id = $2 returning title_id as "titleId"', [hidden, id]);
        if (!changed) return null;
        await noteTitleChanges(d, tx, [changed.titleId]);
        return read(tx, id);
      });
    },
    async forHousehold(householdId) {
      return (await d.all<ReviewRecord>(`select ${REVIEW} from reviews r where r.household_id = $1 order by r.id`, [householdId])).map(toReview);
    },
    votesOf(householdId) {
      // In the order they were cast, as near as their times tell.
      return d.all<{ reviewId: string; createdAt: string }>(
        'select review_id as "reviewId", created_at as "createdAt" from review_votes where household_id = $1 order by created_at, review_id',
        [householdId],
      );
    },
  };
}

export function createFlagStore(d: Dialect): FlagStore {
  const FLAG = selectList(FLAG_FIELDS);
  const FLAG_INSERT = insertInto('flags', FLAG_FIELDS);
  return {
    async create(flag) {
      const row: FlagRecord = { ...flag, id: newId('fl'), status: 'open', resolutionNote: null, createdAt: new Date().toISOString(), resolvedAt: null };
      try {
        await d.run(FLAG_INSERT.text, FLAG_INSERT.values(row));
      } catch (err) {
        if (!d.isUniqueViolation(err)) throw err;
        throw new Conflict('duplicate', `You already have an open flag on this ${flag.targetKind}; it is waiting for an editor.`);
      }
      return row;
    },
    async get(id) {
      return (await d.get<FlagRecord>(`select ${FLAG} from flags where id = $1`, [id])) ?? null;
    },
    async list({ status, targetKind, limit, after }) {
      const params: unknown[] = [limit + 1];
      const where = ['1 = 1'];
      if (status) where.push(`status = $${params.push(status)}`);
      if (targetKind) where.push(`target_kind = $${params.push(targetKind)}`);
      if (after) where.push(`(created_at, id) > ($${params.push(after[0])}, $${params.push(after[1])})`);
      const rows = await d.all<FlagRecord>(`select ${FLAG} from flags where ${where.join(' and ')} order by created_at, id limit $1`, params);
      const items = rows.slice(0, limit);
      return { items, keys: items.map((f) => [f.createdAt, f.id] as SortKey), more: rows.length > limit };
    },
    async close(id, status, note) {
      // One statement: of two closings at once, the second finds the flag no longer open.
      const closed = await d.get<FlagRecord>(`update flags set status = $1, resolution_note = $2, resolved_at = $3 where id = $4 and status = 'open' returning ${FLAG}`, [
        status,
        note,
        new Date().toISOString(),
        id,
      ]);
      return closed ?? null;
    },
    forHousehold(householdId) {
      return d.all<FlagRecord>(`select ${FLAG} from flags where household_id = $1 order by id`, [householdId]);
    },
  };
}
