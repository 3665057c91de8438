import { and, eq, ne, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { CATEGORIES } from '../../domain/categories.js';
import type { TitleRef } from '../../domain/references.js';
import type { SqliteDb } from '../../db/sqlite/client.js';
import { advisories, certifications, titles } from '../../db/sqlite/schema.js';
import { Conflict, NotFound } from '../../domain/errors.js';
import { checkVersion } from '../versions.js';
import type { Title, TitlePatch } from '../../schemas/titles.js';
import { newId } from '../ids.js';
import { TitleIndex, type Accept } from '../title-index.js';
import { preparedInsert, rowReader } from './prepared.js';
import { canonical, titleRows, type ImportItem, type TitleRow, type TitleRows } from '../title-mapping.js';
import { byReference, importChange, mergeIndexEntries, mergePatch, noTitle, toListRecord, toRecord, valueOf, wantedValues, type IndexTitleRow, type RecordRow } from '../title-records.js';
import type { ExpectedVersions, ImportOutcome, TitleListQuery, TitleRecord, TitleStore } from '../types.js';

type Tx = Parameters<Parameters<SqliteDb['transaction']>[0]>[0] | SqliteDb;

const EXTERNAL_ID_COLUMNS = { imdb: titles.imdb, tmdb: titles.tmdb, isbn: titles.isbn } as const;


/** An import line's write failed outside a savepoint: its batch must be rolled back and run again guarded. */
class LineFailed extends Error {
  constructor(cause: unknown) {
    super('an import line failed', { cause });
  }
}

const NOTHING_DECIDED: ReadonlyMap<string, boolean> = new Map();

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function createSqliteTitleStore(db: SqliteDb): TitleStore & { communityChanged(titleIds: readonly string[]): void } {
  const savepoint = {
    begin: db.$client.prepare('savepoint import_line'),
    release: db.$client.prepare('release import_line'),
    rollback: db.$client.prepare('rollback to import_line'),
  };
  const insert = { title: preparedInsert(db, titles), certification: preparedInsert(db, certifications), advisory: preparedInsert(db, advisories) };
  /** Ids by one external id or by kind, name and year: import asks these once per line. */
  const idBy = {
    id: db.$client.prepare('select id from titles where id = ?').pluck(),
    imdb: db.$client.prepare('select id from titles where imdb = ?').pluck(),
    tmdb: db.$client.prepare('select id from titles where tmdb = ?').pluck(),
    isbn: db.$client.prepare('select id from titles where isbn = ?').pluck(),
    sameName: db.$client.prepare('select id from titles where kind = ? and name_key = ? and year is ? limit 1').pluck(),
  };

  // ---------------------------------------------------------------- the in-memory index

  const LEVELS = CATEGORIES.map((c) => `a.${snake(c.key)}_level`).join(', ');
  /** Every title's index facts in id order, or only those in the JSON array bound to ?. */
  const indexQueries = (only: boolean) => {
    const where = only ? 'where t.id in (select value from json_each(?))' : '';
    const titleWhere = only ? 'where title_id in (select value from json_each(?))' : '';
    return {
      titles: db.$client.prepare(
        `select t.id, t.kind, t.name, t.name_key, t.genre_keys, t.sort_age, t.sort_released, t.sort_stars, t.updated_at, a.age_recommendation, ${LEVELS}
         from titles t left join advisories a on a.title_id = t.id ${where} order by t.id`,
      ).raw(),
      certifications: db.$client.prepare(`select title_id, system, rating from certifications ${titleWhere} order by title_id, position`).raw(),
      parents: db.$client.prepare(
        `select title_id, age_rating, count(*) from reviews ${titleWhere ? `${titleWhere} and` : 'where'} by = 'parent' and hidden = 0 group by title_id, age_rating order by title_id`,
      ).raw(),
    };
  };
  const allQueries = indexQueries(false);
  const someQueries = indexQueries(true);
  const dataVersion = db.$client.prepare('pragma data_version').pluck();
  const updatedSince = db.$client.prepare('select id from titles where updated_at >= ?').pluck();
  const lastUpdate = db.$client.prepare('select max(updated_at) from titles').pluck();
  const countTitles = db.$client.prepare('select count(*) from titles').pluck();
  let index: TitleIndex | null = null;
  let seenVersion = 0;
  let watermark = '';

  /** Index entries from the three queries, merged by title id (each returns ids in order). */
  function indexEntries(ids?: readonly string[]) {
    const queries = ids ? someQueries : allQueries;
    const args = ids ? [JSON.stringify(ids)] : [];
    return mergeIndexEntries(
      queries.titles.iterate(...args) as IterableIterator<IndexTitleRow>,
      queries.certifications.iterate(...args) as IterableIterator<[string, string, string]>,
      queries.parents.iterate(...args) as IterableIterator<[string, number, number]>,
    );
  }

  /** The index, built on first use and brought up to date with what other processes committed. */
  function currentIndex(): TitleIndex {
    const version = dataVersion.get() as number;
    if (index && version === seenVersion) return index;
    seenVersion = version;
    if (!index) {
      index = new TitleIndex();
      index.reserve((countTitles.get() as number));
      for (const entry of indexEntries()) index.put(entry);
    } else {
      // Another process wrote (an import, say): titles it changed carry a later updated_at. Every
      // title write stamps updated_at inside its immediate transaction, after taking SQLite's one
      // write lock, so nothing committed later can carry a time before the watermark read here.
      reindex(updatedSince.all(watermark) as string[]);
      const stored = (countTitles.get() as number);
      if (stored !== index.size) {
        index = null;
        return currentIndex();
      }
    }
    watermark = (lastUpdate.get() as string | null) ?? '';
    return index;
  }

  /** After this process's own writes: read the titles again (or drop the ones gone). */
  function reindex(ids: Iterable<string>): void {
    if (!index) return;
    const wanted = [...new Set(ids)];
    for (let i = 0; i < wanted.length; i += 500) {
      const chunk = wanted.slice(i, i + 500);
      const found = new Set<string>();
      for (const entry of indexEntries(chunk)) {
        index.put(entry);
        found.add(entry.id);
      }
      for (const id of chunk) if (!found.has(id)) index.remove(id);
    }
    // seenVersion stays: this connection's own commits do not move data_version, and another
    // process's commit made meanwhile must still be caught up with.
  }
  /**
   * A title with everything a record holds in one statement: its advisory joined, its
   * certifications and its visible reviews' tally as JSON. Each statement is a read lock and a
   * B-tree walk of its own; four per title cost a verdict more than all the rest of its request.
   */
  const titleRow = rowReader(titles, 't');
  const advisoryRow = rowReader(advisories, 'a');
  const recordsWhere = (where: string) =>
    db.$client
      .prepare(
        `select ${titleRow.select}, ${advisoryRow.select},
           (select json_group_array(json_array(system, rating, reason) order by position) from certifications c where c.title_id = t.id),
           (select json_group_array(json_array("by", age_rating, n, stars)) from (select "by", age_rating, count(*) n, sum(stars) stars from reviews r where r.title_id = t.id and r.hidden = 0 group by "by", age_rating))
         from titles t left join advisories a on a.title_id = t.id ${where}`,
      )
      .raw();
  const ADVISORY_AT = titleRow.width;
  const JSON_AT = ADVISORY_AT + advisoryRow.width;
  const recordRow = (raw: unknown[]): RecordRow => ({
    t: titleRow.read(raw, 0),
    a: raw[ADVISORY_AT] === null ? null : advisoryRow.read(raw, ADVISORY_AT),
    certifications: JSON.parse(raw[JSON_AT] as string) as RecordRow['certifications'],
    tally: JSON.parse(raw[JSON_AT + 1] as string) as RecordRow['tally'],
  });

  const inJson = (column: string, name: string) => `${column} in (select value from json_each(@${name}))`;
  const read = {
    // One title by reference, the verdict endpoints' common path.
    id: recordsWhere('where t.id = ?'),
    imdb: recordsWhere('where t.imdb = ?'),
    tmdb: recordsWhere('where t.tmdb = ?'),
    isbn: recordsWhere('where t.isbn = ?'),
    // Pages and batches: any number of titles in one statement.
    ids: recordsWhere(`where ${inJson('t.id', 'ids')}`),
    refs: recordsWhere(`where ${inJson('t.id', 'id')} or ${inJson('t.imdb', 'imdb')} or ${inJson('t.tmdb', 'tmdb')} or ${inJson('t.isbn', 'isbn')}`),
    // The export's walk in id order.
    after: recordsWhere('where t.id > ? order by t.id limit ?'),
  };
  const readAll = (statement: (typeof read)['ids'], ...args: unknown[]) => (statement.all(...args) as unknown[][]).map(recordRow);

  function getOne(ref: TitleRef): TitleRecord | null {
    const row = read[ref.by].get(valueOf(ref)) as unknown[] | undefined;
    return row ? toRecord(recordRow(row)) : null;
  }

  /** The stored title with this id; inside a writing transaction it sees that transaction's writes (one connection). */
  const recordOf = (id: string): TitleRecord => getOne({ by: 'id', id })!;

  /** The title another row already holds one of these external ids under, if any. */
  function externalIdClash(tx: Tx, selfId: string | null, ids: Pick<TitleRows['title'], 'imdb' | 'tmdb' | 'isbn'>): string | null {
    for (const [key, column] of Object.entries(EXTERNAL_ID_COLUMNS) as [keyof typeof EXTERNAL_ID_COLUMNS, SQLiteColumn][]) {
      const value = ids[key];
      if (!value) continue;
      const other = tx
        .select({ id: titles.id })
        .from(titles)
        .where(selfId ? and(eq(column, value), ne(titles.id, selfId)) : eq(column, value))
        .get();
      if (other) return `The ${key} id ${value} already belongs to title ${other.id}.`;
    }
    return null;
  }

  /** Writes the whole title. `advisoryAt` is when the advisory last changed: now if this write changes it. */
  function write(
    tx: Tx,
    id: string,
    rows: TitleRows,
    prev: Pick<TitleRow, 'version' | 'createdAt'> | undefined,
    advisoryAt: string | null,
    now: string,
  ): void {
    const row = { id, ...rows.title, version: (prev?.version ?? 0) + 1, createdAt: prev?.createdAt ?? now, updatedAt: now };
    try {
      if (prev) tx.update(titles).set(row).where(eq(titles.id, id)).run();
      else insert.title(row);
    } catch (err) {
      // The unique indexes guard external ids; only when one trips is it worth asking whose it is.
      const clash = (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && externalIdClash(tx, id, rows.title);
      throw clash ? new Conflict('duplicate', clash) : err;
    }
    if (prev) tx.delete(certifications).where(eq(certifications.titleId, id)).run();
    for (const cert of rows.certifications) insert.certification({ titleId: id, ...cert });
    if (!rows.advisory) {
      if (prev) tx.delete(advisories).where(eq(advisories.titleId, id)).run();
    } else if (advisoryAt) {
      // Required categories always carry a level: the input schema saw to it.
      const adv = { titleId: id, ...rows.advisory, updatedAt: advisoryAt } as typeof advisories.$inferInsert;
      if (prev) tx.insert(advisories).values(adv).onConflictDoUpdate({ target: advisories.titleId, set: adv }).run();
      else insert.advisory(adv);
    }
  }

  /** Applies a patch of whole top-level fields to the stored title (`found`, when the caller has read it already). */
  function patchTitle(tx: Tx, ref: TitleRef, patch: TitlePatch, expected: ExpectedVersions, found = getOne(ref)) {
    if (!found) throw new NotFound(noTitle(ref));
    checkVersion('title', found.version, expected);
    const before = found.title;
    const change = mergePatch(found, patch);
    if (!change) return { before, record: found };
    const now = new Date().toISOString();
    write(tx, before.id, titleRows(change.merged), { version: found.version, createdAt: before.createdAt }, change.advisoryChanged ? now : null, now);
    return { before, record: recordOf(before.id) };
  }

  /**
   * The ids of the stored titles an import line is about: the one with its id; else those holding
   * its external ids; else, for a line with no external id at all, the one of the same kind, name and year.
   */
  function importMatches({ id, rows: { title } }: ImportItem): Set<string> {
    const byId = id ? (idBy.id.get(id) as string | undefined) : undefined;
    if (byId) return new Set([byId]);
    const found = new Set<string>();
    let external = false;
    for (const key of ['imdb', 'tmdb', 'isbn'] as const) {
      const value = title[key];
      if (!value) continue;
      external = true;
      const match = idBy[key].get(value) as string | undefined;
      if (match) found.add(match);
    }
    if (!external) {
      const match = idBy.sameName.get(title.kind, title.nameKey, title.year) as string | undefined;
      if (match) found.add(match);
    }
    return found;
  }

  /** Writes one import line: created, updated or unchanged. */
  function importLine(tx: Tx, item: ImportItem, matched: string | undefined, now: string): ImportOutcome {
    const { rows } = item;
    const prev = matched === undefined ? undefined : recordOf(matched);
    if (!prev) {
      const id = item.id ?? newId('tl');
      write(tx, id, rows, undefined, now, now);
      return { ok: true, id, outcome: 'created' };
    }
    const { id, createdAt } = prev.title;
    const change = importChange(prev, rows);
    if (change === 'unchanged') return { ok: true, id, outcome: 'unchanged' };
    write(tx, id, rows, { version: prev.version, createdAt }, change.advisoryChanged ? now : null, now);
    return { ok: true, id, outcome: 'updated' };
  }

  /**
   * A batch of import lines in the caller's transaction. Unguarded, a line whose write fails
   * throws LineFailed and the whole transaction must roll back; guarded, each line has its own
   * savepoint (prepared once; drizzle's nested transaction compiled them per line).
   */
  function importLines(tx: Tx, items: readonly ImportItem[], guarded: boolean): ImportOutcome[] {
    const now = new Date().toISOString();
    return items.map((item): ImportOutcome => {
      const ids = importMatches(item);
      if (ids.size > 1) return { ok: false, error: `its external ids belong to different titles (${[...ids].join(', ')})` };
      const [matched] = ids;
      if (!guarded) {
        try {
          return importLine(tx, item, matched, now);
        } catch (err) {
          throw new LineFailed(err);
        }
      }
      savepoint.begin.run();
      try {
        const outcome = importLine(tx, item, matched, now);
        savepoint.release.run();
        return outcome;
      } catch (err) {
        // Some failures (a full disk, say) end the whole transaction, savepoint and all: nothing to roll back to.
        if (!db.$client.inTransaction) throw err;
        savepoint.rollback.run();
        savepoint.release.run();
        return { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    });
  }

  /** A page of the catalogue from the index, filled with the listed fields of its titles. */
  function page({ filters, sort, limit, after, decided, accept }: TitleListQuery & { decided: ReadonlyMap<string, boolean>; accept?: Accept }) {
    const current = currentIndex();
    // A search is the one filter the index does not hold: SQL finds the matching ids first.
    const matching = filters.q?.length
      ? new Set(
          db
            .select({ id: titles.id })
            .from(titles)
            .where(and(...filters.q.map((word) => sql`${titles.searchText} like ${`% ${word}%`}`)))
            .all()
            .map((r) => r.id),
        )
      : undefined;
    const found = current.scan({ filters, sort, limit, after, decided, accept, matching });
    const rows = found.ids.length ? readAll(read.ids, { ids: JSON.stringify(found.ids) }) : [];
    const byId = new Map(rows.map((r) => [r.t.id, r]));
    return {
      items: found.ids.map((id) => toListRecord(byId.get(id)!)),
      keys: found.keys,
      more: found.more,
    };
  }

  const immediate = { behavior: 'immediate' } as const;

  return {
    async get(ref) {
      return getOne(ref);
    },

    async getMany(refs) {
      if (refs.length === 0) return [];
      const wanted = wantedValues(refs);
      const rows = readAll(read.refs, Object.fromEntries(Object.entries(wanted).map(([by, values]) => [by, JSON.stringify(values)])));
      return byReference(rows.map(toRecord), refs);
    },

    async list(query) {
      return page({ ...query, decided: NOTHING_DECIDED });
    },

    async create(input) {
      const record = db.transaction((tx) => {
        const now = new Date().toISOString();
        const id = newId('tl');
        write(tx, id, titleRows(canonical(input)), undefined, now, now);
        return recordOf(id);
      }, immediate);
      reindex([record.title.id]);
      return record;
    },

    async update(ref, patch, expected) {
      const record = db.transaction((tx) => patchTitle(tx, ref, patch, expected).record, immediate);
      reindex([record.title.id]);
      return record;
    },

    async remove(ref, expected) {
      const id = db.transaction((tx) => {
        const found = getOne(ref);
        if (!found) throw new NotFound(noTitle(ref));
        checkVersion('title', found.version, expected);
        tx.delete(titles).where(eq(titles.id, found.title.id)).run();
        return found.title.id;
      }, immediate);
      reindex([id]);
    },

    async putAdvisory(ref, advisory, expected) {
      const result = db.transaction((tx) => {
        const { before, record } = patchTitle(tx, ref, { advisory }, expected);
        return { ...record, created: before.advisory === null };
      }, immediate);
      reindex([result.title.id]);
      return result;
    },

    async removeAdvisory(ref, expected) {
      const record = db.transaction((tx) => {
        const found = getOne(ref);
        if (!found) throw new NotFound(noTitle(ref));
        if (!found.title.advisory) throw new NotFound(`“${found.title.name}” has no expert advisory.`);
        return patchTitle(tx, ref, { advisory: null }, expected, found).record;
      }, immediate);
      reindex([record.title.id]);
      return record;
    },

    async importBatch(lines) {
      let outcomes: ImportOutcome[];
      try {
        // Almost every batch writes cleanly: no savepoints, which made SQLite copy every page a
        // line touched into its statement journal and cost more than the writing itself.
        outcomes = db.transaction((tx) => importLines(tx, lines, false), immediate);
      } catch (err) {
        if (!(err instanceof LineFailed)) throw err;
        // A line failed and the batch rolled back whole: again, each line in a savepoint, so
        // the failing one is reported and the rest stand.
        outcomes = db.transaction((tx) => importLines(tx, lines, true), immediate);
      }
      reindex(outcomes.flatMap((o) => (o.ok && o.outcome !== 'unchanged' ? [o.id] : [])));
      return outcomes;
    },

    async catalogue(query) {
      return page(query);
    },

    communityChanged(ids) {
      reindex(ids);
    },

    async *exportAll(pageSize = 500) {
      // One read transaction for the whole walk: every page sees the same snapshot, whatever
      // other processes write meanwhile (WAL lets them go on).
      db.$client.exec('BEGIN');
      try {
        let after = '';
        for (;;) {
          const rows = readAll(read.after, after, pageSize);
          if (rows.length === 0) return;
          for (const row of rows) yield toRecord(row).title satisfies Title;
          after = rows[rows.length - 1]!.t.id;
        }
      } finally {
        db.$client.exec('COMMIT');
      }
    },

    async warm() {
      currentIndex().scan({ filters: { levels: [] }, sort: 'name', limit: 0, decided: NOTHING_DECIDED });
    },

    async count() {
      return (countTitles.get() as number);
    },
  };
}
