import { sql } from 'drizzle-orm';
import { migrateSqlite, openSqlite, shippedMigrationCount, type SqliteOptions } from '../../db/sqlite/client.js';
import { meta } from '../../db/sqlite/schema.js';
import type { Store } from '../types.js';
import { createSqliteChildStore, createSqliteHouseholdStore, createSqliteOverrideStore } from './households.js';
import { createSqliteFlagStore, createSqliteReviewStore } from './community.js';
import { createSqliteIdempotencyStore } from './idempotency.js';
import { createSqliteTitleStore } from './titles.js';
import { createSqliteTokenStore } from './tokens.js';

export interface SqliteStoreOptions extends SqliteOptions {
  /** Apply pending migrations on open (the default). */
  migrate?: boolean;
}

/** Opens (and by default migrates) a SQLite database and wraps it in the store interfaces. */
export function createSqliteStore(path: string, { migrate = true, ...options }: SqliteStoreOptions = {}): Store {
  const db = openSqlite(path, options);
  if (migrate) migrateSqlite(db);
  const shipped = shippedMigrationCount();
  // The title store keeps an index of community figures: review writes tell it what moved.
  const titleStore = createSqliteTitleStore(db);
  return {
    dialect: 'sqlite',
    titles: titleStore,
    tokens: createSqliteTokenStore(db),
    households: createSqliteHouseholdStore(db, titleStore.communityChanged),
    children: createSqliteChildStore(db),
    overrides: createSqliteOverrideStore(db),
    reviews: createSqliteReviewStore(db, titleStore.communityChanged),
    flags: createSqliteFlagStore(db),
    idempotency: createSqliteIdempotencyStore(db),
    async setting(key, create) {
      // Insert-or-ignore then read: two processes starting together agree on one value.
      return db.transaction((tx) => {
        tx.insert(meta).values({ key, value: create() }).onConflictDoNothing().run();
        return tx.select().from(meta).where(sql`${meta.key} = ${key}`).get()!.value;
      }, { behavior: 'immediate' });
    },
    async ready() {
      try {
        const applied = db.get<{ n: number }>(sql`select count(*) as n from __drizzle_migrations`).n;
        return { database: true, migrations: applied >= shipped };
      } catch {
        return { database: false, migrations: false };
      }
    },
    async backup(path) {
      await db.$client.backup(path);
    },
    async close() {
      if (db.$client.open) db.$client.close();
    },
  };
}
