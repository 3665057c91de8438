import { closeSync, existsSync, fsyncSync, linkSync, openSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import { shippedMigrationCount } from '../../db/migrations.js';
import { migrateSqlite, openSqlite, SQLITE_MIGRATIONS, type SqliteOptions } from '../../db/sqlite/client.js';
import { meta } from '../../db/sqlite/schema.js';
import { errorCodes } from '../errors.js';
import type { Store } from '../types.js';
import { createSqliteChildStore, createSqliteHouseholdStore, createSqliteOverrideStore } from './households.js';
import { createSqliteFlagStore, createSqliteReviewStore } from './community.js';
import { createSqliteIdempotencyStore } from './idempotency.js';
import { createSqliteTitleStore } from './titles.js';
import { createSqliteTokenStore } from './tokens.js';
import { sqliteCopy } from './copy.js';

export interface SqliteStoreOptions extends SqliteOptions {
  /** Apply pending migrations on open (the default). */
  migrate?: boolean;
}

/** Flushes a file, or a directory's entries, to the disk. */
function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Opens (and by default migrates) a SQLite database and wraps it in the store interfaces. */
export function createSqliteStore(path: string, { migrate = true, ...options }: SqliteStoreOptions = {}): Store {
  const db = openSqlite(path, options);
  if (migrate) migrateSqlite(db);
  const shipped = shippedMigrationCount(SQLITE_MIGRATIONS);
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
    gaveUp: (err) => errorCodes(err).some((code) => code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')),
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
      const target = resolve(path);
      const exists = () => new Error(`cannot back up to ${path}: the file already exists; give a new path`);
      if (!existsSync(dirname(target))) throw new Error(`cannot back up to ${path}: the directory ${dirname(target)} does not exist`);
      if (existsSync(target)) throw exists();
      const partial = join(dirname(target), `.${basename(target)}.${process.pid}.partial`);
      rmSync(partial, { force: true });
      try {
        // One statement in one read transaction: a snapshot of every commit before it began,
        // taken while other connections go on writing (WAL readers do not block writers). The
        // online-backup API, by contrast, starts over whenever another process writes.
        db.$client.prepare('VACUUM INTO ?').run(partial);
        // SQLite does not sync what VACUUM INTO writes. Sync it, then link it into place (which
        // never overwrites), so PATH is either absent or a whole copy, even after a power loss.
        syncPath(partial);
        try {
          linkSync(partial, target);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw exists();
          throw err;
        }
        syncPath(dirname(target));
      } finally {
        rmSync(partial, { force: true });
      }
    },
    ...sqliteCopy(db),
    async close() {
      if (db.$client.open) db.$client.close();
    },
  };
}
