/**
 * The backend a test run is on, and the databases tests get on it. `npm test` runs on SQLite;
 * `npm run test:pg` sets GUIDEPOST_TEST_DATABASE_URL, and then every database a test asks for here
 * is a schema of its own in that PostgreSQL database (scripts/test-pg.mjs drops the whole database
 * afterwards). Test-only: src/ imports nothing of this.
 *
 * A test of something only SQLite has (backup, secure_delete, the file itself, WAL) says so in its
 * first line, `// SQLite only: why`; `npm run test:pg` does not list such a file, and run by name
 * there its tests are skipped (sqliteOnly), never run again on SQLite.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { loadConfig, type Config } from '../src/config.js';
import { isPostgresUrl, openStore, type Store } from '../src/store/index.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export type DatabaseRef = Pick<Config, 'DATABASE_URL' | 'DATABASE_SCHEMA'>;

/** The PostgreSQL test database under `npm run test:pg`, or undefined under `npm test`. */
export const POSTGRES_URL = process.env.GUIDEPOST_TEST_DATABASE_URL || undefined;
export const BACKEND: 'sqlite' | 'postgres' = POSTGRES_URL ? 'postgres' : 'sqlite';

/** A test's options when it checks what only SQLite has: skipped under `npm run test:pg`, saying why. */
export const sqliteOnly = (why: string) => ({ skip: POSTGRES_URL ? `SQLite only: ${why}` : false });

/**
 * The configuration tests build on: defaults, overridable per field. Load shedding is off, so a
 * busy test machine never turns a test's request into a 503; the tests of shedding turn it on.
 * The general and sign-up rate limits are off too (every test request comes from one address at
 * machine speed); the tests of the limits set them. The verdict quota keeps its default.
 *
 * The database is a fresh one in memory; under `npm run test:pg` it is a fresh schema of the
 * PostgreSQL test database instead.
 */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({}), ...testDatabase(), LOG_LEVEL: 'silent', MAX_EVENT_LOOP_DELAY_MS: 0, MAX_HEAP_USED_MB: 0, MAX_RSS_MB: 0, RATE_LIMIT_ANONYMOUS: 0, RATE_LIMIT_TOKEN: 0, RATE_LIMIT_SIGNUP: 0, ...overrides };
}

/** A database no other test sees and one connection opens: SQLite in memory, or a new schema of the PostgreSQL test database. */
export function testDatabase(): DatabaseRef {
  return POSTGRES_URL ? { DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: `test_${randomBytes(8).toString('hex')}` } : { DATABASE_URL: ':memory:', DATABASE_SCHEMA: 'public' };
}

/** A new folder in the system's temporary one, removed with everything in it when the test ends. */
export function tempDir(t: Teardown, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `guidepost-${name}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A fresh database that several connections, stores, apps or processes can open at once, on the
 * backend of this run: a SQLite file in a folder of its own, or a new PostgreSQL schema. Removed
 * when the test ends, after whatever the test set to close on it later (tap runs teardowns last
 * added first): ask for the database before opening anything on it.
 */
export function freshDatabase(t: Teardown): DatabaseRef {
  if (!POSTGRES_URL) return { DATABASE_URL: join(tempDir(t, 'db'), 'guidepost.db'), DATABASE_SCHEMA: 'public' };
  const database = testDatabase();
  t.teardown(() => onAnotherConnection(database, `drop schema if exists "${database.DATABASE_SCHEMA}" cascade`));
  return database;
}

/** A store on the database, as the server would open it (the schema migrated). */
export const openStoreOn = ({ DATABASE_URL, DATABASE_SCHEMA }: DatabaseRef): Promise<Store> => openStore(DATABASE_URL, { schema: DATABASE_SCHEMA });

/** Runs SQL on a connection of its own, as another process would; table names unqualified. */
export async function onAnotherConnection(database: DatabaseRef, sql: string): Promise<void> {
  await queryOnAnotherConnection(database, sql);
}

/**
 * The rows one statement returns, read on a connection of its own (the app's schema is the search
 * path on PostgreSQL; a statement that returns nothing, such as DDL, returns []). Several
 * statements may go in one string; then nothing is returned.
 */
export async function queryOnAnotherConnection<T = Record<string, unknown>>({ DATABASE_URL, DATABASE_SCHEMA }: DatabaseRef, sql: string): Promise<T[]> {
  if (!isPostgresUrl(DATABASE_URL)) {
    const db = new Database(DATABASE_URL);
    try {
      const statement = db.prepare(sql);
      return statement.reader ? (statement.all() as T[]) : (statement.run(), []);
    } catch (err) {
      // More than one statement: better-sqlite3 prepares one at a time.
      if (!(err instanceof RangeError)) throw err;
      db.exec(sql);
      return [];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path="${DATABASE_SCHEMA}"` });
  await client.connect();
  try {
    const result = await client.query(sql);
    return Array.isArray(result) ? [] : (result.rows as T[]);
  } finally {
    await client.end();
  }
}
