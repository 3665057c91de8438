/**
 * The age a title is suitable from is worked out from its facts whenever it is read (the
 * advisory, else the strictest certification, read through today's rating-system table), not
 * taken from the age stored when it was written: a release that changes what a certification
 * means must move the `forAge` filter, the age sort and the summary at once. A stored age left
 * behind by an older table stands in for that release here. Runs on the backend under test.
 */
import t from 'tap';
import { openStore } from '../../src/store/index.js';
import { freshDatabase, onAnotherConnection } from '../backend.js';

t.test('a stale stored age moves neither the age filter, the age sort nor the summary', async (t) => {
  const database = freshDatabase(t);
  const writer = await openStore(database.DATABASE_URL, { schema: database.DATABASE_SCHEMA });
  const teen = await writer.titles.create({
    name: 'Certified Only',
    kind: 'movie',
    releaseDates: {},
    genres: [],
    topics: [],
    cast: [],
    directors: [],
    certifications: [{ system: 'MPA', rating: 'PG-13' }],
    externalIds: {},
  });
  await writer.close();
  // What an older rating-system table would have left stored, written behind the store's back.
  await onAnotherConnection(database, `update titles set age = 3, sort_age = 3 where id = '${teen.title.id}'`);

  const store = await openStore(database.DATABASE_URL, { schema: database.DATABASE_SCHEMA, migrate: false });
  t.teardown(() => store.close());
  const listed = async (forAge: number) => (await store.titles.list({ filters: { levels: [], forAge }, sort: 'age', limit: 10 })).items.map((i) => i.id);
  t.same(await listed(10), [], 'PG-13 is not OK at 10, whatever the stored age says');
  t.same(await listed(13), [teen.title.id], 'and it is at 13');
  const page = await store.titles.list({ filters: { levels: [] }, sort: 'age', limit: 10 });
  t.same(page.keys[0]?.[0], 13, 'the age sort places it at 13');
  t.equal(page.items[0]?.summary.age, 13, 'the list summary reads 13');
  const read = await store.titles.get({ by: 'id', id: teen.title.id });
  t.same([read?.title.summary.age, read?.title.summary.ageSource], [13, 'certification'], 'so does the title itself');
});
