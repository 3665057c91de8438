/**
 * The title store: the catalogue's reads and writes over the dialect, and the in-memory index
 * lists and the child's catalogue page through, kept up to date from the title_changes log.
 */
import { CATEGORIES } from '../domain/categories.js';
import { Conflict, NotFound } from '../domain/errors.js';
import { titleNotFound, type TitleRef } from '../domain/references.js';
import type { Title, TitlePatch } from '../domain/titles.js';
import { snake } from './columns.js';
import type { Dialect, Executor } from './dialect.js';
import { newId } from './ids.js';
import { followTitleChanges, noteTitleChanges, titleEpoch, titlesChangedAfter } from './title-changes.js';
import { loadIndexSnapshot, saveIndexSnapshot } from './title-index-snapshot.js';
import { titleImport } from './title-import.js';
import { TitleIndex, type IndexEntry } from './title-index.js';
import { ratesItself } from '../domain/series.js';
import { canonical, titleRows } from './title-mapping.js';
import { byReference, mergeIndexEntries, mergePatch, toListRecord, toRecord, wantedValues, type IndexTitleRow } from './title-records.js';
import { titleStatements } from './title-statements.js';
import type { Accept, ExpectedVersions, TitleListQuery, TitleRecord, TitleStore } from './types.js';
import { checkVersion } from './versions.js';

const NOTHING_DECIDED: ReadonlyMap<string, boolean> = new Map();

/** Each level of the catalogue, as the export walks them: parents first. */
const EXPORT_LEVELS = ['t.parent_id is null', 't.parent_id is not null and t.episode_number is null', 't.episode_number is not null'];

/**
 * Where an episode sits in its series as one number for a cursor: season (none first), then
 * episode (below a million). The statement compares the two apart: their product overflows
 * PostgreSQL's integers from season 2147.
 */
const episodePosition = (e: { seasonNumber: number | null; episodeNumber: number | null }) => ((e.seasonNumber ?? -1) + 1) * 1_000_000 + e.episodeNumber!;
/** A page of the episodes under a series (its own, and its seasons') or a season, in order, after [season, episode, id]. */
const EPISODES = `where t.episode_number is not null and (t.parent_id = $1 or t.parent_id in (select s.id from titles s where s.parent_id = $1))
  and (coalesce(t.season_number, -1), t.episode_number, t.id) > ($2, $3, $4) order by coalesce(t.season_number, -1), t.episode_number, t.id limit $5`;
/** Titles the index loads per statement: a million arrive in pages, never in one result. */
const INDEX_PAGE = 10_000;

export function createTitleStore(d: Dialect): TitleStore {
  const statements = titleStatements(d);
  const { records, listRecords, verdictRecords, getOne, verdictOne, lockOne, direct, write, descendants, noteChanges } = statements;
  const importBatch = titleImport(d, statements);
  /** The titles of a list of ids; of lists of ids and of each external id. */
  const BY_IDS = `where ${d.inList('t.id', '$1')}`;
  const BY_ANY_REF = `where ${d.inList('t.id', '$1')} or ${d.inList('t.imdb', '$2')} or ${d.inList('t.tmdb', '$3')} or ${d.inList('t.isbn', '$4')}`;

  /** Applies a patch of whole top-level fields to the stored title (`found`: already read and locked). */
  async function patchTitle(tx: Executor, ref: TitleRef, patch: TitlePatch, expected: ExpectedVersions, found?: TitleRecord | null) {
    found ??= await lockOne(tx, ref);
    if (!found) throw titleNotFound(ref);
    checkVersion('title', found.version, expected);
    const before = found.title;
    const change = mergePatch(found, patch);
    if (!change) return { before, record: found };
    const now = new Date().toISOString();
    await write(tx, before.id, titleRows(change.merged), { version: found.version, createdAt: before.createdAt }, change.advisoryChanged ? now : null, now);
    await noteChanges(tx, [before.id]);
    return { before, record: (await getOne(tx, { by: 'id', id: before.id }))! };
  }

  // ---------------------------------------------------------------- the in-memory index

  const LEVELS = CATEGORIES.map((c) => `a.${snake(c.key)}_level`).join(', ');

  /**
   * Index entries of the titles one statement picks (`where` on t, with $1), in id order. A
   * season or an episode with no rating of its own carries its season's or series' facts, as
   * its verdict is judged by them.
   */
  async function indexEntries(where: string, arg: unknown, limit = ''): Promise<{ ids: string[]; entries: IndexEntry[] }> {
    const rows = await d.rows<IndexTitleRow>(
      `select t.id, t.kind, t.name, t.name_key, t.genre_keys, t.sort_released, t.sort_stars, t.updated_at, t.parent_id, t.episode_number, a.age_recommendation, ${LEVELS}
       from titles t left join advisories a on a.title_id = t.id where ${where} order by t.id ${limit}`,
      [arg],
    );
    const ids = d.list(rows.map((r) => r[0]));
    const [certs, parents] = await Promise.all([
      d.rows<[string, string, string, string]>(`select title_id, system, rating, descriptors from certifications where ${d.inList('title_id', '$1')} order by title_id, position`, [ids]),
      d.rows<[string, number, number]>(
        `select title_id, age_rating, cast(count(*) as int) from reviews where ${d.inList('title_id', '$1')} and "by" = 'parent' and not hidden group by title_id, age_rating order by title_id`,
        [ids],
      ),
    ]);
    const entries = [...mergeIndexEntries(rows, certs[Symbol.iterator](), parents[Symbol.iterator]())];
    const unrated = entries.filter((e) => e.parentId !== null && !ratesItself(e.facts));
    if (unrated.length) {
      // The parents' entries, each already carrying its own parent's facts where it has none.
      const above = new Map((await indexEntries(d.inList('t.id', '$1'), d.list([...new Set(unrated.map((e) => e.parentId!))]))).entries.map((e) => [e.id, e]));
      for (const entry of unrated) {
        const parent = above.get(entry.parentId!);
        if (!parent || !ratesItself(parent.facts)) continue;
        entry.facts = { ...entry.facts, advisory: parent.facts.advisory, certifications: parent.facts.certifications };
        entry.sortAge = parent.sortAge;
      }
    }
    return { ids: rows.map((r) => r[0]), entries };
  }

  async function count(): Promise<number> {
    return (await d.get<{ n: number }>('select cast(count(*) as int) as n from titles'))!.n;
  }

  /** The change number of the snapshot this process saved or loaded last: none to save while the index has seen no later one. */
  let snapshotEpoch: number | null = null;

  async function reindex(index: TitleIndex, changed: readonly string[]) {
    for (let i = 0; i < changed.length; i += 1000) {
      const chunk = changed.slice(i, i + 1000);
      const { ids, entries } = await indexEntries(d.inList('t.id', '$1'), d.list(chunk));
      for (const entry of entries) index.put(entry);
      const found = new Set(ids);
      for (const id of chunk) if (!found.has(id)) index.remove(id);
    }
  }

  const followed = followTitleChanges(d, {
    /** The saved snapshot, caught up with the log to `epoch` as a running index would be; null to build instead. */
    async load({ forgotten }) {
      const saved = await loadIndexSnapshot(d, forgotten);
      if (!saved) return null;
      const changed = await titlesChangedAfter(d, saved.epoch);
      // A large part of a large catalogue changed since (an import): reading it whole is quicker than title by title.
      if (changed.length > INDEX_PAGE && changed.length > saved.index.size / 4) return null;
      await reindex(saved.index, changed);
      // A snapshot that does not hold every title was made stale by something the log does not
      // record (rows copied in by hand); the index must never leave a title out of a list.
      if (saved.index.size !== (await count())) return null;
      snapshotEpoch = saved.epoch;
      return saved.index;
    },
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
    reindex,
  });
  const currentIndex = followed.current;

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
    const rows = found.ids.length ? await listRecords(d, BY_IDS, [d.list(found.ids)]) : [];
    const byId = new Map(rows.map((r) => [r.t.id, r]));
    // A title removed since the scan (by another process) drops out of the page with its key.
    const kept = found.ids.flatMap((id, i) => (byId.has(id) ? [i] : []));
    return { items: kept.map((i) => toListRecord(byId.get(found.ids[i]!)!)), keys: kept.map((i) => found.keys[i]!), more: found.more };
  }

  return {
    get: (ref) => getOne(d, ref),

    verdictTitle: verdictOne,

    async verdictTitles(refs) {
      if (refs.length === 0) return [];
      // Episodes named by their numbers are found first, one statement each; the rest are read in one.
      const resolved = await Promise.all(refs.map((ref) => direct(d, ref)));
      const found = resolved.filter((ref) => ref !== null);
      const wanted = wantedValues(found);
      const titles = await verdictRecords(d, BY_ANY_REF, [d.list(wanted.id), d.list(wanted.imdb), d.list(wanted.tmdb), d.list(wanted.isbn)]);
      const answers = byReference(titles, found);
      return resolved.map((ref) => (ref === null ? null : answers[found.indexOf(ref)]!));
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
        if (!found) throw titleNotFound(ref);
        checkVersion('title', found.version, expected);
        const under = await tx.all<{ id: string }>(`select id from titles where parent_id = $1 order by id limit 4${d.lock('update')}`, [found.title.id]);
        if (under.length) {
          const shown = under.slice(0, 3).map((u) => u.id).join(', ');
          throw new Conflict('state', `'${found.title.name}' has seasons or episodes (${shown}${under.length > 3 ? ', …' : ''}); remove them first, or give them another parent.`);
        }
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
        if (!found) throw titleNotFound(ref);
        if (!found.title.advisory) throw new NotFound(`'${found.title.name}' has no expert advisory.`);
        return (await patchTitle(tx, ref, { advisory: null }, expected, found)).record;
      });
    },

    importBatch,

    descendants: (ids) => descendants(d, ids),

    async episodes(id, { limit, after }) {
      const position = after ? Number(after[0]) : 0;
      const rows = await listRecords(d, EPISODES, [id, Math.floor(position / 1_000_000) - 1, position % 1_000_000, after?.[1] ?? '', limit + 1]);
      const items = rows.slice(0, limit).map(toListRecord);
      return { items, keys: items.map((item) => [episodePosition(item), item.id]), more: rows.length > limit };
    },

    catalogue: (query) => page(query),

    async *exportAll(pageSize = 500) {
      // One snapshot for the whole walk: every page sees the same titles, whatever others write meanwhile.
      const snapshot = await d.snapshot();
      try {
        // Titles on their own, then seasons, then episodes: an import of the export finds each parent before its children.
        for (const level of EXPORT_LEVELS) {
          for (let after = ''; ; ) {
            const rows = await records(snapshot, `where ${level} and t.id > $1 order by t.id limit $2`, [after, pageSize]);
            if (rows.length === 0) break;
            for (const row of rows) yield toRecord(row).title satisfies Title;
            after = rows[rows.length - 1]!.t.id;
          }
        }
      } finally {
        // Also when the reader stops early.
        await snapshot.end();
      }
    },

    async warm() {
      (await currentIndex()).scan({ filters: { levels: [] }, sort: 'name', limit: 0, decided: NOTHING_DECIDED });
    },

    saveIndex() {
      return followed.exclusive(async (index, seen) => {
        if (!index || snapshotEpoch === seen) return false;
        await saveIndexSnapshot(d, index, seen);
        snapshotEpoch = seen;
        return true;
      });
    },

    count,

    async indexStats() {
      const state = followed.state();
      if (!state) return null;
      const { seen, ...rest } = state;
      return { ...rest, changesBehind: Math.max(0, (await titleEpoch(d)).epoch - seen) };
    },
  };
}
