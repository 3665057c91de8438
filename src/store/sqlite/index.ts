import { closeSync, fsyncSync, linkSync, openSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { checkSqliteFile, DatabaseLocationError } from '../../db/location.js';
import { shippedMigrationCount } from '../../db/migrations.js';
import { migrateSqlite, openSqlite, SQLITE_MIGRATIONS, type SqliteOptions } from '../../db/sqlite/client.js';
import * as schema from '../../db/sqlite/schema.js';
import { copyColumns } from '../copy.js';
import { createStore, type Migrate } from '../store.js';
import type { Store } from '../types.js';
import { sqliteDialect } from './dialect.js';

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
export function createSqliteStore(path: string, { migrate = true, ...options }: SqliteOptions & Migrate = {}): Store {
  const db = openSqlite(path, options);
  if (migrate) migrateSqlite(db);
  return createStore(sqliteDialect(db.$client), copyColumns(schema), {
    shipped: shippedMigrationCount(SQLITE_MIGRATIONS),
    async backup(path) {
      const target = resolve(path);
      const exists = () => new Error(`cannot back up to ${path}: the file already exists; give a new path`);
      try {
        checkSqliteFile(target, 'new');
      } catch (err) {
        throw err instanceof DatabaseLocationError ? new Error(`cannot back up to ${path}: ${err.message}`) : err;
      }
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
    poolStats: () => null,
    close: async () => void (db.$client.open && db.$client.close()),
  });
}
