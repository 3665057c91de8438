/**
 * Where a database may be (src/db/location.ts), in-process: every refused DATABASE_URL is a
 * ConfigError naming the variable and the reason, and leaves nothing behind; the forms Guidepost
 * opens open. test/database-url.test.ts starts the server and the command with the same values.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { ConfigError, loadConfig, openConfiguredStore } from '../../src/config.js';
import type * as location from '../../src/db/location.js';
import { checkSqliteFile, databaseLocation, DatabaseLocationError, fileErrorReason } from '../../src/db/location.js';
import { openStore } from '../../src/store/index.js';
import { tempDir } from '../backend.js';
import { isRoot, refusedLocations } from '../database-locations.js';

/** The store DATABASE_URL names, opened as the server opens it, and closed. */
async function open(value: string): Promise<void> {
  const store = await openConfiguredStore(loadConfig({ DATABASE_URL: value }));
  await store.close();
}

/** A new folder, made the current one until the test ends. */
function workIn(t: Parameters<typeof tempDir>[0], name: string): string {
  const dir = tempDir(t, name);
  const before = process.cwd();
  process.chdir(dir);
  t.teardown(() => process.chdir(before));
  return dir;
}

t.test('a DATABASE_URL naming no place a database can be is refused with the variable and the reason', async (t) => {
  const dir = tempDir(t, 'locations');
  for (const refused of refusedLocations(dir)) {
    const skip = refused.unprivileged && isRoot() ? 'root may write anywhere (test/database-url.test.ts runs it as nobody)' : false;
    await t.test(refused.what, { skip }, async (t) => {
      const err = await open(refused.value).then(
        () => null,
        (e: unknown) => e,
      );
      if (!(err instanceof ConfigError)) return void t.fail(`not refused (${String(err)})`);
      t.equal(err.problems.length, 1);
      t.match(err.problems[0], { name: 'DATABASE_URL', value: refused.value, reason: refused.reason });
      t.equal(err.message, `DATABASE_URL=${JSON.stringify(refused.value)}: ${err.problems[0]!.reason}`, 'one line');
      if (refused.absent) t.notOk(existsSync(refused.absent), 'nothing created');
    });
  }
  t.same(readdirSync(dir).sort(), ['damaged.db', 'fifo', 'locked', 'notes.txt', 'open'], 'no stray file or folder');
});

t.test('a SQLite path, a file: URL and :memory: open; a PostgreSQL URL is one by its form', async (t) => {
  const dir = tempDir(t, 'locations');
  await open(join(dir, 'plain.db'));
  t.ok(existsSync(join(dir, 'plain.db')), 'a path');
  await open(pathToFileURL(join(dir, 'with space.db')).href);
  t.ok(existsSync(join(dir, 'with space.db')), 'a file: URL, decoded');
  await open(`file:${join(dir, 'one-slash.db')}`);
  t.ok(existsSync(join(dir, 'one-slash.db')), 'file:/path too');
  await open(':memory:');
  await open(join(dir, 'plain.db'));
  t.pass('an existing database opens again');
  t.same(databaseLocation('postgresql://u:p@db.example:5432/g?sslmode=require'), { kind: 'postgres', url: 'postgresql://u:p@db.example:5432/g?sslmode=require' });
  t.same(databaseLocation('POSTGRES://db.example/g'), { kind: 'postgres', url: 'POSTGRES://db.example/g' }, 'a scheme in any case');
  t.same(databaseLocation('postgres://guidepost@/g?host=/run/postgresql'), { kind: 'postgres', url: 'postgres://guidepost@/g?host=/run/postgresql' }, "pg's socket form, with no host");
  t.throws(() => databaseLocation('file://elsewhere.example/g.db'), { name: 'DatabaseLocationError', message: /^not a file: URL of this machine/ });
});

t.test('the places people keep a database open: a file in the current folder, a linked folder, a RAM disk', async (t) => {
  const dir = workIn(t, 'usual');
  await open('guidepost.db');
  t.ok(existsSync(join(dir, 'guidepost.db')), 'a bare file name, in the current folder');
  mkdirSync(join(dir, 'disk'));
  symlinkSync(join(dir, 'disk'), join(dir, 'linked'));
  await open('linked/g.db');
  t.ok(existsSync(join(dir, 'disk', 'g.db')), 'through a symbolic link to a folder');
  if (existsSync('/dev/shm')) {
    const shm = join('/dev/shm', `guidepost-${process.pid}.db`);
    t.teardown(() => ['', '-wal', '-shm'].forEach((end) => rmSync(`${shm}${end}`, { force: true })));
    await open(shm);
    t.ok(existsSync(shm), '/dev/shm, a tmpfs like /tmp, though under /dev');
  }
});

t.test('the default ./data folder alone is created unasked', async (t) => {
  const dir = workIn(t, 'default');
  await open('./data/guidepost.db');
  t.ok(existsSync(join(dir, 'data', 'guidepost.db')), './data made, the database in it');
  await t.rejects(open('./other/guidepost.db'), { message: /the directory .*\/other does not exist/ }, 'another missing folder is not');
  t.notOk(existsSync(join(dir, 'other')));
});

type Location = typeof location;

t.test('when another process makes ./data first, this one goes on', async (t) => {
  const dir = workIn(t, 'race');
  const fs = await import('node:fs');
  // The other process wins between this one's look and its mkdir.
  const racing = await t.mockImport<Location>('../../src/db/location.js', {
    'node:fs': { ...fs, mkdirSync: (path: string) => { fs.mkdirSync(path); throw Object.assign(new Error('EEXIST'), { code: 'EEXIST' }); } },
  });
  t.doesNotThrow(() => racing.checkSqliteFile('./data/guidepost.db'));
  t.ok(existsSync(join(dir, 'data')));
  rmSync(join(dir, 'data'), { recursive: true });
  const failing = await t.mockImport<Location>('../../src/db/location.js', {
    'node:fs': { ...fs, mkdirSync: () => { throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }); } },
  });
  t.throws(() => failing.checkSqliteFile('./data/other.db'), { message: /^cannot create the folder .*\/data: no space left on the device$/ });
});

t.test('a source must exist, a backup must not', async (t) => {
  const dir = tempDir(t, 'uses');
  const missing = join(dir, 'missing.db');
  await t.rejects(openStore(missing, { use: 'existing', migrate: false }), { name: 'DatabaseLocationError', message: `there is no database at ${missing} (no such file)` });
  t.notOk(existsSync(missing), 'a missing source is not created');
  await (await openStore(join(dir, 'there.db'))).close();
  t.throws(() => checkSqliteFile(join(dir, 'there.db'), 'new'), { message: 'the file already exists; give a new path' });
  t.doesNotThrow(() => checkSqliteFile(join(dir, 'new.db'), 'new'));
  t.ok(new DatabaseLocationError('x') instanceof Error);
});

t.test('file errors in a few words', async (t) => {
  const reason = (code: string) => fileErrorReason(Object.assign(new Error(`${code}: the long form`), { code }));
  t.equal(reason('ENOENT'), 'no such file');
  t.equal(reason('EACCES'), 'permission denied');
  t.equal(reason('EEXIST'), 'already exists');
  t.equal(reason('EISDIR'), 'is a directory');
  t.equal(reason('EWHATEVER'), 'EWHATEVER: the long form', 'an unknown one as Node says it');
  t.equal(fileErrorReason('odd'), 'odd');
});
