/**
 * The database digest the security tests hold a refused request to: it sees whatever another
 * connection commits to any table, on either backend, though it reads the tables again only once
 * its change marker (SQLite's data_version, PostgreSQL's triggers) has moved.
 */
import t from 'tap';
import { TABLES } from '../../src/store/types.js';
import { onAnotherConnection } from '../backend.js';
import { changedTables } from './db-digest.js';
import { buildWorld } from './world.js';

t.test('a commit to any table changes the digest; while nothing is committed nothing is read', async (t) => {
  const w = await buildWorld(t);
  const first = await w.digest.snapshot();
  t.equal(await w.digest.snapshot(), first, 'the same snapshot, not read again');
  await w.app.inject({ method: 'POST', url: '/v1/children', headers: { authorization: `Bearer ${w.tokens.household}` }, payload: { nickname: '' } });
  t.equal(await w.digest.snapshot(), first, 'not even after a refused request');

  // Children before the rows they point at, so that no foreign key stops a delete.
  const order = (table: string) => -(TABLES as readonly string[]).indexOf(table);
  const filled = Object.keys(first.rows)
    .filter((table) => first.rows[table]!.length > 0)
    .sort((a, b) => order(a) - order(b));
  t.ok(filled.length >= 10, `tables with rows: ${filled.join(', ')}`);
  for (const table of filled) {
    const before = await w.digest.snapshot();
    await onAnotherConnection(w.database, `DELETE FROM "${table}"`);
    const after = await w.digest.snapshot();
    t.ok(changedTables(before, after).includes(table), `${table}: emptied by another connection, and seen`);
  }

  await onAnotherConnection(w.database, 'CREATE TABLE digest_probe (x integer); INSERT INTO digest_probe VALUES (1)');
  t.equal((await w.digest.snapshot()).rows.digest_probe?.length, 1, 'a new table is read');
  await onAnotherConnection(w.database, 'INSERT INTO digest_probe VALUES (2)');
  t.equal((await w.digest.snapshot()).rows.digest_probe?.length, 2, 'and a write to it is seen');
});
