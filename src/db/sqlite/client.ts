import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { checkSqliteFile, DatabaseLocationError, type SqliteUse } from '../location.js';
import * as schema from './schema.js';

/** Resolved from this module, not the working directory: src/db/sqlite and dist/db/sqlite both sit two levels below the root. */
export const SQLITE_MIGRATIONS = fileURLToPath(new URL('../../../migrations/sqlite', import.meta.url));

type SqliteDb = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/**
 * How hard a commit waits for the disk. In WAL mode `full` syncs the log on every commit, so an
 * acknowledged write survives a power loss; `normal` syncs only at checkpoints, so it survives a
 * crash of the process but a power loss may take the last commits with it.
 */
type Synchronous = 'full' | 'normal';

export interface SqliteOptions {
  synchronous?: Synchronous;
  /**
   * SQLite's page cache in MB (its default is 2). A bulk import writes into every title index
   * at random places: with the indexes in cache that is memory work, not a read per row.
   */
  cacheMb?: number;
  /** `existing` for a database that must be there already (a source to copy): never created. */
  use?: Exclude<SqliteUse, 'new'>;
}

/** What SQLite says when it cannot open a file as a database: about the place, not the data. */
const UNOPENABLE = new Set(['SQLITE_CANTOPEN', 'SQLITE_NOTADB', 'SQLITE_READONLY', 'SQLITE_PERM', 'SQLITE_AUTH']);

/** The one place a SQLite database is opened and its pragmas set. */
export function openSqlite(path: string, { synchronous = 'full', cacheMb, use = 'open' }: SqliteOptions = {}): SqliteDb {
  checkSqliteFile(path, use);
  let sqlite: Database.Database | undefined;
  try {
    sqlite = new Database(path, { fileMustExist: use === 'existing' });
    // The first statement reads the file: a file that is no database fails here.
    sqlite.pragma('journal_mode = WAL');
  } catch (err) {
    sqlite?.close();
    const code = (err as { code?: string }).code;
    throw code && UNOPENABLE.has(code) ? new DatabaseLocationError(`SQLite cannot open it: ${(err as Error).message}`) : err;
  }
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma(`synchronous = ${synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  // Deleted rows are overwritten, not just unlinked: an erased household leaves no bytes behind.
  sqlite.pragma('secure_delete = ON');
  if (cacheMb !== undefined) sqlite.pragma(`cache_size = ${-Math.round(cacheMb * 1024)}`);
  return drizzle(sqlite, { schema });
}

export function migrateSqlite(db: SqliteDb): void {
  migrate(db, { migrationsFolder: SQLITE_MIGRATIONS });
}
