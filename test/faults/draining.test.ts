/**
 * Closing the app (what SIGTERM does, see sigterm.test.ts for the process): a request in flight
 * still gets its answer, one that arrives after the close began gets a 503 problem with
 * Retry-After and Connection: close, idle connections are closed, and what was answered is stored.
 * On SQLite the file is also closed cleanly (its write-ahead log checkpointed and removed).
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { BACKEND, freshDatabase, queryOnAnotherConnection, testConfig } from '../backend.js';
import { assertShuttingDown, halfSentRequests, rawConnection, sleep } from './support.js';

t.test('close(): in-flight requests finish, late ones get a 503 problem, the database closes clean', async (t) => {
  const database = freshDatabase(t);
  const app = await buildApp(testConfig(database));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;

  // An idle keep-alive connection, one request already answered on it.
  const idle = rawConnection(port);
  await idle.write('GET /healthz HTTP/1.1\r\nHost: guidepost\r\n\r\n');
  const requests = await halfSentRequests(port, 'The Slowpokes');

  const closing = app.close();
  await idle.closed;
  t.pass('the idle connection is closed at once');
  await sleep(100);
  await requests.finish();

  const { inFlight, late } = await requests.answers();
  t.equal(inFlight?.status, 201, 'the request in flight gets its answer');
  t.equal(inFlight?.headers.connection, 'close', '…and its connection closes after it');
  const householdId = JSON.parse(inFlight!.body).household.id;
  assertShuttingDown(t, late);

  await closing;
  const stored = await queryOnAnotherConnection(database, `select 1 from households where id = '${householdId}'`);
  t.equal(stored.length, 1, 'the sign-up answered during the close is stored');
  if (BACKEND === 'sqlite') {
    // What only a SQLite file has: a write-ahead log to checkpoint, and a file to check.
    const file = database.DATABASE_URL;
    t.notOk(existsSync(`${file}-wal`), 'the write-ahead log was checkpointed into the database and removed');
    const db = new Database(file, { readonly: true });
    t.teardown(() => db.close());
    t.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  }
});
