/**
 * Nothing acknowledged is ever lost: the real server, on a SQLite file, is killed with SIGKILL
 * in the middle of a concurrent write load, again and again. After each kill the file passes
 * SQLite's integrity check and holds every write that got a 2xx; after each restart the API
 * serves them. Half the runs use SQLITE_SYNCHRONOUS=normal, which must survive a process crash too.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { checkSqliteFile, kill, sleep, startServer, until, WriteLoad, type Server } from './support.js';

const KILLS = 4;
const WORKERS = 6;

t.test('SIGKILL during a write load loses no acknowledged write and leaves the database whole', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'guidepost-crash-'));
  const database = join(dir, 'g.db');
  const env = (run: number) => ({
    DATABASE_URL: database,
    GUIDEPOST_DEMO: '1',
    SQLITE_SYNCHRONOUS: run % 2 ? 'normal' : 'full',
    // The load, not the test machine, decides what is answered: no shedding here.
    MAX_EVENT_LOOP_DELAY_MS: '0',
    MAX_HEAP_USED_MB: '0',
  });
  let server: Server | null = null;
  t.teardown(async () => {
    if (server) await kill(server);
  });

  server = await startServer(env(0));
  const titles = ((await (await fetch(`${server.url}/v1/titles?limit=100`)).json()) as { items: { id: string }[] }).items.map((i) => i.id);
  t.ok(titles.length >= 20, 'the demo catalogue is there to override');
  const load = new WriteLoad(titles);

  for (let run = 0; run < KILLS; run++) {
    const before = load.acknowledged;
    load.start(server.url, WORKERS);
    // Kill only once the load is well under way, at a moment that varies from run to run.
    await until(() => load.acknowledged >= before + 150, 20_000, 'writes to be acknowledged');
    await sleep(50 + Math.floor(Math.random() * 250));
    const [, signal] = await kill(server);
    t.equal(signal, 'SIGKILL', `run ${run}: killed (synchronous=${env(run).SQLITE_SYNCHRONOUS})`);
    await load.stop();
    server = null;

    const acked = load.snapshot();
    t.comment(`run ${run}: ${load.acknowledged - before} writes acknowledged before the kill`);
    const check = await checkSqliteFile(database, acked);
    t.equal(check.integrity, 'ok', `run ${run}: integrity_check`);
    t.equal(check.foreignKeys, 0, `run ${run}: foreign_key_check`);
    t.same(check.missing, [], `run ${run}: all ${load.acknowledged} acknowledged writes are in the file`);
    t.same(load.failures, [], 'no write was refused');

    server = await startServer(env(run + 1));
    // Through the API too, on a sample: the restarted server serves what it acknowledged.
    const sample = [...acked.children].slice(-10);
    for (const [id, child] of sample) {
      const token = acked.households.get(child.householdId)!.token;
      const res = await fetch(`${server.url}/v1/children/${id}`, { headers: { authorization: `Bearer ${token}` } });
      t.equal(res.status, 200, `run ${run}: child ${id} is served after the restart`);
      t.equal(((await res.json()) as { nickname: string }).nickname, child.nickname);
    }
    const ready = await fetch(`${server.url}/readyz`);
    t.equal(ready.status, 200, `run ${run}: ready after recovery`);
  }

  t.ok(load.deleted.size > 0, 'some deletions were acknowledged (and stayed deleted)');
  t.ok(load.overrides.size > 0 && load.households.size > 0, 'writes of every kind were acknowledged');
  const [code] = await kill(server, 'SIGTERM');
  server = null;
  t.equal(code, 0, 'the last run closes cleanly');
});
