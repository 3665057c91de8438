import { createSqliteStore, type SqliteStoreOptions } from './sqlite/index.js';
import type { Store } from './types.js';

export type { Store } from './types.js';
export type StoreOptions = SqliteStoreOptions;

/** Picks the backend from the database URL. Only SQLite exists so far; postgres:// is refused by name. */
export function openStore(databaseUrl: string, options: StoreOptions = {}): Store {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error('DATABASE_URL: PostgreSQL is not supported yet; give a SQLite file path such as ./data/guidepost.db');
  }
  return createSqliteStore(databaseUrl, options);
}
