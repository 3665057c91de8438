/**
 * Closing the app (what SIGTERM does, see sigterm.test.ts for the process): a request in flight
 * still gets its answer, one that arrives after the close began gets a 503 problem with
 * Retry-After and Connection: close, idle connections are closed, and the database is closed
 * cleanly (its write-ahead log checkpointed and removed).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../backend.js';
import { assertShuttingDown, halfSentRequests, rawConnection, sleep } from './support.js';

t.test('close(): in-flight requests finish, late ones get a 503 problem, the database closes clean', async (t) => {
  const database = join(mkdtempSync(join(tmpdir(), 'guidepost-drain-')), 'g.db');
  const app = await buildApp(testConfig({ DATABASE_URL: database }));
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
  t.notOk(existsSync(`${database}-wal`), 'the write-ahead log was checkpointed into the database and removed');
  const db = new Database(database, { readonly: true });
  t.teardown(() => db.close());
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  t.ok(db.prepare('select 1 from households where id = ?').get(householdId), 'the sign-up answered during the close is stored');
});
