/**
 * `guidepost import`'s writes: a batch of lines in one transaction, each line matched to the
 * title it is about and created, updated or left as it is.
 */
import { snake } from './columns.js';
import { newId } from './ids.js';
import type { Dialect, Executor } from './dialect.js';
import { mergeFacts } from '../domain/titles.js';
import { titleRows, toCanonicalInput, type CanonicalInput, type ImportItem, type TitleRows } from './title-mapping.js';
import { ImportMatcher, importChange, matchKeys, storedRows, toRecord, type MatchKeys } from './title-records.js';
import type { titleStatements } from './title-statements.js';
import type { ImportOutcome, TitleStore } from './types.js';

/** An import line's write failed outside a savepoint: its batch must be rolled back and run again guarded. */
class LineFailed extends Error {
  constructor(cause: unknown) {
    super('an import line failed', { cause });
  }
}

/** A title as the batch leaves it: its rows and version, and its creation time if it was stored before the batch (null: the batch makes it). */
interface Written {
  rows: TitleRows;
  version: number;
  createdAt: string | null;
  advisoryChanged: boolean;
  /** What it was written with, where a line's facts may be merged into it next. */
  input?: CanonicalInput | undefined;
}

/**
 * The rows a line leaves a title with, given the title before it (null: none): its own rows, or
 * for a line of facts, the title with the facts merged in. Undefined: the input it would merge
 * into is not at hand (the guarded run reads it).
 */
function rowsAfter(item: ImportItem, before: CanonicalInput | null | undefined): TitleRows | undefined {
  if (!item.facts || before === null) return item.rows;
  return before && titleRows(mergeFacts(before, item.facts));
}

/** A line whose external ids are held by more than one title: it cannot say which it is about. */
const ambiguous = (ids: readonly string[], byName: boolean): ImportOutcome => ({
  ok: false,
  error: byName
    ? `its kind and name match several titles (${ids.join(', ')}), with its year or none; give it an id that tells them apart`
    : `its external ids belong to different titles (${ids.join(', ')})`,
});

export function titleImport(d: Dialect, { records, getOne, write, createMany, misplaced, noteChanges }: ReturnType<typeof titleStatements>): TitleStore['importBatch'] {
  /**
   * Every stored title a line of the batch could match, in one statement, locked until the
   * commit (PostgreSQL): an editor's write to one of them waits, rather than being overwritten
   * by rows the batch planned from what it read before.
   */
  async function matcherFor(tx: Executor, items: readonly ImportItem[]): Promise<ImportMatcher> {
    const wanted = { id: new Set<string>(), imdb: new Set<string>(), tmdb: new Set<string>(), isbn: new Set<string>(), nameKey: new Set<string>(), parentId: new Set<string>() };
    for (const item of items) {
      const { id, rows: { title } } = item;
      if (id !== undefined) wanted.id.add(id);
      if (title.imdb) wanted.imdb.add(title.imdb);
      if (title.tmdb) wanted.tmdb.add(title.tmdb);
      if (title.isbn) wanted.isbn.add(title.isbn);
      if (title.parentId !== null) wanted.parentId.add(title.parentId);
      else if (item.facts || (!title.imdb && !title.tmdb && !title.isbn)) wanted.nameKey.add(title.nameKey);
    }
    const columns = ['id', 'imdb', 'tmdb', 'isbn', 'nameKey', 'parentId'] as const;
    const stored = await tx.all<MatchKeys>(
      `select id, kind, name_key as "nameKey", year, imdb, tmdb, isbn, parent_id as "parentId", season_number as "seasonNumber", episode_number as "episodeNumber" from titles
       where ${columns.map((key, i) => d.inList(snake(key), `$${i + 1}`)).join(' or ')}${d.lock('update')}`,
      columns.map((key) => d.list([...wanted[key]])),
    );
    return new ImportMatcher(stored);
  }

  /**
   * The batch planned in memory, then written in a few statements: new titles in multi-row
   * inserts, changed ones a write each. A line that cannot be written throws LineFailed.
   */
  async function importPlanned(tx: Executor, items: readonly ImportItem[], now: string): Promise<ImportOutcome[]> {
    const matcher = await matcherFor(tx, items);
    const written = new Map<string, Written>();
    const plans = items.map((item) => {
      const ids = matcher.matches(item);
      const id = ids.length === 1 ? ids[0]! : item.id ?? newId('tl');
      // A line found by its id that claims another title's external id fails: the guarded run reports it.
      if (ids.length === 1 && matcher.clashes(id, item.rows)) throw new LineFailed(new Error(`line ${id} clashes`));
      if (ids.length === 1 && item.facts) matcher.put(matcher.merged(id, item.rows));
      else if (ids.length <= 1) matcher.put(matchKeys(id, item.rows));
      return { ids, id };
    });
    const storedIds = [...new Set(plans.flatMap((p) => (p.ids.length === 1 ? p.ids : [])))];
    const stored = new Map(storedIds.length ? (await records(tx, `where ${d.inList('t.id', '$1')}`, [d.list(storedIds)])).map((row) => [row.t.id, toRecord(row)]) : []);

    const outcomes = plans.map(({ ids, id }, i): ImportOutcome => {
      if (ids.length > 1) return ambiguous(ids, matcher.byNameOnly(items[i]!));
      const item = items[i]!;
      let before = written.get(id);
      const record = stored.get(id);
      if (!before && record) {
        const input = item.facts && toCanonicalInput(record.title);
        before = { rows: input ? titleRows(input) : storedRows(record), version: record.version, createdAt: record.title.createdAt, advisoryChanged: false, input };
        written.set(id, before);
      }
      if (!before) {
        written.set(id, { rows: item.rows, version: 1, createdAt: null, advisoryChanged: true, input: item.facts });
        return { ok: true, id, outcome: 'created' };
      }
      const rows = rowsAfter(item, before.input);
      if (!rows) throw new LineFailed(new Error(`line ${id} merges into a title written whole before it`));
      const change = importChange(before.rows, rows);
      if (change === 'unchanged') return { ok: true, id, outcome: 'unchanged' };
      const input = item.facts ? mergeFacts(before.input!, item.facts) : undefined;
      written.set(id, { ...before, rows, version: before.version + 1, advisoryChanged: before.advisoryChanged || change.advisoryChanged, input });
      return { ok: true, id, outcome: 'updated' };
    });

    const created: { id: string; rows: TitleRows; version: number }[] = [];
    try {
      for (const [id, title] of written) {
        if (title.createdAt === null) created.push({ id, rows: title.rows, version: title.version });
        else if (title.version !== stored.get(id)!.version) {
          await write(tx, id, title.rows, { version: title.version - 1, createdAt: title.createdAt }, title.advisoryChanged ? now : null, now, false);
        }
      }
      await createMany(tx, created, now);
    } catch (err) {
      throw new LineFailed(err);
    }
    // Seasons and episodes are checked once all are written, so a line may name a parent made by
    // a line before it; a title changed may no longer fit its own seasons and episodes.
    const placed = [...written].flatMap(([id, title]) => (title.rows.title.parentId !== null || title.rows.title.episodeNumber !== null || title.rows.title.seasonNumber !== null || (title.createdAt !== null && title.version !== stored.get(id)!.version) ? [id] : []));
    if ((await misplaced(tx, placed)).size > 0) throw new LineFailed(new Error('a title is out of place'));
    return outcomes;
  }

  /** The batch a line at a time, each in a savepoint, so a line that cannot be written is reported and the rest stand. */
  async function importGuarded(tx: Executor, items: readonly ImportItem[], now: string): Promise<ImportOutcome[]> {
    const matcher = await matcherFor(tx, items);
    const outcomes: ImportOutcome[] = [];
    for (const item of items) {
      const ids = matcher.matches(item);
      if (ids.length > 1) {
        outcomes.push(ambiguous(ids, matcher.byNameOnly(item)));
        continue;
      }
      await tx.run('savepoint import_line');
      try {
        const prev = ids.length === 1 ? await getOne(tx, { by: 'id', id: ids[0]! }) : null;
        const id = prev?.title.id ?? item.id ?? newId('tl');
        const rows = rowsAfter(item, prev && toCanonicalInput(prev.title))!;
        const change = prev && importChange(storedRows(prev), rows);
        if (!prev) await write(tx, id, rows, undefined, now, now);
        else if (change !== 'unchanged') await write(tx, id, rows, { version: prev.version, createdAt: prev.title.createdAt }, change!.advisoryChanged ? now : null, now);
        await tx.run('release import_line');
        matcher.put(matchKeys(id, rows));
        outcomes.push({ ok: true, id, outcome: !prev ? 'created' : change === 'unchanged' ? 'unchanged' : 'updated' });
      } catch (err) {
        // Some failures (a full disk, say) end the whole transaction, savepoint and all: this throws then.
        await tx.run('rollback to import_line');
        await tx.run('release import_line');
        outcomes.push({ ok: false, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return outcomes;
  }

  /**
   * A batch of import lines in one transaction. Almost every batch writes cleanly: planned and
   * written in a few statements, no savepoints (which made SQLite copy every page a line touched
   * into its statement journal). If any line's write fails, the batch rolls back whole and runs
   * again a line at a time, each in a savepoint.
   */
  return async function importBatch(lines) {
    const inOne = (work: typeof importPlanned) =>
      d.transaction(async (tx) => {
        const outcomes = await work(tx, lines, new Date().toISOString());
        const changed = outcomes.flatMap((o) => (o.ok && o.outcome !== 'unchanged' ? [o.id] : []));
        await noteChanges(tx, changed);
        return outcomes;
      });
    try {
      return await inOne(importPlanned);
    } catch (err) {
      if (!(err instanceof LineFailed)) throw err;
      return inOne(importGuarded);
    }
  };
}
