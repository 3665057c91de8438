/**
 * copyData, the heart of `guidepost migrate-data`, in process: a database with rows in every table
 * copies into an empty SQLite store and from there into an empty test store (PostgreSQL under
 * `npm run test:pg`), and all three hold the same rows; a target that holds anything is refused
 * and left as it was. (test/cli/migrate-data.test.ts runs the command itself.)
 */
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { freshDatabase, openStoreOn, testConfig } from '../backend.js';
import { copyData, TargetNotEmptyError } from '../../src/store/copy.js';
import { openStore } from '../../src/store/index.js';
import { TABLES } from '../../src/store/types.js';
import { contents, populate, testStore } from '../helper.js';

t.test('rows in every table copy across backends, each table counted', async (t) => {
  const database = freshDatabase(t);
  const app = await buildApp(testConfig({ ...database, GUIDEPOST_DEMO: true }));
  await populate(app);
  await app.close();

  const source = await openStoreOn(database);
  const sqlite = await openStore(':memory:');
  const target = await testStore();
  t.teardown(() => Promise.all([source.close(), sqlite.close(), target.close()]));

  const seen: string[] = [];
  const counts = await copyData(source, sqlite, (table) => seen.push(table));
  t.same([...new Set(seen)], TABLES, 'progress names each table as it goes, in order');
  for (const table of TABLES) t.ok(counts[table] > 0, `${table} has rows`);
  const original = await contents(source);
  t.same(await contents(sqlite), original, `${source.dialect} to sqlite: the same rows`);

  t.same(await copyData(sqlite, target), counts, 'the same counts the second time');
  t.same(await contents(target), original, `sqlite to ${target.dialect}: the same rows`);

  const refused = await copyData(source, target).catch((err: unknown) => err);
  t.type(refused, TargetNotEmptyError);
  t.match((refused as Error).message, /^the target database is not empty \(meta: \d+, titles: \d+,/);
  t.same(await contents(target), original, 'a refused copy writes nothing');
});
