// SQLite only: `guidepost backup` copies the SQLite file (on PostgreSQL it refuses, see test/cli/import-export.test.ts).
/**
 * `guidepost backup PATH` while the real server takes a concurrent write load: each copy passes
 * SQLite's integrity check, holds every write acknowledged before the backup began, and restores
 * (copied into place and opened as the store) to a server that serves those writes.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { sqliteOnly, tempDir, testConfig } from '../backend.js';
import { bearer, call } from '../helper.js';
import { checkSqliteFile, CLI, kill, startServer, until, WriteLoad } from './support.js';

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...CLI, ...args], { env: { ...process.env, ...env } }, (err, _stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr });
    });
  });
}

t.test('backups taken during a write load are whole, restorable, and hold every earlier acknowledged write', sqliteOnly('backup copies the SQLite file'), async (t) => {
  const dir = tempDir(t, 'backup');
  const env = { DATABASE_URL: join(dir, 'g.db'), GUIDEPOST_DEMO: '1', MAX_EVENT_LOOP_DELAY_MS: '0', MAX_HEAP_USED_MB: '0' };
  const server = await startServer(env);
  t.teardown(() => kill(server));
  const titles = ((await (await fetch(`${server.url}/v1/titles?limit=100`)).json()) as { items: { id: string }[] }).items.map((i) => i.id);
  const load = new WriteLoad(titles);
  load.start(server.url, 4);
  t.teardown(() => load.stop());
  await until(() => load.acknowledged >= 60, 20_000, 'the load to get going');

  for (const n of [1, 2]) {
    const before = load.snapshot();
    const countBefore = load.acknowledged;
    const path = join(dir, `backup-${n}.db`);
    const taken = await cli(['backup', path], { DATABASE_URL: env.DATABASE_URL });
    t.equal(taken.code, 0, `backup ${n}: ${taken.stderr.trim()}`);
    t.ok(load.acknowledged > countBefore, `backup ${n}: writes went on meanwhile (${load.acknowledged - countBefore} acknowledged)`);

    // Restore: copy the file into place and open it as the database.
    const restored = join(dir, `restored-${n}.db`);
    copyFileSync(path, restored);
    const expected = load.stillExpected(before);
    const check = await checkSqliteFile(restored, expected);
    t.equal(check.integrity, 'ok', `backup ${n}: integrity_check`);
    t.equal(check.foreignKeys, 0, `backup ${n}: foreign_key_check`);
    t.same(check.missing, [], `backup ${n}: all ${countBefore} writes acknowledged before it began are in it`);

    const app = await buildApp(testConfig({ DATABASE_URL: restored }));
    t.equal((await call(app, { method: 'GET', url: '/readyz' })).statusCode, 200, `backup ${n}: the restored database is ready`);
    for (const [id, child] of [...expected.children].slice(-5)) {
      const res = await call(app, { method: 'GET', url: `/v1/children/${id}`, headers: bearer(expected.households.get(child.householdId)!.token) });
      t.equal(res.statusCode, 200, `backup ${n}: child ${id} is served from the restored copy`);
      t.equal(res.data.nickname, child.nickname);
    }
    await app.close();
  }
  await load.stop();
  t.same(load.failures, [], 'no write was refused during the backups');

  const again = await cli(['backup', join(dir, 'backup-1.db')], { DATABASE_URL: env.DATABASE_URL });
  t.equal(again.code, 1, 'an existing file is never overwritten');
  t.match(again.stderr, /^guidepost: cannot back up to .*backup-1\.db: the file already exists; give a new path\n$/);
  const nowhere = await cli(['backup', join(dir, 'no-such-dir', 'b.db')], { DATABASE_URL: env.DATABASE_URL });
  t.equal(nowhere.code, 1);
  t.match(nowhere.stderr, /directory .*no-such-dir does not exist/);
  const nothing = await cli(['backup', join(dir, 'b.db')], { DATABASE_URL: join(dir, 'missing.db') });
  t.equal(nothing.code, 2);
  t.match(nothing.stderr, /^guidepost: DATABASE_URL=".*missing\.db": there is no database at .*missing\.db \(no such file\)\n$/);
  t.notOk(existsSync(join(dir, 'missing.db')), 'backing up a missing database does not create one');
  t.same(readdirSync(dir).filter((f) => f.includes('partial')), [], 'no partial copy is left behind');
});
