import { CATEGORIES } from '../domain/categories.js';
import { Conflict, NotFound } from '../domain/errors.js';
import type { TitleRef } from '../domain/references.js';
import type { Title, TitlePatch } from '../domain/titles.js';
import { column, insertInto, selectList, snake } from './columns.js';
import { fromJson, type Dialect, type Executor } from './dialect.js';
import { newId } from './ids.js';
import { followTitleChanges, noteTitleChanges } from './title-changes.js';
import { TitleIndex } from './title-index.js';
import { canonical, titleRows, type ImportItem, type TitleRow, type TitleRows } from './title-mapping.js';
import {
  byReference,
  importChange,
  mergeIndexEntries,
  mergePatch,
  noTitle,
  toListRecord,
  toRecord,
  valueOf,
  wantedValues,
  type IndexTitleRow,
  type RecordRow,
} from './title-records.js';
import type { Accept, ExpectedVersions, ImportOutcome, TitleListQuery, TitleRecord, TitleStore } from './types.js';
import { checkVersion } from './versions.js';

const TITLE_KEYS = [
  'id', 'name', 'kind', 'year', 'releaseTheaters', 'releaseStreaming', 'runtimeMinutes', 'genres', 'topics', 'cast', 'directors', 'studio', 'synopsis',
  'imdb', 'tmdb', 'isbn', 'age', 'ageSource', 'nameKey', 'genreKeys', 'searchText', 'sortAge', 'sortReleased', 'sortStars', 'version', 'createdAt', 'updatedAt',
] as const;
const ADVISORY_KEYS = [
  'titleId', 'ageRecommendation', 'stars', 'oneLiner', 'parentsNeedToKnow', 'story', 'isItAnyGood', 'talkAbout',
  ...CATEGORIES.flatMap((c) => [`${c.key}Level`, `${c.key}Note`] as const),
  'updatedAt',
] as const;
const TITLE_JSON = new Set(['genres', 'topics', 'cast', 'directors']);
const ADVISORY_JSON = new Set(['talkAbout']);
const EXTERNAL_IDS = ['imdb', 'tmdb', 'isbn'] as const;

const TITLE_INSERT = insertInto('titles', TITLE_KEYS);
const TITLE_UPDATE = `update titles set ${TITLE_KEYS.slice(1).map((key, i) => `${column(key)} = $${i + 2}`).join(', ')} where id = $1`;
const ADVISORY_UPSERT = `${insertInto('advisories', ADVISORY_KEYS).text}
  on conflict (title_id) do update set ${ADVISORY_KEYS.slice(1).map((key) => `${column(key)} = excluded.${column(key)}`).join(', ')}`;
const CERTIFICATION_COLUMNS = ['titleId', 'system', 'rating', 'reason', 'position'] as const;

/** JSON columns as text, the form both databases take them in. */
const jsonValues = (row: Record<string, unknown>, keys: readonly string[], json: ReadonlySet<string>) => keys.map((key) => (json.has(key) ? JSON.stringify(row[key]) : row[key]));

/** The row of `keys` whose first value is at `at` in a row read as an array; JSON parsed. */
function readRow<T>(raw: unknown[], at: number, keys: readonly string[], json: ReadonlySet<string>): T {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = raw[at + i];
    row[key] = value !== null && json.has(key) ? fromJson(value) : value;
  }
  return row as T;
}

/** An import line's write failed outside a savepoint: its batch must be rolled back and run again guarded. */
class LineFailed extends Error {
  constructor(cause: unknown) {
    super('an import line failed', { cause });
  }
}

const NOTHING_DECIDED: ReadonlyMap<string, boolean> = new Map();
/** Titles the index loads per statement: a million arrive in pages, never in one result. */
const INDEX_PAGE = 10_000;

export function createTitleStore(d: Dialect): TitleStore {
  // ---------------------------------------------------------------- records, one statement each

  /**
   * A title with everything a record holds in one statement: its advisory joined, its
   * certifications and its visible reviews' tally as JSON. Each statement is a B-tree walk of
   * its own; four per title cost a verdict more than all the rest of its request.
   */
  const RECORDS = `select ${selectList(TITLE_KEYS, 't')}, ${selectList(ADVISORY_KEYS, 'a')},
      (select ${d.jsonArrayAgg(d.jsonArray('c.system', 'c.rating', 'c.reason'), 'c.position')} from certifications c where c.title_id = t.id),
      (select ${d.jsonArrayAgg(d.jsonArray('x."by"', 'x.age_rating', 'x.n', 'x.stars'))}
         from (select r."by", r.age_rating, cast(count(*) as int) as n, cast(sum(r.stars) as int) as stars
               from reviews r where r.title_id = t.id and not r.hidden group by r."by", r.age_rating) x)
    from titles t left join advisories a on a.title_id = t.id`;
  const ADVISORY_AT = TITLE_KEYS.length;
  const JSON_AT = ADVISORY_AT + ADVISORY_KEYS.length;
  const recordRow = (raw: unknown[]): RecordRow => ({
    t: readRow<TitleRow>(raw, 0, TITLE_KEYS, TITLE_JSON),
    a: raw[ADVISORY_AT] === null ? null : readRow(raw, ADVISORY_AT, ADVISORY_KEYS, ADVISORY_JSON),
    certifications: fromJson(raw[JSON_AT]),
    tally: fromJson(raw[JSON_AT + 1]),
  });
  const records = async (ex: Executor, where: string, params: readonly unknown[]) => (await ex.rows(`${RECORDS} ${where}`, params)).map(recordRow);

  async function getOne(ex: Executor, ref: TitleRef): Promise<TitleRecord | null> {
    const [row] = await records(ex, `where t.${ref.by} = $1`, [valueOf(ref)]);
    return row ? toRecord(row) : null;
  }

  /** Inside a writing transaction: the title, its row locked until the commit, so a version checked stays checked. */
  async function lockOne(tx: Executor, ref: TitleRef): Promise<TitleRecord | null> {
    const locked = await tx.get<{ id: string }>(`select id from titles where ${ref.by} = $1${d.lock('update')}`, [valueOf(ref)]);
    return locked ? getOne(tx, { by: 'id', id: locked.id }) : null;
  }

  /** The title another row already holds one of these external ids under, if any. */
  async function externalIdClash(tx: Executor, selfId: string, ids: Pick<TitleRows['title'], 'imdb' | 'tmdb' | 'isbn'>): Promise<string | null> {
    const keys = EXTERNAL_IDS.filter((key) => ids[key]);
    if (keys.length === 0) return null;
    const others = await tx.all<{ id: string; imdb: string | null; tmdb: string | null; isbn: string | null }>(
      `select id, imdb, tmdb, isbn from titles where (${keys.map((key, i) => `${key} = $${i + 2}`).join(' or ')}) and id <> $1`,
      [selfId, ...keys.map((key) => ids[key])],
    );
    for (const key of keys) {
      const other = others.find((o) => o[key] === ids[key]);
      if (other) return `The ${key} id ${ids[key]} already belongs to title ${other.id}.`;
    }
    return null;
  }

  /** Writes the whole title. `advisoryAt` is when the advisory last changed: now if this write changes it. */
  async function write(tx: Executor, id: string, rows: TitleRows, prev: Pick<TitleRow, 'version' | 'createdAt'> | undefined, advisoryAt: string | null, now: string) {
    // A failed statement ends a PostgreSQL transaction: whose external id it is must be asked before, not after.
    const clash = await externalIdClash(tx, id, rows.title);
    if (clash) throw new Conflict('duplicate', clash);
    const values = jsonValues({ id, ...rows.title, version: (prev?.version ?? 0) + 1, createdAt: prev?.createdAt ?? now, updatedAt: now }, TITLE_KEYS, TITLE_JSON);
    try {
      await tx.run(prev ? TITLE_UPDATE : TITLE_INSERT.text, values);
    } catch (err) {
      // Another transaction took the id between the question and the write.
      throw d.isUniqueViolation(err) ? new Conflict('duplicate', 'One of its external ids was just given to another title; read the titles again and retry.') : err;
    }
    if (prev) await tx.run('delete from certifications where title_id = $1', [id]);
    if (rows.certifications.length > 0) {
      const width = CERTIFICATION_COLUMNS.length;
      await tx.run(
        `insert into certifications (title_id, system, rating, reason, position) values ${rows.certifications.map((_, i) => `(${CERTIFICATION_COLUMNS.map((__, j) => `$${i * width + j + 1}`).join(', ')})`).join(', ')}`,
        rows.certifications.flatMap((cert) => [id, cert.system, cert.rating, cert.reason, cert.position]),
      );
    }
    if (!rows.advisory) {
      if (prev) await tx.run('delete from advisories where title_id = $1', [id]);
    } else if (advisoryAt) {
      await tx.run(ADVISORY_UPSERT, jsonValues({ titleId: id, ...rows.advisory, updatedAt: advisoryAt }, ADVISORY_KEYS, ADVISORY_JSON));
    }
  }

  /** Applies a patch of whole top-level fields to the stored title (`found`: already read and locked). */
  async function patchTitle(tx: Executor, ref: TitleRef, patch: TitlePatch, expected: ExpectedVersions, found?: TitleRecord | null) {
    found ??= await lockOne(tx, ref);
    if (!found) throw new NotFound(noTitle(ref));
    checkVersion('title', found.version, expected);
    const before = found.title;
    const change = mergePatch(found, patch);
    if (!change) return { before, record: found };
    const now = new Date().toISOString();
    await write(tx, before.id, titleRows(change.merged), { version: found.version, createdAt: before.createdAt }, change.advisoryChanged ? now : null, now);
    await noteTitleChanges(d, tx, [before.id]);
    return { before, record: (await getOne(tx, { by: 'id', id: before.id }))! };
  }

  // ---------------------------------------------------------------- import

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

  // ---------------------------------------------------------------- the in-memory index

  const LEVELS = CATEGORIES.map((c) => `a.${snake(c.key)}_level`).join(', ');

  /** Index entries of the titles one statement picks (`where` on t, with $1), in id order. */
  async function indexEntries(where: string, arg: unknown, limit = '') {
    const rows = await d.rows<IndexTitleRow>(
      `select t.id, t.kind, t.name, t.name_key, t.genre_keys, t.sort_released, t.sort_stars, t.updated_at, a.age_recommendation, ${LEVELS}
       from titles t left join advisories a on a.title_id = t.id where ${where} order by t.id ${limit}`,
      [arg],
    );
    const ids = d.list(rows.map((r) => r[0]));
    const [certs, parents] = await Promise.all([
      d.rows<[string, string, string]>(`select title_id, system, rating from certifications where ${d.inList('title_id', '$1')} order by title_id, position`, [ids]),
      d.rows<[string, number, number]>(
        `select title_id, age_rating, cast(count(*) as int) from reviews where ${d.inList('title_id', '$1')} and "by" = 'parent' and not hidden group by title_id, age_rating order by title_id`,
        [ids],
      ),
    ]);
    return { ids: rows.map((r) => r[0]), entries: mergeIndexEntries(rows, certs[Symbol.iterator](), parents[Symbol.iterator]()) };
  }

  async function count(): Promise<number> {
    return (await d.get<{ n: number }>('select cast(count(*) as int) as n from titles'))!.n;
  }

  const currentIndex = followTitleChanges(d, {
    async build() {
      const fresh = new TitleIndex();
      fresh.reserve(await count());
      for (let after = ''; ; ) {
        const { ids, entries } = await indexEntries('t.id > $1', after, `limit ${INDEX_PAGE}`);
        for (const entry of entries) fresh.put(entry);
        if (ids.length < INDEX_PAGE) return fresh;
        after = ids[ids.length - 1]!;
      }
    },
    async reindex(index, changed) {
      for (let i = 0; i < changed.length; i += 1000) {
        const chunk = changed.slice(i, i + 1000);
        const { ids, entries } = await indexEntries(d.inList('t.id', '$1'), d.list(chunk));
        for (const entry of entries) index.put(entry);
        const found = new Set(ids);
        for (const id of chunk) if (!found.has(id)) index.remove(id);
      }
    },
  });

  /** A page of the catalogue from the index, filled with the listed fields of its titles. */
  async function page({ filters, sort, limit, after, decided, accept }: TitleListQuery & { decided: ReadonlyMap<string, boolean>; accept?: Accept }) {
    const current = await currentIndex();
    // A search is the one filter the index does not hold: SQL finds the matching ids first.
    const matching = filters.q?.length
      ? new Set(
          (await d.all<{ id: string }>(`select id from titles where ${filters.q.map((_, i) => `search_text like $${i + 1}`).join(' and ')}`, filters.q.map((word) => `% ${word}%`))).map(
            (r) => r.id,
          ),
        )
      : undefined;
    const found = current.scan({ filters, sort, limit, after, decided, accept, matching });
    const rows = found.ids.length ? await records(d, `where ${d.inList('t.id', '$1')}`, [d.list(found.ids)]) : [];
    const byId = new Map(rows.map((r) => [r.t.id, r]));
    // A title removed since the scan (by another process) drops out of the page with its key.
    const kept = found.ids.flatMap((id, i) => (byId.has(id) ? [i] : []));
    return { items: kept.map((i) => toListRecord(byId.get(found.ids[i]!)!)), keys: kept.map((i) => found.keys[i]!), more: found.more };
  }

  return {
    get: (ref) => getOne(d, ref),

    async getMany(refs) {
      if (refs.length === 0) return [];
      const wanted = wantedValues(refs);
      const rows = await records(
        d,
        `where ${d.inList('t.id', '$1')} or ${d.inList('t.imdb', '$2')} or ${d.inList('t.tmdb', '$3')} or ${d.inList('t.isbn', '$4')}`,
        [d.list(wanted.id), d.list(wanted.imdb), d.list(wanted.tmdb), d.list(wanted.isbn)],
      );
      return byReference(rows.map(toRecord), refs);
    },

    list: (query) => page({ ...query, decided: NOTHING_DECIDED }),

    create(input) {
      return d.transaction(async (tx) => {
        const now = new Date().toISOString();
        const id = newId('tl');
        await write(tx, id, titleRows(canonical(input)), undefined, now, now);
        await noteTitleChanges(d, tx, [id]);
        return (await getOne(tx, { by: 'id', id }))!;
      });
    },

    update(ref, patch, expected) {
      return d.transaction(async (tx) => (await patchTitle(tx, ref, patch, expected)).record);
    },

    async remove(ref, expected) {
      await d.transaction(async (tx) => {
        const found = await lockOne(tx, ref);
        if (!found) throw new NotFound(noTitle(ref));
        checkVersion('title', found.version, expected);
        await tx.run('delete from titles where id = $1', [found.title.id]);
        await noteTitleChanges(d, tx, [found.title.id]);
      });
    },

    putAdvisory(ref, advisory, expected) {
      return d.transaction(async (tx) => {
        const { before, record } = await patchTitle(tx, ref, { advisory }, expected);
        return { ...record, created: before.advisory === null };
      });
    },

    removeAdvisory(ref, expected) {
      return d.transaction(async (tx) => {
        const found = await lockOne(tx, ref);
        if (!found) throw new NotFound(noTitle(ref));
        if (!found.title.advisory) throw new NotFound(`“${found.title.name}” has no expert advisory.`);
        return (await patchTitle(tx, ref, { advisory: null }, expected, found)).record;
      });
    },

    async importBatch(lines) {
      try {
        return await d.transaction((tx) => importLines(tx, lines, false));
      } catch (err) {
        if (!(err instanceof LineFailed)) throw err;
        // A line failed and the batch rolled back whole: again, each line in a savepoint, so
        // the failing one is reported and the rest stand.
        return d.transaction((tx) => importLines(tx, lines, true));
      }
    },

    catalogue: (query) => page(query),

    async *exportAll(pageSize = 500) {
      // One snapshot for the whole walk: every page sees the same titles, whatever others write meanwhile.
      const snapshot = await d.snapshot();
      try {
        for (let after = ''; ; ) {
          const rows = await records(snapshot, 'where t.id > $1 order by t.id limit $2', [after, pageSize]);
          if (rows.length === 0) break;
          for (const row of rows) yield toRecord(row).title satisfies Title;
          after = rows[rows.length - 1]!.t.id;
        }
      } finally {
        // Also when the reader stops early.
        await snapshot.end();
      }
    },

    async warm() {
      (await currentIndex()).scan({ filters: { levels: [] }, sort: 'name', limit: 0, decided: NOTHING_DECIDED });
    },

    count,
  };
}
