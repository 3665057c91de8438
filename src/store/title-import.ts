/**
 * `guidepost import`'s writes: a batch of lines in one transaction, each line matched to the
 * title it is about and created, updated or left as it is.
 */
import { newId } from './ids.js';
import type { Dialect, Executor } from './dialect.js';
import { noteTitleChanges } from './title-changes.js';
import type { ImportItem } from './title-mapping.js';
import { importChange } from './title-records.js';
import { EXTERNAL_IDS, type titleStatements } from './title-statements.js';
import type { ImportOutcome, TitleStore } from './types.js';

/** An import line's write failed outside a savepoint: its batch must be rolled back and run again guarded. */
class LineFailed extends Error {
  constructor(cause: unknown) {
    super('an import line failed', { cause });
  }
}

export function titleImport(d: Dialect, { getOne, write }: ReturnType<typeof titleStatements>): TitleStore['importBatch'] {

  /**
   * The ids of the stored titles an import line is about: the one with its id; else those holding
   * its external ids; else, for a line with no external id at all, the one of the same kind, name and year.
   */
  async function importMatches(tx: Executor, { id, rows: { title } }: ImportItem): Promise<Set<string>> {
    const byId = id ? await tx.get<{ id: string }>('select id from titles where id = $1', [id]) : undefined;
    if (byId) return new Set([byId.id]);
    const keys = EXTERNAL_IDS.filter((key) => title[key]);
    if (keys.length > 0) {
      const found = await tx.all<{ id: string }>(`select id from titles where ${keys.map((key, i) => `${key} = $${i + 1}`).join(' or ')}`, keys.map((key) => title[key]));
      return new Set(found.map((r) => r.id));
    }
    const match = await tx.get<{ id: string }>('select id from titles where kind = $1 and name_key = $2 and year is not distinct from $3 limit 1', [title.kind, title.nameKey, title.year]);
    return new Set(match ? [match.id] : []);
  }

  async function importLine(tx: Executor, item: ImportItem, matched: string | undefined, now: string): Promise<ImportOutcome> {
    const { rows } = item;
    const prev = matched === undefined ? null : await getOne(tx, { by: 'id', id: matched });
    if (!prev) {
      const id = item.id ?? newId('tl');
      await write(tx, id, rows, undefined, now, now);
      return { ok: true, id, outcome: 'created' };
    }
    const { id, createdAt } = prev.title;
    const change = importChange(prev, rows);
    if (change === 'unchanged') return { ok: true, id, outcome: 'unchanged' };
    await write(tx, id, rows, { version: prev.version, createdAt }, change.advisoryChanged ? now : null, now);
    return { ok: true, id, outcome: 'updated' };
  }

  /**
   * A batch of import lines in the caller's transaction. Unguarded, a line whose write fails
   * throws LineFailed and the whole transaction must roll back; guarded, each line has its own
   * savepoint. Almost every batch writes cleanly: no savepoints, which made SQLite copy every
   * page a line touched into its statement journal and cost more than the writing itself.
   */
  async function importLines(tx: Executor, items: readonly ImportItem[], guarded: boolean): Promise<ImportOutcome[]> {
    const now = new Date().toISOString();
    const outcomes: ImportOutcome[] = [];
    for (const item of items) {
      if (guarded) await tx.run('savepoint import_line');
      try {
        const ids = await importMatches(tx, item);
        if (ids.size > 1) outcomes.push({ ok: false, error: `its external ids belong to different titles (${[...ids].join(', ')})` });
        else outcomes.push(await importLine(tx, item, [...ids][0], now));
        if (guarded) await tx.run('release import_line');
      } catch (err) {
        if (!guarded) throw new LineFailed(err);
        // Some failures (a full disk, say) end the whole transaction, savepoint and all: this throws then.
        await tx.run('rollback to import_line');
        await tx.run('release import_line');
        outcomes.push({ ok: false, error: err instanceof Error ? err.message : String(err) });
      }
    }
    await noteTitleChanges(d, tx, outcomes.flatMap((o) => (o.ok && o.outcome !== 'unchanged' ? [o.id] : [])));
    return outcomes;
  }

  return async function importBatch(lines) {
    try {
      return await d.transaction((tx) => importLines(tx, lines, false));
    } catch (err) {
      if (!(err instanceof LineFailed)) throw err;
      // A line failed and the batch rolled back whole: again, each line in a savepoint, so
      // the failing one is reported and the rest stand.
      return d.transaction((tx) => importLines(tx, lines, true));
    }
  };
}
