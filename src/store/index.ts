import type { PgOptions } from '../db/pg/client.js';
import type { SqliteOptions } from '../db/sqlite/client.js';
import { createSqliteStore } from './sqlite/index.js';
import type { Migrate } from './store.js';
import type { Store } from './types.js';

export type { Store } from './types.js';
export type StoreOptions = SqliteOptions & PgOptions & Migrate;

export const isPostgresUrl = (databaseUrl: string) => /^postgres(ql)?:\/\//.test(databaseUrl);

/** Picks the backend from the database URL: postgres:// or postgresql:// is PostgreSQL, anything else a SQLite file. */
export async function openStore(databaseUrl: string, { schema, poolSize, statementTimeoutMs, ...options }: StoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(databaseUrl)) {
    // Loaded only when asked for: the embedded default never loads the PostgreSQL driver.
    const { createPgStore } = await import('./pg/index.js');
    return createPgStore(databaseUrl, { migrate: options.migrate, schema, poolSize, statementTimeoutMs });
  }
  return createSqliteStore(databaseUrl, options);
}
