import { shippedMigrationCount } from '../../db/migrations.js';
import { migratePg, openPg, PG_MIGRATIONS, type PgOptions } from '../../db/pg/client.js';
import * as schema from '../../db/pg/schema.js';
import { copyColumns } from '../copy.js';
import { createStore, type Migrate } from '../store.js';
import type { Store } from '../types.js';
import { pgDialect } from './dialect.js';

/** Opens a PostgreSQL pool, migrates it (by default), and wraps it in the store interfaces. */
export async function createPgStore(url: string, { migrate = true, ...options }: PgOptions & Migrate = {}): Promise<Store> {
  const db = openPg(url, options);
  try {
    if (migrate) await migratePg(db, options.schema);
  } catch (err) {
    await db.$client.end();
    throw err;
  }
  return createStore(pgDialect(db.$client), copyColumns(schema), {
    shipped: shippedMigrationCount(PG_MIGRATIONS),
    async backup() {
      throw new Error('guidepost backup copies a SQLite file; back up PostgreSQL with its own tools (pg_dump, or your provider\'s snapshots)');
    },
    poolStats: () => ({ total: db.$client.totalCount, idle: db.$client.idleCount, waiting: db.$client.waitingCount, max: db.$client.options.max }),
    close: async () => {
      if (!db.$client.ended) await db.$client.end();
    },
  });
}
