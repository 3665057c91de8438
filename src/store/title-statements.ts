/**
 * A title's rows read and written, one statement each where it can be: the record with its
 * advisory, certifications and tally in one read, and the whole title in one write.
 */
import { CATEGORIES } from '../domain/categories.js';
import { Conflict, Invalid } from '../domain/errors.js';
import { levelOf, placementFieldProblem, placementProblem, type Placement, type PlacementProblem } from '../domain/series.js';
import type { DirectRef, TitleRef } from '../domain/references.js';
import type { VerdictTitle } from '../domain/titles.js';
import { column, insertInto, readRow, selectList } from './columns.js';
import { fromJson, type Dialect, type Executor } from './dialect.js';
import { noteTitleChanges } from './title-changes.js';
import { LIST_ADVISORY_KEYS, LIST_TITLE_KEYS, VERDICT_ADVISORY_KEYS, VERDICT_TITLE_KEYS, type TitleRow, type TitleRows } from './title-mapping.js';
import { EXTERNAL_IDS, toRecord, toVerdictRecord, valueOf, type ListRecordRow, type RecordRow, type VerdictRecordRow } from './title-records.js';
import type { TitleRecord } from './types.js';

const TITLE_KEYS = [
  'id', 'name', 'kind', 'year', 'releaseTheaters', 'releaseStreaming', 'runtimeMinutes', 'genres', 'topics', 'cast', 'directors', 'studio', 'synopsis',
  'imdb', 'tmdb', 'isbn', 'age', 'ageSource', 'nameKey', 'genreKeys', 'searchText', 'sortAge', 'sortReleased', 'sortStars', 'version', 'createdAt', 'updatedAt',
  'parentId', 'seasonNumber', 'episodeNumber',
] as const;
const ADVISORY_KEYS = [
  'titleId', 'ageRecommendation', 'stars', 'oneLiner', 'parentsNeedToKnow', 'story', 'isItAnyGood', 'talkAbout',
  ...CATEGORIES.flatMap((c) => [`${c.key}Level`, `${c.key}Note`] as const),
  'updatedAt',
] as const;
const TITLE_JSON = new Set(['genres', 'topics', 'cast', 'directors']);
const NO_JSON: ReadonlySet<string> = new Set();
const ADVISORY_JSON = new Set(['talkAbout']);

const TITLE_INSERT = insertInto('titles', TITLE_KEYS);
const TITLE_UPDATE = `update titles set ${TITLE_KEYS.slice(1).map((key, i) => `${column(key)} = $${i + 2}`).join(', ')} where id = $1`;
const ADVISORY_UPSERT = `${insertInto('advisories', ADVISORY_KEYS).text}
  on conflict (title_id) do update set ${ADVISORY_KEYS.slice(1).map((key) => `${column(key)} = excluded.${column(key)}`).join(', ')}`;
const CERTIFICATION_COLUMNS = ['titleId', 'system', 'rating', 'reason', 'descriptors', 'position'] as const;

const insertTexts = new Map<string, string>();

/**
 * `${base} ${where}`, made once for each `where`. A dialect finds its compiled (or named)
 * statement by the text's value on every run, and a text joined anew each time must be hashed
 * whole: 4 µs for a record statement's 1.5 kB, against nanoseconds for a text made once.
 */
function withWhere(base: string): (where: string) => string {
  const texts = new Map<string, string>();
  return (where) => {
    let text = texts.get(where);
    if (text === undefined) texts.set(where, (text = `${base} ${where}`));
    return text;
  };
}

/** `insert into table (…) values (…), (…)` for `count` rows of these keys; made once per table and count. */
function valuesInsert(table: string, keys: readonly string[], count: number): string {
  const key = `${table} ${count}`;
  let text = insertTexts.get(key);
  if (text === undefined) {
    const width = keys.length;
    const tuples = Array.from({ length: count }, (_, row) => `(${keys.map((__, j) => `$${row * width + j + 1}`).join(', ')})`);
    insertTexts.set(key, (text = `insert into ${table} (${keys.map(column).join(', ')}) values ${tuples.join(', ')}`));
  }
  return text;
}

/**
 * Rows per statement of a multi-row insert, largest first: a few statement texts serve every
 * count (each is compiled or planned once), and a statement keeps under both databases' limit
 * on parameters (SQLite's 32,766).
 */
const ROWS_PER_INSERT = [500, 50, 5, 1];

/** Inserts rows (each its values in `keys` order) in as few statements as ROWS_PER_INSERT allows. */
async function insertRows(tx: Executor, table: string, keys: readonly string[], rows: readonly unknown[][]) {
  for (let at = 0; at < rows.length; ) {
    const count = ROWS_PER_INSERT.find((n) => n <= rows.length - at)!;
    // A plain loop: flat() over arrays of arrays cost more than the statement.
    const values: unknown[] = [];
    for (const row of rows.slice(at, at + count)) for (const value of row) values.push(value);
    await tx.run(valuesInsert(table, keys, count), values);
    at += count;
  }
}

/** JSON columns as text, the form both databases take them in. */
const jsonValues = (row: Record<string, unknown>, keys: readonly string[], json: ReadonlySet<string>) => keys.map((key) => (json.has(key) ? JSON.stringify(row[key]) : row[key]));

export function titleStatements(d: Dialect) {
  /**
   * A title with everything a record holds in one statement: its advisory joined, its
   * certifications and its visible reviews' tally as JSON. Each statement is a B-tree walk of
   * its own; four per title cost a verdict more than all the rest of its request.
   */
  const statement = (titleKeys: readonly string[], advisoryKeys: readonly string[], grandparent = false) => `select ${selectList(titleKeys, 't')}, ${selectList(advisoryKeys, 'a')},
      (select ${d.jsonArrayAgg(d.jsonArray('c.system', 'c.rating', 'c.reason', 'c.descriptors'), 'c.position')} from certifications c where c.title_id = t.id),
      (select ${d.jsonArrayAgg(d.jsonArray('x."by"', 'x.age_rating', 'x.n', 'x.stars'))}
         from (select r."by", r.age_rating, cast(count(*) as int) as n, cast(sum(r.stars) as int) as stars
               from reviews r where r.title_id = t.id and not r.hidden group by r."by", r.age_rating) x)${grandparent ? ', p.parent_id' : ''}
    from titles t left join advisories a on a.title_id = t.id${grandparent ? ' left join titles p on p.id = t.parent_id' : ''}`;
  /** Rows of a statement of these keys into RecordRows: the title's values, the advisory's (null without one), then the two JSON columns. */
  const reader = <R extends RecordRow<unknown, unknown>>(titleKeys: readonly string[], titleJson: ReadonlySet<string>, advisoryKeys: readonly string[], advisoryJson: ReadonlySet<string>) => {
    const advisoryAt = titleKeys.length;
    const jsonAt = advisoryAt + advisoryKeys.length;
    return (raw: unknown[]) =>
      ({
        t: readRow(raw, 0, titleKeys, titleJson),
        a: raw[advisoryAt] === null ? null : readRow(raw, advisoryAt, advisoryKeys, advisoryJson),
        certifications: fromJson(raw[jsonAt]),
        tally: fromJson(raw[jsonAt + 1]),
        grandparentId: (raw[jsonAt + 2] as string | null | undefined) ?? null,
      }) as R;
  };
  const RECORDS = statement(TITLE_KEYS, ADVISORY_KEYS);
  const recordRow = reader<RecordRow>(TITLE_KEYS, TITLE_JSON, ADVISORY_KEYS, ADVISORY_JSON);
  const recordsWhere = withWhere(RECORDS);
  const records = async (ex: Executor, where: string, params: readonly unknown[]) => (await ex.rows(recordsWhere(where), params)).map(recordRow);
  // A page of a list shows a summary of each title: none of the long texts, half the columns.
  const LIST_RECORDS = statement(LIST_TITLE_KEYS, LIST_ADVISORY_KEYS);
  const listRow = reader<ListRecordRow>(LIST_TITLE_KEYS, TITLE_JSON, LIST_ADVISORY_KEYS, ADVISORY_JSON);
  const listWhere = withWhere(LIST_RECORDS);
  const listRecords = async (ex: Executor, where: string, params: readonly unknown[]) => (await ex.rows(listWhere(where), params)).map(listRow);

  // A verdict reads the facts it decides on and what it shows beside them: a third of the
  // title's columns and none of its JSON lists or long texts, which cost a batch of 50 more to
  // read and parse than its verdicts cost to decide.
  // An episode's verdict may be its season's or series': it reads who they are with it.
  const VERDICT_RECORDS = statement(VERDICT_TITLE_KEYS, VERDICT_ADVISORY_KEYS, true);
  const verdictRow = reader<VerdictRecordRow>(VERDICT_TITLE_KEYS, NO_JSON, VERDICT_ADVISORY_KEYS, NO_JSON);
  const verdictWhere = withWhere(VERDICT_RECORDS);
  const verdictRecords = async (ex: Executor, where: string, params: readonly unknown[]) => (await ex.rows(verdictWhere(where), params)).map((raw) => toVerdictRecord(verdictRow(raw)));

  // The request path's reads of one title, by each kind of reference: the whole record, and a verdict's.
  const byRef = (text: string) => Object.fromEntries((['id', 'imdb', 'tmdb', 'isbn'] as const).map((by) => [by, d.prepared(`${text} where t.${by} = $1`)])) as Record<TitleRef['by'], string>;
  const BY_REF = byRef(RECORDS);
  const VERDICT_BY_REF = byRef(VERDICT_RECORDS);

  // An episode by its series' TMDB id and its numbers: under the series itself, or under its season of that number.
  const EPISODE_ID = d.prepared(`select e.id from titles e where e.parent_id = (select id from titles where tmdb = $1) and e.season_number = $2 and e.episode_number = $3
    union all select e.id from titles e join titles s on s.id = e.parent_id
      where s.parent_id = (select id from titles where tmdb = $1) and s.season_number = $2 and e.episode_number = $3`);

  /** The reference as one the catalogue holds a value of: an episode's becomes its id (null: no such episode). */
  async function direct(ex: Executor, ref: TitleRef): Promise<DirectRef | null> {
    if (ref.by !== 'episode') return ref;
    const found = await ex.get<{ id: string }>(EPISODE_ID, [ref.series, ref.season, ref.episode]);
    return found ? { by: 'id', id: found.id } : null;
  }

  async function getOne(ex: Executor, ref: TitleRef): Promise<TitleRecord | null> {
    const by = await direct(ex, ref);
    if (!by) return null;
    const [raw] = await ex.rows(BY_REF[by.by], [valueOf(by)]);
    return raw ? toRecord(recordRow(raw)) : null;
  }

  async function verdictOne(ref: TitleRef): Promise<VerdictTitle | null> {
    const by = await direct(d, ref);
    if (!by) return null;
    const [raw] = await d.rows(VERDICT_BY_REF[by.by], [valueOf(by)]);
    return raw ? toVerdictRecord(verdictRow(raw)) : null;
  }

  /** Inside a writing transaction: the title, its row locked until the commit, so a version checked stays checked. */
  async function lockOne(tx: Executor, ref: TitleRef): Promise<TitleRecord | null> {
    const by = await direct(tx, ref);
    if (!by) return null;
    const locked = await tx.get<{ id: string }>(`select id from titles where ${by.by} = $1${d.lock('update')}`, [valueOf(by)]);
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

  /** A title row's values in TITLE_KEYS order: `version` is the one it gets. */
  const titleValues = (id: string, rows: TitleRows, version: number, createdAt: string, now: string) =>
    jsonValues({ id, ...rows.title, version, createdAt, updatedAt: now }, TITLE_KEYS, TITLE_JSON);
  const certificationValues = (id: string, rows: TitleRows) => rows.certifications.map((cert) => [id, cert.system, cert.rating, cert.reason, cert.descriptors.join('|'), cert.position]);
  const advisoryValues = (id: string, advisory: NonNullable<TitleRows['advisory']>, advisoryAt: string) =>
    jsonValues({ titleId: id, ...advisory, updatedAt: advisoryAt }, ADVISORY_KEYS, ADVISORY_JSON);

  const PLACEMENT = `select id, kind, parent_id as "parentId", season_number as "seasonNumber", episode_number as "episodeNumber" from titles`;

  /**
   * Why each of these titles, as now written, or a season or episode under one of them, cannot
   * sit where it is (src/domain/series.ts): by the written title's id, `own` when it is its own
   * place that does not fit. Read after the writes, so a parent written in the same transaction
   * counts.
   */
  async function misplaced(tx: Executor, ids: readonly string[]): Promise<Map<string, PlacementProblem & { own: boolean }>> {
    const problems = new Map<string, PlacementProblem & { own: boolean }>();
    if (ids.length === 0) return problems;
    const rows = await tx.all<Placement>(`${PLACEMENT} where ${d.inList('id', '$1')} or ${d.inList('parent_id', '$1')}`, [d.list(ids)]);
    const parentIds = [...new Set(rows.flatMap((r) => (r.parentId === null ? [] : [r.parentId])))];
    // Every parent read again, locked until the commit, as a removal or a renumbering locks the
    // title it changes: a parent never goes or changes under a child being written.
    const parents = parentIds.length ? await tx.all<Placement>(`${PLACEMENT} where ${d.inList('id', '$1')} order by id${d.lock('no key update')}`, [d.list(parentIds)]) : [];
    const byId = new Map([...rows, ...parents].map((r) => [r.id, r]));
    const holds = parentIds.length
      ? await tx.all<{ parentId: string; seasons: number; episodes: number }>(
          `select parent_id as "parentId", max(case when episode_number is null then 1 else 0 end) as seasons, max(case when episode_number is null then 0 else 1 end) as episodes
           from titles where ${d.inList('parent_id', '$1')} group by parent_id`,
          [d.list(parentIds)],
        )
      : [];
    const has = new Map(holds.map((h) => [h.parentId, { seasons: Boolean(h.seasons), episodes: Boolean(h.episodes) }]));
    const written = new Set(ids);
    for (const r of rows) {
      const problem = placementProblem(r, r.parentId === null ? null : (byId.get(r.parentId) ?? null), has.get(r.parentId!) ?? { seasons: false, episodes: false });
      if (!problem) continue;
      const own = written.has(r.id);
      const at = own ? r.id : r.parentId!;
      // A title's own place is what it is told of first: its children may be out of place only because of it.
      if (own) problems.set(at, { ...problem, own });
      else if (!problems.has(at)) problems.set(at, { field: 'parentId', own, problem: `its ${levelOf(r)} ${r.id} would no longer fit under it: ${problem.problem}` });
    }
    return problems;
  }

  /** The seasons and episodes under these titles: a change to a series may change its episodes' verdicts. */
  async function descendants(ex: Executor, ids: readonly string[]): Promise<{ id: string; parentId: string }[]> {
    if (ids.length === 0) return [];
    return ex.all<{ id: string; parentId: string }>(
      `select id, parent_id as "parentId" from titles where ${d.inList('parent_id', '$1')}
       union all select c.id, c.parent_id from titles c join titles s on s.id = c.parent_id where ${d.inList('s.parent_id', '$1')}`,
      [d.list(ids)],
    );
  }

  /**
   * Notes the titles as changed in the log, with the seasons and episodes under them: a change
   * to a series may change how its episodes are judged. The log's row is taken first, so a
   * season or an episode added under them by a transaction committed before this one is read
   * as one of theirs (one committed after is logged after).
   */
  async function noteChanges(tx: Executor, ids: readonly string[]) {
    await noteTitleChanges(d, tx, ids);
    const under = await descendants(tx, ids);
    if (under.length) await noteTitleChanges(d, tx, under.map((r) => r.id));
  }

  /** The title already in this place (a season's number, an episode's) under the same parent, if any. */
  async function placeClash(tx: Executor, id: string, { parentId, seasonNumber, episodeNumber }: TitleRows['title']): Promise<string | null> {
    if (parentId === null) return null;
    const other = await tx.get<{ id: string }>(
      'select id from titles where parent_id = $1 and coalesce(season_number, -1) = $2 and coalesce(episode_number, -1) = $3 and id <> $4',
      [parentId, seasonNumber ?? -1, episodeNumber ?? -1, id],
    );
    if (!other) return null;
    const place = episodeNumber === null ? `season ${seasonNumber}` : `episode ${episodeNumber}${seasonNumber === null ? '' : ` of season ${seasonNumber}`}`;
    return `${parentId} already has ${place}: title ${other.id}.`;
  }

  /**
   * Writes the whole title. `advisoryAt` is when the advisory last changed: now if this write
   * changes it. `check: false` leaves its place in a series to be checked by the caller, once
   * for many writes (see misplaced).
   */
  async function write(tx: Executor, id: string, rows: TitleRows, prev: Pick<TitleRow, 'version' | 'createdAt'> | undefined, advisoryAt: string | null, now: string, check = true) {
    const field = placementFieldProblem(rows.title);
    if (field) throw new Invalid(`body.${field.field}`, field.problem);
    // A failed statement ends a PostgreSQL transaction: whose external id or place it is must be asked before, not after.
    const clash = (await externalIdClash(tx, id, rows.title)) ?? (await placeClash(tx, id, rows.title));
    if (clash) throw new Conflict('duplicate', clash);
    const { parentId, seasonNumber, episodeNumber } = rows.title;
    // Only a season renumbers anything: other writes read nothing more.
    const was = prev && levelOf(rows.title) === 'season' ? await tx.get<Placement>(`${PLACEMENT} where id = $1`, [id]) : undefined;
    const values = titleValues(id, rows, (prev?.version ?? 0) + 1, prev?.createdAt ?? now, now);
    try {
      await tx.run(prev ? TITLE_UPDATE : TITLE_INSERT.text, values);
      // A season renumbered takes its episodes with it: they carry its number (and no two of them share one).
      if (was && levelOf(was) === 'season' && was.seasonNumber !== seasonNumber) {
        await tx.run('update titles set season_number = $2, version = version + 1, updated_at = $3 where parent_id = $1 and episode_number is not null', [id, seasonNumber, now]);
      }
    } catch (err) {
      // Another transaction took the id or the place between the question and the write.
      throw d.isUniqueViolation(err) ? new Conflict('duplicate', 'One of its external ids, or its place in its series, was just given to another title; read the titles again and retry.') : err;
    }
    if (check && (prev || parentId !== null || episodeNumber !== null)) {
      const problem = (await misplaced(tx, [id])).get(id);
      if (problem?.own) throw new Invalid(`body.${problem.field}`, problem.problem);
      if (problem) throw new Conflict('state', `This change would leave a title out of place: ${problem.problem}.`);
    }
    if (prev) await tx.run('delete from certifications where title_id = $1', [id]);
    if (rows.certifications.length > 0) await tx.run(valuesInsert('certifications', CERTIFICATION_COLUMNS, rows.certifications.length), certificationValues(id, rows).flat());
    if (!rows.advisory) {
      if (prev) await tx.run('delete from advisories where title_id = $1', [id]);
    } else if (advisoryAt) {
      await tx.run(ADVISORY_UPSERT, advisoryValues(id, rows.advisory, advisoryAt));
    }
  }

  /**
   * Creates many titles in a few statements, each a multi-row insert: on PostgreSQL a statement
   * is a round trip, and an import of a million titles made five per title. Nothing is asked
   * first: the caller knows none of these ids or external ids is taken (a unique violation, from
   * a writer elsewhere, fails the whole call).
   */
  async function createMany(tx: Executor, titles: readonly { id: string; rows: TitleRows; version: number }[], now: string) {
    await insertRows(tx, 'titles', TITLE_KEYS, titles.map((t) => titleValues(t.id, t.rows, t.version, now, now)));
    await insertRows(tx, 'certifications', CERTIFICATION_COLUMNS, titles.flatMap((t) => certificationValues(t.id, t.rows)));
    await insertRows(tx, 'advisories', ADVISORY_KEYS, titles.flatMap((t) => (t.rows.advisory ? [advisoryValues(t.id, t.rows.advisory, now)] : [])));
  }

  return { records, listRecords, verdictRecords, getOne, verdictOne, lockOne, direct, write, createMany, misplaced, descendants, noteChanges };
}
