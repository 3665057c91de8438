/**
 * The title index saved in the database (src/store/title-index-snapshot.ts): a store that starts
 * on a saved snapshot answers every list exactly as one that built its index from the tables,
 * after catching up with what changed since; and a snapshot that could be stale is never used:
 * one saved by other code, one older than the change log keeps, one a part of which is missing,
 * one that does not hold every title. Runs on the backend under test.
 */
import t, { type Test } from 'tap';
import { allowedTest, anonymousPolicy, type Policy } from '../../src/domain/verdict.js';
import { TitleInput } from '../../src/schemas/titles.js';
import type { Store } from '../../src/store/index.js';
import { TitleIndex, type IndexEntry } from '../../src/store/title-index.js';
import type { TitleSort } from '../../src/store/types.js';
import { freshDatabase, onAnotherConnection, openStoreOn, queryOnAnotherConnection, type DatabaseRef } from '../backend.js';
import { advisory } from '../helper.js';

const SORTS: TitleSort[] = ['name', 'newest', 'stars', 'age'];
const POLICIES: Policy[] = [{ ...anonymousPolicy(18), unrated: 'allow' }, anonymousPolicy(10), { ...anonymousPolicy(18), limits: { violence: 2 } }];

function line(name: string, age: number, violence: number, year: number) {
  const { ratings, ...rest } = advisory({ ageRecommendation: age });
  return TitleInput.parse({ name, kind: 'movie', year, advisory: { ...rest, ratings: { ...ratings, violence: { level: violence, note: 'Fights.' } } } });
}

/** Every sort under every policy, two titles a page, followed to the end: the ids in order. */
async function everyList(store: Store): Promise<string[][]> {
  const lists: string[][] = [];
  for (const sort of SORTS) {
    for (const policy of POLICIES) {
      const ids: string[] = [];
      for (let after: [string | number, string] | undefined; ; ) {
        const page = await store.titles.catalogue({ filters: { levels: [] }, sort, limit: 2, after, decided: new Map(), accept: { key: JSON.stringify(policy), test: allowedTest(policy) } });
        ids.push(...page.items.map((item) => item.id));
        if (!page.more) break;
        after = page.keys.at(-1);
      }
      lists.push(ids);
    }
  }
  return lists;
}

/** A store opened on the database as a starting server opens it: its index ready, and whether it came from the snapshot. */
async function start(t: Test, database: DatabaseRef): Promise<{ store: Store; fromSnapshot: boolean }> {
  const store = await openStoreOn(database);
  t.teardown(() => store.close());
  await store.titles.warm();
  return { store, fromSnapshot: (await store.titles.indexStats())!.fromSnapshot };
}

t.test('a started store loads the saved index, catches up, and lists exactly what a built one lists', async (t) => {
  const database = freshDatabase(t);
  const first = await start(t, database);
  t.equal(first.fromSnapshot, false, 'nothing saved yet: built from the tables');
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) ids.push((await first.store.titles.create(line(`Title ${(i * 7) % 12}`, 4 + i, i % 6, 2000 + ((i * 5) % 9)))).title.id);
  await everyList(first.store);
  t.equal(await first.store.titles.saveIndex(), true, 'saved');
  t.equal(await first.store.titles.saveIndex(), false, 'nothing new to save');

  // Changes after the save: the next store must catch up with them from the log.
  await first.store.titles.remove({ by: 'id', id: ids[3]! }, undefined);
  await first.store.titles.putAdvisory({ by: 'id', id: ids[5]! }, line('x', 15, 5, 2000).advisory!, undefined);
  await first.store.titles.update({ by: 'id', id: ids[7]! }, { name: 'Aardvark' }, undefined);
  await first.store.titles.create(line('Zebra', 6, 1, 2024));
  const expected = await everyList(first.store);

  const second = await start(t, database);
  t.equal(second.fromSnapshot, true, 'loaded from the snapshot');
  t.same(await everyList(second.store), expected, 'the same lists, changes since the save included');

  // It goes on following changes as a built index does.
  await second.store.titles.create(line('Yak', 9, 3, 2010));
  await second.store.titles.remove({ by: 'id', id: ids[0]! }, undefined);
  t.same(await everyList(second.store), await everyList(first.store), 'and after writes of its own');
});

t.test('a snapshot that may be stale is not used', async (t) => {
  const database = freshDatabase(t);
  const first = await start(t, database);
  for (let i = 0; i < 5; i++) await first.store.titles.create(line(`Title ${i}`, 6 + i, i, 2010 + i));
  const expected = await everyList(first.store);
  const resave = async () => {
    await onAnotherConnection(database, 'delete from title_index_snapshots');
    const saver = await start(t, database);
    t.equal(await saver.store.titles.saveIndex(), true);
  };

  await resave();
  t.equal((await start(t, database)).fromSnapshot, true, 'a good snapshot is used');

  await onAnotherConnection(database, "update title_index_snapshots set fingerprint = 'saved-by-other-code'");
  t.equal((await start(t, database)).fromSnapshot, false, 'one saved by other code is not');

  await resave();
  await first.store.titles.create(line('Later', 8, 0, 2020));
  await onAnotherConnection(database, 'update title_epoch set forgotten = epoch');
  const forgotten = await start(t, database);
  t.equal(forgotten.fromSnapshot, false, 'one older than the log keeps is not');
  t.same((await everyList(forgotten.store))[0]!.length, expected[0]!.length + 1, 'and the title made since is listed');

  await resave();
  await onAnotherConnection(database, 'delete from title_index_snapshots where part = 1');
  t.equal((await start(t, database)).fromSnapshot, false, 'one missing a part is not');

  await resave();
  // A row removed behind the log's back: the snapshot holds a title the table does not.
  const [gone] = await queryOnAnotherConnection<{ id: string }>(database, 'select id from titles order by id limit 1');
  await onAnotherConnection(database, `delete from titles where id = '${gone!.id}'`);
  const uncounted = await start(t, database);
  t.equal(uncounted.fromSnapshot, false, 'one that does not hold as many titles as the table is not');
  t.notOk((await everyList(uncounted.store)).some((list) => list.includes(gone!.id)), 'and the removed title is in no list');
});

t.test('an index restored from its image answers and changes as the original does', async (t) => {
  const entry = (n: number, name: string, age: number): IndexEntry => ({
    id: `tl_${String(n).padStart(20, '0')}`,
    kind: n % 2 ? 'movie' : 'book',
    level: 'title',
    parentId: null,
    nameKey: name,
    genreKeys: n % 3 ? '|drama|' : '|comedy|drama|',
    sortAge: age,
    sortReleased: `${2000 + n}-0${1 + (n % 9)}`,
    sortStars: n % 6,
    updatedAt: `2026-01-0${1 + (n % 9)}T00:00:00.000Z`,
    facts: { name, advisory: { ageRecommendation: age, ratings: { violence: { level: n % 6, note: '' } } }, certifications: [], community: { parents: { count: n, medianAge: n ? 7 + (n % 5) : null } } },
  });
  const original = new TitleIndex();
  for (let n = 0; n < 40; n++) original.put(entry(n, `name ${(n * 13) % 40}`, 3 + (n % 14)));
  original.remove(entry(5, '', 0).id);
  const accepts = POLICIES.map((p) => ({ key: JSON.stringify(p), test: allowedTest(p) }));
  const pages = (index: TitleIndex) =>
    SORTS.flatMap((sort) => [undefined, ...accepts].map((accept) => index.scan({ filters: { levels: [], genre: 'comedy', forAge: 12 }, sort, limit: 100, decided: new Map(), accept }).ids));
  // A kept sort order goes into the image; others are made on first use.
  original.scan({ filters: { levels: [] }, sort: 'name', limit: 0, decided: new Map() });

  const image = original.image();
  // Through bytes, as the database keeps it.
  const copied = Object.fromEntries(Object.entries(image.columns).map(([name, column]) => [name, column.slice()]));
  const restored = TitleIndex.fromImage({ meta: JSON.parse(JSON.stringify(image.meta)), columns: copied });
  t.equal(restored.size, original.size);
  t.same(pages(restored), pages(original));

  // Writes after the restore grow it and move its orders as they do the original's.
  for (const index of [original, restored]) {
    for (let n = 40; n < 60; n++) index.put(entry(n, `late ${n}`, 5 + (n % 10)));
    index.put(entry(7, 'aaa', 17));
    index.remove(entry(9, '', 0).id);
  }
  t.same(pages(restored), pages(original));
});
