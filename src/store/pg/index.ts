import { sql } from 'drizzle-orm';
import { shippedMigrationCount } from '../../db/migrations.js';
import { migratePg, openPg, PG_MIGRATIONS, type PgOptions } from '../../db/pg/client.js';
import { meta } from '../../db/pg/schema.js';
import { errorCodes } from '../errors.js';
import type { Store } from '../types.js';
import { createPgFlagStore, createPgReviewStore } from './community.js';
import { createPgChildStore, createPgHouseholdStore, createPgOverrideStore } from './households.js';
import { createPgIdempotencyStore } from './idempotency.js';
import { createPgTitleStore } from './titles.js';
import { createPgTokenStore } from './tokens.js';
import { pgCopy } from './copy.js';

/** query_canceled (the statement timeout), lock_not_available, serialization_failure, deadlock_detected. */
const GAVE_UP = new Set(['57014', '55P03', '40001', '40P01']);

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
  const shipped = shippedMigrationCount(PG_MIGRATIONS);
  return {
    dialect: 'postgres',
    titles: createPgTitleStore(db),
    tokens: createPgTokenStore(db),
    households: createPgHouseholdStore(db),
    children: createPgChildStore(db),
    overrides: createPgOverrideStore(db),
    reviews: createPgReviewStore(db),
    flags: createPgFlagStore(db),
    idempotency: createPgIdempotencyStore(db),
    gaveUp: (err) => errorCodes(err).some((code) => GAVE_UP.has(code)),
    async setting(key, create) {
      // Insert-or-ignore then read: two instances starting together agree on one value.
      await db.insert(meta).values({ key, value: create() }).onConflictDoNothing();
      return (await db.select().from(meta).where(sql`${meta.key} = ${key}`))[0]!.value;
    },
    async ready() {
      try {
        const { rows } = await db.execute<{ n: number }>(sql`select count(*)::int as n from __drizzle_migrations`);
        return { database: true, migrations: rows[0]!.n >= shipped };
      } catch {
        return { database: false, migrations: false };
      }
    },
    async backup() {
      throw new Error('guidepost backup copies a SQLite file; back up PostgreSQL with its own tools (pg_dump, or your provider\'s snapshots)');
    },
    ...pgCopy(db),
    async close() {
      if (!db.$client.ended) await db.$client.end();
    },
  };
}
