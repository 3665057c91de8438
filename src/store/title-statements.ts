/**
 * A title's rows read and written, one statement each where it can be: the record with its
 * advisory, certifications and tally in one read, and the whole title in one write.
 */
import { CATEGORIES } from '../domain/categories.js';
import { Conflict } from '../domain/errors.js';
import type { TitleRef } from '../domain/references.js';
import { column, insertInto, selectList } from './columns.js';
import { fromJson, type Dialect, type Executor } from './dialect.js';
import type { TitleRow, TitleRows } from './title-mapping.js';
import { toRecord, valueOf, type RecordRow } from './title-records.js';
import type { TitleRecord } from './types.js';

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
export const EXTERNAL_IDS = ['imdb', 'tmdb', 'isbn'] as const;

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

export function titleStatements(d: Dialect) {
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

  // The verdict path's one read, by each kind of reference.
  const BY_REF = Object.fromEntries((['id', 'imdb', 'tmdb', 'isbn'] as const).map((by) => [by, d.prepared(`${RECORDS} where t.${by} = $1`)])) as Record<TitleRef['by'], string>;

  async function getOne(ex: Executor, ref: TitleRef): Promise<TitleRecord | null> {
    const [raw] = await ex.rows(BY_REF[ref.by], [valueOf(ref)]);
    return raw ? toRecord(recordRow(raw)) : null;
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

  return { records, getOne, lockOne, write };
}
