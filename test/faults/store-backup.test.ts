// SQLite only: store.backup copies the SQLite file (the PostgreSQL store refuses, pointing at pg_dump).
/**
 * store.backup in-process (backup.test.ts drives the command against a server under load): the
 * copy is whole and standalone, an existing file or a missing directory is refused by name, and
 * no partial copy is left behind.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { openStore } from '../../src/store/index.js';
import { sqliteOnly, tempDir } from '../backend.js';

t.test('a backup is a whole, standalone copy; existing files and missing directories are refused', sqliteOnly('backup copies the SQLite file'), async (t) => {
  const dir = tempDir(t, 'store-backup');
  const store = await openStore(join(dir, 'g.db'));
  t.teardown(() => store.close());
  const { household } = await store.households.createWithToken({ name: 'Copied', country: null }, { id: 'tk_copied', name: null, hash: 'h', hint: 'x' });

  const path = join(dir, 'copy.db');
  await store.backup(path);
  t.notOk(existsSync(`${path}-wal`), 'nothing but the one file');
  const copy = new Database(path, { readonly: true });
  t.teardown(() => copy.close());
  t.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
  t.equal(copy.prepare('select name from households where id = ?').pluck().get(household.id), 'Copied');

  await t.rejects(store.backup(path), { message: /copy\.db: the file already exists/ }, 'never over a backup');
  writeFileSync(join(dir, 'other.db'), 'precious');
  await t.rejects(store.backup(join(dir, 'other.db')), { message: /already exists/ }, 'never over any file');
  await t.rejects(store.backup(join(dir, 'nowhere', 'b.db')), { message: /the directory .*nowhere does not exist/ });
  t.same(readdirSync(dir).filter((f) => f.includes('partial')), [], 'no partial copy is left behind');
});
