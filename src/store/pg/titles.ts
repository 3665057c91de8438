import { and, eq, inArray, like, ne, or, sql, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { CATEGORIES } from '../../domain/categories.js';
import type { TitleRef } from '../../domain/references.js';
import type { PgDb, PgExecutor, PgTx } from '../../db/pg/client.js';
import { advisories, certifications, titles } from '../../db/pg/schema.js';
import { Conflict, NotFound } from '../../domain/errors.js';
import type { Title, TitlePatch } from '../../schemas/titles.js';
import { newId } from '../ids.js';
import { TitleIndex, type Accept } from '../title-index.js';
import { canonical, titleRows, type ImportItem, type TitleRow, type TitleRows } from '../title-mapping.js';
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
} from '../title-records.js';
import type { ExpectedVersions, ImportOutcome, TitleListQuery, TitleRecord, TitleStore } from '../types.js';
import { checkVersion } from '../versions.js';
import { noteTitleChanges, titleEpoch, titlesChangedAfter } from './title-changes.js';

const EXTERNAL_ID_COLUMNS = { imdb: titles.imdb, tmdb: titles.tmdb, isbn: titles.isbn } as const;
const REF_COLUMNS = { id: titles.id, ...EXTERNAL_ID_COLUMNS } as const;

/** An import line's write failed outside a savepoint: its batch must be rolled back and run again guarded. */
class LineFailed extends Error {
  constructor(cause: unknown) {
    super('an import line failed', { cause });
  }
}

const NOTHING_DECIDED: ReadonlyMap<string, boolean> = new Map();
/** Titles the index loads per statement: a million arrive in pages, never in one result. */
const INDEX_PAGE = 10_000;

const isUnique = (err: unknown) => ((err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code) === '23505';
const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function createPgTitleStore(db: PgDb): TitleStore {
  // ---------------------------------------------------------------- records, one statement each

  /** Everything a record holds in one statement: certifications and the reviews' tally come as JSON. */
  const records = (exec: PgExecutor) =>
    exec
      .select({
        t: titles,
        a: advisories,
        certifications: sql<RecordRow['certifications']>`(select coalesce(json_agg(json_build_array(c.system, c.rating, c.reason) order by c.position), '[]'::json)
          from certifications c where c.title_id = ${titles.id})`,
        tally: sql<RecordRow['tally']>`(select coalesce(json_agg(json_build_array(x.by, x.age_rating, x.n, x.stars)), '[]'::json)
          from (select r.by, r.age_rating, count(*)::int n, sum(r.stars)::int stars from reviews r
                where r.title_id = ${titles.id} and not r.hidden group by r.by, r.age_rating) x)`,
      })
      .from(titles)
      .leftJoin(advisories, eq(advisories.titleId, titles.id));

  const readWhere = async (exec: PgExecutor, where: SQL | undefined): Promise<RecordRow[]> => (await records(exec).where(where)) as RecordRow[];

  // The verdict path's one read, prepared once per connection: PostgreSQL planned this statement
  // afresh on every call, and the planning cost more than running it.
  const prepareRead = (by: TitleRef['by']) => records(db).where(eq(REF_COLUMNS[by], sql.placeholder('value'))).prepare(`title_by_${by}`);
  const preparedRead: Record<TitleRef['by'], ReturnType<typeof prepareRead>> = { id: prepareRead('id'), imdb: prepareRead('imdb'), tmdb: prepareRead('tmdb'), isbn: prepareRead('isbn') };

  async function getOne(exec: PgExecutor, ref: TitleRef): Promise<TitleRecord | null> {
    const [row] = (exec === db ? await preparedRead[ref.by].execute({ value: valueOf(ref) }) : await readWhere(exec, eq(REF_COLUMNS[ref.by], valueOf(ref)))) as RecordRow[];
    return row ? toRecord(row) : null;
  }

  /** Inside a writing transaction: the title, its row locked until the commit, so a version checked stays checked. */
  async function lockOne(tx: PgTx, ref: TitleRef): Promise<TitleRecord | null> {
    const [locked] = await tx.select({ id: titles.id }).from(titles).where(eq(REF_COLUMNS[ref.by], valueOf(ref))).for('update');
    return locked ? getOne(tx, { by: 'id', id: locked.id }) : null;
  }

  /** The title another row already holds one of these external ids under, if any. */
  async function externalIdClash(tx: PgExecutor, selfId: string, ids: Pick<TitleRows['title'], 'imdb' | 'tmdb' | 'isbn'>): Promise<string | null> {
    const keys = (Object.keys(EXTERNAL_ID_COLUMNS) as (keyof typeof EXTERNAL_ID_COLUMNS)[]).filter((key) => ids[key]);
    if (keys.length === 0) return null;
    const others = await tx
      .select({ id: titles.id, imdb: titles.imdb, tmdb: titles.tmdb, isbn: titles.isbn })
      .from(titles)
      .where(and(or(...keys.map((key) => eq(EXTERNAL_ID_COLUMNS[key], ids[key]!))), ne(titles.id, selfId)));
    for (const key of keys) {
      const other = others.find((o) => o[key] === ids[key]);
      if (other) return `The ${key} id ${ids[key]} already belongs to title ${other.id}.`;
    }
    return null;
  }

  /** Writes the whole title. `advisoryAt` is when the advisory last changed: now if this write changes it. */
  async function write(tx: PgTx, id: string, rows: TitleRows, prev: Pick<TitleRow, 'version' | 'createdAt'> | undefined, advisoryAt: string | null, now: string) {
    // A failed statement ends a PostgreSQL transaction: whose external id it is must be asked before, not after.
    const clash = await externalIdClash(tx, id, rows.title);
    if (clash) throw new Conflict('duplicate', clash);
    const row = { id, ...rows.title, version: (prev?.version ?? 0) + 1, createdAt: prev?.createdAt ?? now, updatedAt: now };
    try {
      if (prev) await tx.update(titles).set(row).where(eq(titles.id, id));
      else await tx.insert(titles).values(row);
    } catch (err) {
      // Another transaction took the id between the question and the write.
      throw isUnique(err) ? new Conflict('duplicate', 'One of its external ids was just given to another title; read the titles again and retry.') : err;
    }
    if (prev) await tx.delete(certifications).where(eq(certifications.titleId, id));
    if (rows.certifications.length > 0) await tx.insert(certifications).values(rows.certifications.map((cert) => ({ titleId: id, ...cert })));
    if (!rows.advisory) {
      if (prev) await tx.delete(advisories).where(eq(advisories.titleId, id));
    } else if (advisoryAt) {
      // Required categories always carry a level: the input schema saw to it.
      const adv = { titleId: id, ...rows.advisory, updatedAt: advisoryAt } as typeof advisories.$inferInsert;
      await tx.insert(advisories).values(adv).onConflictDoUpdate({ target: advisories.titleId, set: adv });
    }
  }

  /** Applies a patch of whole top-level fields to the stored title (`found`: already read and locked). */
  async function patchTitle(tx: PgTx, ref: TitleRef, patch: TitlePatch, expected: ExpectedVersions, found?: TitleRecord | null) {
    found ??= await lockOne(tx, ref);
    if (!found) throw new NotFound(noTitle(ref));
    checkVersion('title', found.version, expected);
    const before = found.title;
    const change = mergePatch(found, patch);
    if (!change) return { before, record: found };
    const now = new Date().toISOString();
    await write(tx, before.id, titleRows(change.merged), { version: found.version, createdAt: before.createdAt }, change.advisoryChanged ? now : null, now);
    await noteTitleChanges(tx, [before.id]);
    return { before, record: (await getOne(tx, { by: 'id', id: before.id }))! };
  }

  // ---------------------------------------------------------------- import

  const firstId = async (tx: PgTx, where: SQL | undefined) => (await tx.select({ id: titles.id }).from(titles).where(where).limit(1))[0]?.id;

  /**
   * The ids of the stored titles an import line is about: the one with its id; else those holding
   * its external ids; else, for a line with no external id at all, the one of the same kind, name and year.
   */
  async function importMatches(tx: PgTx, { id, rows: { title } }: ImportItem): Promise<Set<string>> {
    const byId = id ? await firstId(tx, eq(titles.id, id)) : undefined;
    if (byId) return new Set([byId]);
    const keys = (['imdb', 'tmdb', 'isbn'] as const).filter((key) => title[key]);
    if (keys.length > 0) {
      const found = await tx.select({ id: titles.id }).from(titles).where(or(...keys.map((key) => eq(EXTERNAL_ID_COLUMNS[key], title[key]!))));
      return new Set(found.map((r) => r.id));
    }
    const match = await firstId(tx, and(eq(titles.kind, title.kind), eq(titles.nameKey, title.nameKey), sql`${titles.year} is not distinct from ${title.year}`));
    return new Set(match ? [match] : []);
  }

  async function importLine(tx: PgTx, item: ImportItem, matched: string | undefined, now: string): Promise<ImportOutcome> {
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

  /** A batch of import lines in the caller's transaction; guarded, each line has its own savepoint. */
  async function importLines(tx: PgTx, items: readonly ImportItem[], guarded: boolean): Promise<ImportOutcome[]> {
    const now = new Date().toISOString();
    const outcomes: ImportOutcome[] = [];
    for (const item of items) {
      if (guarded) await tx.execute(sql`savepoint import_line`);
      try {
        const ids = await importMatches(tx, item);
        if (ids.size > 1) outcomes.push({ ok: false, error: `its external ids belong to different titles (${[...ids].join(', ')})` });
        else outcomes.push(await importLine(tx, item, [...ids][0], now));
        if (guarded) await tx.execute(sql`release import_line`);
      } catch (err) {
        if (!guarded) throw new LineFailed(err);
        await tx.execute(sql`rollback to import_line`);
        await tx.execute(sql`release import_line`);
        outcomes.push({ ok: false, error: err instanceof Error ? err.message : String(err) });
      }
    }
    await noteTitleChanges(tx, outcomes.flatMap((o) => (o.ok && o.outcome !== 'unchanged' ? [o.id] : [])));
    return outcomes;
  }

  // ---------------------------------------------------------------- the in-memory index

  const LEVELS = CATEGORIES.map((c) => `a.${snake(c.key)}_level`).join(', ');
  const arrays = async <R>(text: string, values: unknown[]) => (await db.$client.query<R extends unknown[] ? R : never>({ text, values, rowMode: 'array' })).rows;

  /** Index entries of the titles one statement picks (`where` on t, with $1), in id order. */
  async function indexEntries(where: string, arg: unknown, limit = '') {
    const rows = await arrays<IndexTitleRow>(
      `select t.id, t.kind, t.name, t.name_key, t.genre_keys, t.sort_age, t.sort_released, t.sort_stars, t.updated_at, a.age_recommendation, ${LEVELS}
       from titles t left join advisories a on a.title_id = t.id where ${where} order by t.id ${limit}`,
      [arg],
    );
    const ids = rows.map((r) => r[0]);
    const [certs, parents] = await Promise.all([
      arrays<[string, string, string]>('select title_id, system, rating from certifications where title_id = any($1) order by title_id, position', [ids]),
      arrays<[string, number, number]>(
        `select title_id, age_rating, count(*)::int from reviews where title_id = any($1) and "by" = 'parent' and not hidden group by title_id, age_rating order by title_id`,
        [ids],
      ),
    ]);
    return { ids, entries: mergeIndexEntries(rows, certs[Symbol.iterator](), parents[Symbol.iterator]()) };
  }

  let index: TitleIndex | null = null;
  /** The last change number the index has caught up with. */
  let seen = 0;
  // One catch-up at a time, so no older read lands on a newer one. Requests that arrive while one
  // runs share the next, which starts after they arrived and so sees their own commits: at most
  // two epoch reads in flight however many pages are asked for at once.
  let running: Promise<TitleIndex> | null = null;
  let next: Promise<TitleIndex> | null = null;
  function shared(catchUp: () => Promise<TitleIndex>): Promise<TitleIndex> {
    if (!running) {
      running = catchUp().finally(() => {
        running = null;
      });
      return running;
    }
    next ??= running.catch(() => {}).then(() => {
      next = null;
      return shared(catchUp);
    });
    return next;
  }

  async function build(): Promise<TitleIndex> {
    const fresh = new TitleIndex();
    fresh.reserve(await count());
    for (let after = ''; ; ) {
      const { ids, entries } = await indexEntries('t.id > $1', after, `limit ${INDEX_PAGE}`);
      for (const entry of entries) fresh.put(entry);
      if (ids.length < INDEX_PAGE) return fresh;
      after = ids[ids.length - 1]!;
    }
  }

  async function reindex(current: TitleIndex, changed: readonly string[]): Promise<void> {
    for (let i = 0; i < changed.length; i += 1000) {
      const chunk = changed.slice(i, i + 1000);
      const { ids, entries } = await indexEntries('t.id = any($1)', chunk);
      for (const entry of entries) current.put(entry);
      const found = new Set(ids);
      for (const id of chunk) if (!found.has(id)) current.remove(id);
    }
  }

  /** The index, built on first use and brought up to date with what every instance committed since. */
  function currentIndex(): Promise<TitleIndex> {
    return shared(async () => {
      const { epoch, forgotten } = await titleEpoch(db);
      if (index && epoch === seen) return index;
      if (!index || seen < forgotten) index = await build();
      else await reindex(index, await titlesChangedAfter(db, seen));
      seen = epoch;
      return index;
    });
  }

  async function count(): Promise<number> {
    const { rows } = await db.execute<{ n: number }>(sql`select count(*)::int as n from titles`);
    return rows[0]!.n;
  }

  /** A page of the catalogue from the index, filled with the listed fields of its titles. */
  async function page({ filters, sort, limit, after, decided, accept }: TitleListQuery & { decided: ReadonlyMap<string, boolean>; accept?: Accept }) {
    const current = await currentIndex();
    // A search is the one filter the index does not hold: SQL finds the matching ids first.
    const matching = filters.q?.length
      ? new Set((await db.select({ id: titles.id }).from(titles).where(and(...filters.q.map((word) => like(titles.searchText, `% ${word}%`))))).map((r) => r.id))
      : undefined;
    const found = current.scan({ filters, sort, limit, after, decided, accept, matching });
    const rows = found.ids.length ? await readWhere(db, inArray(titles.id, found.ids)) : [];
    const byId = new Map(rows.map((r) => [r.t.id, r]));
    // A title removed since the scan (by another instance) drops out of the page with its key.
    const kept = found.ids.flatMap((id, i) => (byId.has(id) ? [i] : []));
    return { items: kept.map((i) => toListRecord(byId.get(found.ids[i]!)!)), keys: kept.map((i) => found.keys[i]!), more: found.more };
  }

  return {
    async get(ref) {
      return getOne(db, ref);
    },

    async getMany(refs) {
      if (refs.length === 0) return [];
      const wanted = wantedValues(refs);
      const rows = await readWhere(db, or(...(Object.keys(wanted) as TitleRef['by'][]).flatMap((by) => (wanted[by].length ? [inArray(REF_COLUMNS[by], wanted[by])] : []))));
      return byReference(rows.map(toRecord), refs);
    },

    async list(query: TitleListQuery) {
      return page({ ...query, decided: NOTHING_DECIDED });
    },

    async create(input) {
      return db.transaction(async (tx) => {
        const now = new Date().toISOString();
        const id = newId('tl');
        await write(tx, id, titleRows(canonical(input)), undefined, now, now);
        await noteTitleChanges(tx, [id]);
        return (await getOne(tx, { by: 'id', id }))!;
      });
    },

    async update(ref, patch, expected) {
      return db.transaction(async (tx) => (await patchTitle(tx, ref, patch, expected)).record);
    },

    async remove(ref, expected) {
      await db.transaction(async (tx) => {
        const found = await lockOne(tx, ref);
        if (!found) throw new NotFound(noTitle(ref));
        checkVersion('title', found.version, expected);
        await tx.delete(titles).where(eq(titles.id, found.title.id));
        await noteTitleChanges(tx, [found.title.id]);
      });
    },

    async putAdvisory(ref, advisory, expected) {
      return db.transaction(async (tx) => {
        const { before, record } = await patchTitle(tx, ref, { advisory }, expected);
        return { ...record, created: before.advisory === null };
      });
    },

    async removeAdvisory(ref, expected) {
      return db.transaction(async (tx) => {
        const found = await lockOne(tx, ref);
        if (!found) throw new NotFound(noTitle(ref));
        if (!found.title.advisory) throw new NotFound(`“${found.title.name}” has no expert advisory.`);
        return (await patchTitle(tx, ref, { advisory: null }, expected, found)).record;
      });
    },

    async importBatch(lines) {
      try {
        return await db.transaction((tx) => importLines(tx, lines, false));
      } catch (err) {
        if (!(err instanceof LineFailed)) throw err;
        // A line failed and the batch rolled back whole: again, each line in a savepoint, so
        // the failing one is reported and the rest stand.
        return db.transaction((tx) => importLines(tx, lines, true));
      }
    },

    async catalogue(query) {
      return page(query);
    },

    async *exportAll(pageSize = 500) {
      // One repeatable-read transaction for the whole walk: every page sees the same snapshot.
      const client = await db.$client.connect();
      try {
        await client.query('begin isolation level repeatable read read only');
        const snapshot = drizzle(client);
        for (let after = ''; ; ) {
          const rows = (await records(snapshot).where(sql`${titles.id} > ${after}`).orderBy(titles.id).limit(pageSize)) as RecordRow[];
          if (rows.length === 0) break;
          for (const row of rows) yield toRecord(row).title satisfies Title;
          after = rows[rows.length - 1]!.t.id;
        }
      } finally {
        // Also when the reader stops early: the connection goes back to the pool outside a transaction.
        await client.query('commit');
        client.release();
      }
    },

    async warm() {
      (await currentIndex()).scan({ filters: { levels: [] }, sort: 'name', limit: 0, decided: NOTHING_DECIDED });
    },

    count,
  };
}
