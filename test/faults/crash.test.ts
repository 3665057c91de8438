/**
 * Nothing acknowledged is ever lost: the real server is killed with SIGKILL in the middle of a
 * concurrent write load, twenty times. After each kill the database holds every write that got a
 * 2xx (a deleted child stays deleted); after each restart the API serves them. On SQLite (`npm
 * test`) the file also passes SQLite's integrity and foreign-key checks, and half the runs use
 * SQLITE_SYNCHRONOUS=normal, which must survive a process crash too. On PostgreSQL (`npm run
 * test:pg`) the server works in a schema of this test's own, read back through a connection of
 * the test's.
 */
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { freshDatabase, POSTGRES_URL, sqliteOnly, tempDir } from '../backend.js';
import { checkPostgresSchema, checkSqliteFile, compiledServer, kill, sleep, until, WriteLoad, type Acknowledged, type Server } from './support.js';

const CYCLES = 20;
const WORKERS = 6;
// Some four writes answered a worker: the kill lands in a steady load, not in its first requests;
// more would only make each cycle longer (the workers carry on across restarts, see WriteLoad).
const ACKS_BEFORE_KILL = 4 * WORKERS;

// About a minute on a 2-core machine shared with other work, most of it the server starting 21
// times; on a busier one tap's default two minutes a file would be too close.
t.setTimeout(300_000);

interface Backend {
  /** The server's environment for run `run`. */
  env(run: number): Record<string, string>;
  /** Asserts, once the server is dead and before it restarts, that the database holds `acked`. */
  check(t: Test, run: number, acked: Acknowledged): Promise<void>;
}

const writes = (acked: Acknowledged) => acked.households.size + acked.children.size + acked.overrides.size + acked.deleted.size;

async function killAgainAndAgain(t: Test, backend: Backend): Promise<void> {
  const began = performance.now();
  const compiled = await compiledServer();
  t.teardown(compiled.remove);
  const compiling = performance.now() - began;
  let starting = 0;
  const start = async (run: number) => {
    const at = performance.now();
    const started = await compiled.start({
      GUIDEPOST_DEMO: '1',
      // The load, not the test machine, decides what is answered: no shedding here.
      MAX_EVENT_LOOP_DELAY_MS: '0',
      MAX_HEAP_USED_MB: '0',
      ...backend.env(run),
    });
    starting += performance.now() - at;
    return started;
  };
  let server: Server | null = null;
  // Not a teardown: the server must be gone before the caller's teardowns drop its database.
  try {
    server = await start(0);
    const titles = ((await (await fetch(`${server.url}/v1/titles?limit=100`)).json()) as { items: { id: string }[] }).items.map((i) => i.id);
    t.ok(titles.length >= 20, 'the demo catalogue is there to override');
    const load = new WriteLoad(titles);
    let unanswered = 0;

    for (let run = 0; run < CYCLES; run++) {
      const before = load.acknowledged;
      load.start(server.url, WORKERS);
      await until(() => load.acknowledged >= before + ACKS_BEFORE_KILL, 20_000, `run ${run}: writes to be acknowledged`);
      // So that the kill falls at a different point of the writes in flight each time.
      await sleep(Math.random() * 100);
      const inFlight = load.inFlight;
      const [, signal] = await kill(server);
      server = null;
      await load.stop();
      const synchronous = backend.env(run).SQLITE_SYNCHRONOUS;
      t.equal(signal, 'SIGKILL', `run ${run}: killed${synchronous ? ` (synchronous=${synchronous})` : ''}`);
      t.ok(inFlight > 0, `run ${run}: ${inFlight} writes were in flight at the kill`);
      unanswered += inFlight;

      const acked = load.snapshot();
      t.comment(`run ${run}: ${load.acknowledged - before} writes acknowledged before the kill`);
      await backend.check(t, run, acked);
      t.same(load.failures, [], 'no write was refused');

      server = await start(run + 1);
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
    const seconds = (ms: number) => (ms / 1000).toFixed(1);
    t.comment(
      `${CYCLES} kills in ${seconds(performance.now() - began)} s: ${seconds(compiling)} s compiling the server, ${seconds(starting)} s starting it;` +
        ` ${load.acknowledged} writes acknowledged, ${unanswered} in flight at a kill`,
    );
  } finally {
    if (server) await kill(server);
  }
}

t.test(
  'SQLite: SIGKILL during a write load loses no acknowledged write and leaves the file whole',
  sqliteOnly('the file\'s integrity and foreign-key checks and SQLITE_SYNCHRONOUS; the next test is the same kills on PostgreSQL'),
  async (t) => {
    const database = join(tempDir(t, 'crash'), 'g.db');
    await killAgainAndAgain(t, {
      env: (run) => ({ DATABASE_URL: database, SQLITE_SYNCHRONOUS: run % 2 ? 'normal' : 'full' }),
      async check(t, run, acked) {
        const check = await checkSqliteFile(database, acked);
        t.equal(check.integrity, 'ok', `run ${run}: integrity_check`);
        t.equal(check.foreignKeys, 0, `run ${run}: foreign_key_check`);
        t.same(check.missing, [], `run ${run}: all ${writes(acked)} acknowledged writes are in the file`);
      },
    });
  },
);

t.test(
  'PostgreSQL: SIGKILL of the server during a write load loses no acknowledged write',
  { skip: POSTGRES_URL ? false : 'needs PostgreSQL: npm run test:pg runs it' },
  async (t) => {
    const { DATABASE_URL, DATABASE_SCHEMA } = freshDatabase(t);
    await killAgainAndAgain(t, {
      env: () => ({ DATABASE_URL, DATABASE_SCHEMA }),
      async check(t, run, acked) {
        const missing = await checkPostgresSchema(DATABASE_URL, DATABASE_SCHEMA, acked);
        t.same(missing, [], `run ${run}: all ${writes(acked)} acknowledged writes are in the schema`);
      },
    });
  },
);
