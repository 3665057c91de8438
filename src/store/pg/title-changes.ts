/**
 * Which titles changed, told to every instance on the database, so each one's in-memory title
 * index follows writes made through the others.
 *
 * A transaction that changes titles, or the community figures the index keeps of them, calls
 * `noteTitleChanges` just before it commits: that takes the next number from the one row of
 * title_epoch and records the ids under it. The row stays locked until the commit, so numbers
 * are taken in commit order: an instance that reads epoch N knows every change numbered up to N
 * is committed and visible, and catches up by reading the ids numbered above what it last saw.
 */
import { sql } from 'drizzle-orm';
import type { PgDb, PgExecutor } from '../../db/pg/client.js';

/** How many numbers of changes are kept; an index further behind is built again from scratch. */
const KEPT = 10_000;

/** In the writing transaction, last: records the ids under the next number. */
export async function noteTitleChanges(tx: PgExecutor, titleIds: readonly string[]): Promise<void> {
  if (titleIds.length === 0) return;
  const { rows } = await tx.execute<{ epoch: string; forgotten: string }>(sql`update title_epoch set epoch = epoch + 1 where id = 1 returning epoch, forgotten`);
  const epoch = Number(rows[0]!.epoch);
  await tx.execute(sql`insert into title_changes (epoch, title_id) select ${epoch}, unnest(${sql.param([...new Set(titleIds)])}::text[])`);
  // Now and then, forget the oldest changes; the row is already ours, so this costs no wait.
  if (epoch % 1000 === 0 && epoch - KEPT > Number(rows[0]!.forgotten)) {
    await tx.execute(sql`delete from title_changes where epoch <= ${epoch - KEPT}`);
    await tx.execute(sql`update title_epoch set forgotten = ${epoch - KEPT} where id = 1`);
  }
}

/** Where the log stands: the last committed change and the newest one forgotten. */
export async function titleEpoch(db: PgDb): Promise<{ epoch: number; forgotten: number }> {
  const { rows } = await db.execute<{ epoch: string; forgotten: string }>(sql`select epoch, forgotten from title_epoch where id = 1`);
  return { epoch: Number(rows[0]!.epoch), forgotten: Number(rows[0]!.forgotten) };
}

/** The titles changed after `seen`, up to what is committed now. */
export async function titlesChangedAfter(db: PgDb, seen: number): Promise<string[]> {
  const { rows } = await db.execute<{ title_id: string }>(sql`select distinct title_id from title_changes where epoch > ${seen}`);
  return rows.map((r) => r.title_id);
}
