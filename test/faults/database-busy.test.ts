/**
 * The database giving up for time is a 503 `database-busy` problem, never a 500: another
 * connection holds a lock the request needs (SQLite's write lock past its 5 s busy timeout, or
 * a PostgreSQL table lock past DATABASE_STATEMENT_TIMEOUT_MS), the request is told to retry,
 * nothing of it is written, and the retry once the lock is gone succeeds.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { freshDatabase, testConfig, type DatabaseRef } from '../backend.js';
import { isPostgresUrl } from '../../src/store/index.js';
import { bearer, call, titleInput, tokenFor } from '../helper.js';

/** Another connection holding the lock a title insert needs, until release(). */
async function holdWriteLock(database: DatabaseRef): Promise<() => Promise<void>> {
  if (isPostgresUrl(database.DATABASE_URL)) {
    const client = new pg.Client({ connectionString: database.DATABASE_URL });
    await client.connect();
    await client.query('begin');
    await client.query(`lock table "${database.DATABASE_SCHEMA}".titles in exclusive mode`);
    return async () => {
      await client.query('rollback');
      await client.end();
    };
  }
  const other = new Database(database.DATABASE_URL);
  other.prepare('begin immediate').run();
  return async () => {
    other.prepare('rollback').run();
    other.close();
  };
}

t.test('a lock held past the wait answers 503 database-busy, writes nothing, and the retry succeeds', async (t) => {
  const database = freshDatabase(t);
  const app = await buildApp(testConfig({ ...database, DATABASE_STATEMENT_TIMEOUT_MS: 300 }));
  t.teardown(() => app.close());
  const editor = await tokenFor(app, 'editor');
  const create = { method: 'POST' as const, url: '/v1/titles', headers: bearer(editor), payload: titleInput({ name: 'Waited For', externalIds: { imdb: 'tt7654321' } }) };

  const release = await holdWriteLock(database);
  const refused = await call(app, create);
  await release();
  t.equal(refused.statusCode, 503);
  t.equal(refused.headers['retry-after'], '1');
  t.match(refused.headers['content-type'], /^application\/problem\+json/);
  t.match(refused.data, { type: 'urn:guidepost:problem:database-busy', status: 503, detail: /too busy .* rolled back\. Retry/ });
  t.equal((await call(app, { method: 'GET', url: '/v1/titles/imdb:tt7654321' })).statusCode, 404, 'nothing was written');

  const retried = await call(app, create);
  t.equal(retried.statusCode, 201, 'the retry, with the lock gone, succeeds');
  t.equal((await call(app, { method: 'GET', url: '/v1/titles?q=waited' })).data.items.length, 1);
});

t.test('only giving up for time counts: other failures stay errors', async (t) => {
  const app = await buildApp(testConfig());
  t.teardown(() => app.close());
  const { store } = app;
  t.notOk(store.gaveUp(new Error('boom')));
  t.notOk(store.gaveUp(undefined));
  t.notOk(store.gaveUp(Object.assign(new Error('unique'), { code: store.dialect === 'postgres' ? '23505' : 'SQLITE_CONSTRAINT_UNIQUE' })));
  const busy = Object.assign(new Error('busy'), { code: store.dialect === 'postgres' ? '57014' : 'SQLITE_BUSY' });
  t.ok(store.gaveUp(busy));
  t.ok(store.gaveUp(new Error('wrapped by the query builder', { cause: busy })), 'found along the chain of causes');
});
