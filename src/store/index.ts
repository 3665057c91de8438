import { databaseLocation } from '../db/location.js';
import type { PgOptions } from '../db/pg/client.js';
import type { SqliteOptions } from '../db/sqlite/client.js';
import { createSqliteStore } from './sqlite/index.js';
import type { Migrate } from './store.js';
import type { Store } from './types.js';

export { DatabaseLocationError, isPostgresUrl } from '../db/location.js';
export type { Store } from './types.js';
export type StoreOptions = SqliteOptions & PgOptions & Migrate;

/**
 * Picks the backend from the database URL: postgres:// or postgresql:// is PostgreSQL; a path, a
 * file: URL or :memory: is SQLite. A name of anything else, or of a place no SQLite database can
 * be, is refused with a DatabaseLocationError that says why (db/location.ts).
 */
export async function openStore(databaseUrl: string, { schema, poolSize, statementTimeoutMs, ...options }: StoreOptions = {}): Promise<Store> {
  const location = databaseLocation(databaseUrl);
  if (location.kind === 'postgres') {
    // Loaded only when asked for: the embedded default never loads the PostgreSQL driver.
    const { createPgStore } = await import('./pg/index.js');
    return createPgStore(location.url, { migrate: options.migrate, schema, poolSize, statementTimeoutMs });
  }
  return createSqliteStore(location.path, options);
}
