/**
 * A fingerprint of everything a database holds, read through a second connection: a test takes
 * one before a request and one after, and equal digests mean the request changed nothing. Every
 * table is read (new tables are covered without a change here), rows in a stable order, values as
 * stored. The database is a SQLite file, or the schema of a PostgreSQL database an app runs on.
 *
 * Reading every table after every request was most of what a fuzzed request cost, so a snapshot
 * is kept with a change marker, and the tables are read again only once the marker has moved:
 * - SQLite: PRAGMA data_version, which changes on a connection whenever another connection
 *   commits (this one never writes);
 * - PostgreSQL: a sequence in the schema that a statement-level trigger on every table advances
 *   on every insert, update, delete and truncate (a sequence is not rolled back, so a statement
 *   rolled back costs a read, never a missed change), together with the catalogue rows of the
 *   schema's tables, which creating, dropping, renaming or altering a table changes.
 * The marker only saves reads: equal digests still mean equal rows.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Config } from '../../src/config.js';
import { isPostgresUrl } from '../../src/store/index.js';

export type DatabaseRef = Pick<Config, 'DATABASE_URL' | 'DATABASE_SCHEMA'>;

export interface Snapshot {
  /** A hash over every row of every table. */
  digest: string;
  /** Every table's rows as lines of text, sorted, to show what changed when two digests differ. */
  rows: Record<string, string[]>;
}

export interface DatabaseDigest {
  /** The hash over every row of every table. */
  (): Promise<string>;
  snapshot(): Promise<Snapshot>;
  /** A read on the second connection, table names unqualified (on PostgreSQL, the app's schema is the search path). */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

/** What differs between the backends. */
interface Reader {
  /** Differs from the value it had whenever anything may have been committed since. */
  marker(): Promise<string>;
  /** Every table's rows, one line of text a row, in no particular order. */
  tables(): Promise<Record<string, string[]>>;
  query<T>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

function sqliteReader(path: string): Reader {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const dataVersion = db.prepare('pragma data_version').pluck();
  const tableNames = db.prepare<[], string>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").pluck();
  const reads = new Map<string, Database.Statement>();
  const read = (table: string) => reads.get(table) ?? reads.set(table, db.prepare(`select * from ${quote(table)}`).raw()).get(table)!;
  return {
    marker: async () => String(dataVersion.get()),
    // A blob becomes {"type":"Buffer","data":[…]}: every byte, and never equal to a text.
    tables: async () => Object.fromEntries(tableNames.all().map((table) => [table, read(table).all().map((row) => JSON.stringify(row))])),
    query: async <T>(sql: string) => db.prepare(sql).all() as T[],
    close: async () => void db.close(),
  };
}

async function postgresReader(url: string, schemaName: string): Promise<Reader> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${quote(schemaName)}`, application_name: 'guidepost-test-digest' });
  await client.connect();
  const schema = quote(schemaName);
  await client.query(`
    create sequence if not exists ${schema}.digest_changes;
    create or replace function ${schema}.digest_changed() returns trigger language plpgsql as $$
      begin perform nextval('${schema}.digest_changes'); return null; end $$`);
  // The schema's tables through its dependencies, which are indexed: pg_class has no index by schema, and is large in a test database.
  const tablesOf = `select c.relname, c.oid, c.xmin from pg_depend d join pg_class c on c.oid = d.objid
    where d.refclassid = 'pg_namespace'::regclass and d.refobjid = $1::regnamespace and d.classid = 'pg_class'::regclass and c.relkind in ('r', 'p')`;
  const markerQuery = `select (select last_value || '.' || is_called from ${schema}.digest_changes) as changes,
    (select coalesce(string_agg(t.oid || '.' || t.xmin, ' ' order by t.oid), '') from (${tablesOf}) t) as tables`;
  const readMarker = async () => (await client.query<{ changes: string; tables: string }>({ name: 'digest-marker', text: markerQuery, values: [schemaName] })).rows[0]!;
  let watched: string | undefined;
  const tableNames = async () => (await client.query<{ relname: string }>(tablesOf, [schemaName])).rows.map((r) => r.relname);
  return {
    async marker() {
      let now = await readMarker();
      if (now.tables !== watched) {
        // A table the trigger is not on yet. Adding it rewrites the table's catalogue row: read again.
        for (const table of await tableNames()) {
          await client.query(`create or replace trigger digest_changes after insert or update or delete or truncate on ${schema}.${quote(table)} for each statement execute function ${schema}.digest_changed()`);
        }
        now = await readMarker();
        watched = now.tables;
      }
      return `${now.changes} ${now.tables}`;
    },
    async tables() {
      const names = await tableNames();
      // One round trip, one snapshot of every table.
      const results = (await client.query(
        ['start transaction isolation level repeatable read read only', ...names.map((table) => `select t::text as line from ${schema}.${quote(table)} t`), 'commit'].join(';\n'),
      )) as unknown as pg.QueryResult<{ line: string }>[];
      return Object.fromEntries(names.map((table, i) => [table, results[i + 1]!.rows.map((r) => r.line)]));
    },
    query: async <T>(sql: string) => (await client.query(sql)).rows as T[],
    close: () => client.end(),
  };
}

export async function openDigest({ DATABASE_URL, DATABASE_SCHEMA }: DatabaseRef): Promise<DatabaseDigest> {
  const reader = isPostgresUrl(DATABASE_URL) ? await postgresReader(DATABASE_URL, DATABASE_SCHEMA) : sqliteReader(DATABASE_URL);
  let last: { marker: string; snapshot: Snapshot } | undefined;
  const snapshot = async (): Promise<Snapshot> => {
    // The marker before the rows: a commit in between is read now, and moves the marker for the next call.
    const marker = await reader.marker();
    if (last?.marker !== marker) last = { marker, snapshot: fingerprint(await reader.tables()) };
    return last.snapshot;
  };
  return Object.assign(async () => (await snapshot()).digest, { snapshot, query: reader.query, close: reader.close });
}

function fingerprint(tables: Record<string, string[]>): Snapshot {
  const hash = createHash('sha256');
  const rows: Record<string, string[]> = {};
  for (const table of Object.keys(tables).sort()) {
    rows[table] = tables[table]!.sort();
    hash.update(`${table}\n${rows[table].join('\n')}\n\n`);
  }
  return { digest: hash.digest('hex'), rows };
}

/** The tables whose rows differ between two snapshots, for a failure message. */
export function changedTables(before: Snapshot, after: Snapshot): string[] {
  const names = new Set([...Object.keys(before.rows), ...Object.keys(after.rows)]);
  return [...names].filter((name) => JSON.stringify(before.rows[name]) !== JSON.stringify(after.rows[name]));
}
