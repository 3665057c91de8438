/**
 * SIGTERM to the real process: the request in flight is answered, a request that arrives after
 * the signal gets a 503 problem with Retry-After and Connection: close, the process exits 0, and
 * both sign-ups are stored. On SQLite the file is left closed cleanly too: no write-ahead log left
 * over, nothing to recover.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import t from 'tap';
import { BACKEND, freshDatabase, queryOnAnotherConnection } from '../backend.js';
import { assertShuttingDown, halfSentRequests, kill, sleep, startServer, until } from './support.js';

t.test('SIGTERM: in-flight requests finish, late ones get 503, the database closes cleanly', async (t) => {
  const database = freshDatabase(t);
  const file = BACKEND === 'sqlite' ? database.DATABASE_URL : null;
  // The load, not a busy test machine, decides what is answered: the first sample after start-up
  // can read as an overloaded loop, and a shed request here would be a 503 the test did not cause.
  const server = await startServer({ ...database, MAX_EVENT_LOOP_DELAY_MS: '0', MAX_HEAP_USED_MB: '0' });
  t.teardown(() => kill(server));
  const port = Number(new URL(server.url).port);

  const signedUp = await fetch(`${server.url}/v1/households`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Before"}' });
  t.equal(signedUp.status, 201);
  if (file) t.ok(existsSync(`${file}-wal`), 'the server writes through a write-ahead log');

  const requests = await halfSentRequests(port, 'During');

  server.child.kill('SIGTERM');
  await until(() => /"msg":"closing"/.test(server.output()), 10_000, 'the server to start closing');
  await sleep(200);
  await requests.finish();

  const { inFlight, late } = await requests.answers();
  assertShuttingDown(t, late);
  t.equal(inFlight?.status, 201, 'the request in flight is answered');
  const during = JSON.parse(inFlight!.body).household.id;

  const [code, signal] = await server.exited;
  t.equal(code, 0, `exits 0 (${signal ?? ''})`);
  t.match(server.output(), /"msg":"closed"/);
  const households = await queryOnAnotherConnection<{ id: string; name: string }>(database, 'select id, name from households order by name');
  t.same(households.map((h) => h.name), ['Before', 'During'], 'both sign-ups are stored');
  t.ok(households.some((h) => h.id === during), 'the one answered in flight among them');
  if (file) {
    // What only a SQLite file has: a write-ahead log, and a file to check.
    t.notOk(existsSync(`${file}-wal`), 'no write-ahead log is left: the database was closed cleanly');
    const db = new Database(file, { readonly: true });
    t.teardown(() => db.close());
    t.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  }
});
