import { shippedMigrationCount } from '../../db/migrations.js';
import { migratePg, openPg, PG_MIGRATIONS, type PgOptions } from '../../db/pg/client.js';
import { createStore } from '../store.js';
import type { Store } from '../types.js';
import { pgCopy } from './copy.js';
import { pgDialect } from './dialect.js';

export interface PgStoreOptions extends PgOptions {
  /** Apply pending migrations on open (the default). */
  migrate?: boolean;
}

/** Opens a PostgreSQL pool, migrates it (by default), and wraps it in the store interfaces. */
export async function createPgStore(url: string, { migrate = true, ...options }: PgStoreOptions = {}): Promise<Store> {
  const db = openPg(url, options);
  try {
    if (migrate) await migratePg(db, options.schema);
  } catch (err) {
    await db.$client.end();
    throw err;
  }
  return createStore(pgDialect(db.$client), {
    shipped: shippedMigrationCount(PG_MIGRATIONS),
    async backup() {
      throw new Error('guidepost backup copies a SQLite file; back up PostgreSQL with its own tools (pg_dump, or your provider\'s snapshots)');
    },
    ...pgCopy(db),
    async close() {
      if (!db.$client.ended) await db.$client.end();
    },
  });
}
