/**
 * The in-memory title index behind the child's catalogue stays in step with the database:
 * writes by another process (an import), review changes, removed cursor titles; and its
 * string order is the database's (SQLite's, or PostgreSQL's `collate "C"` under `npm run test:pg`).
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import pg from 'pg';
import t, { type Test } from 'tap';
import { allowedTest, anonymousPolicy, type Policy } from '../../src/domain/verdict.js';
import { TitleInput } from '../../src/schemas/titles.js';
import type { Store } from '../../src/store/index.js';
import { signUp } from '../../src/services/households.js';
import { compareCodePoints, TitleIndex, type IndexEntry } from '../../src/store/title-index.js';
import type { TitleSort } from '../../src/store/types.js';
import { importItem } from '../../src/store/title-mapping.js';
import { freshDatabase, openStoreOn, POSTGRES_URL } from '../backend.js';
import { testStore, advisory } from '../helper.js';

const everything: Policy = { ...anonymousPolicy(18), unrated: 'allow' };

function catalogue(store: Store, { policy = everything, sort = 'name' as TitleSort, limit = 100, after = undefined as [string | number, string] | undefined } = {}) {
  return store.titles.catalogue({ filters: { levels: [] }, sort, limit, after, decided: new Map(), accept: { key: JSON.stringify(policy), test: allowedTest(policy) } });
}

const line = (name: string, age = 8) => TitleInput.parse({ name, kind: 'movie', year: 2020, advisory: advisory({ ageRecommendation: age }) });

/** The database's order of a list of strings, and the strings it can hold. */
async function databaseOrder(t: Test): Promise<{ text: fc.Arbitrary<string>; order(strings: string[]): Promise<string[]> }> {
  if (POSTGRES_URL) {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    t.teardown(() => client.end());
    return {
      // PostgreSQL text holds neither NUL nor a lone surrogate (not UTF-8).
      text: fc.string({ unit: 'binary' }).filter((s) => s.isWellFormed() && !s.includes('\0')),
      order: async (strings) => (await client.query<{ v: string }>('select v from unnest($1::text[]) v order by v collate "C"', [strings])).rows.map((r) => r.v),
    };
  }
  const db = new Database(':memory:');
  t.teardown(() => db.close());
  const select = db.prepare<[string], string>('select value from json_each(?) order by value').pluck();
  return { text: fc.string({ unit: 'binary' }), order: async (strings) => select.all(JSON.stringify(strings)) };
}

t.test('compareCodePoints orders strings as the database does', async (t) => {
  const { text, order } = await databaseOrder(t);
  await fc.assert(
    fc.asyncProperty(fc.array(text, { minLength: 2, maxLength: 12 }), async (strings) => {
      t.same([...strings].sort(compareCodePoints), await order(strings));
    }),
    { numRuns: 200 },
  );
});

t.test('titles another process imports show up in the catalogue', async (t) => {
  const database = freshDatabase(t);
  const server = await openStoreOn(database);
  const cli = await openStoreOn(database);
  t.teardown(async () => {
    await server.close();
    await cli.close();
  });
  await server.titles.create(line('Alpha'));
  t.same((await catalogue(server)).items.map((i) => i.name), ['Alpha']);

  await cli.titles.importBatch([line('Bravo'), line('Charlie', 16)].map(importItem));
  t.same((await catalogue(server)).items.map((i) => i.name), ['Alpha', 'Bravo', 'Charlie'], 'new titles appear');
  const twelve = anonymousPolicy(12);
  t.same((await catalogue(server, { policy: twelve })).items.map((i) => i.name), ['Alpha', 'Bravo']);

  // Another process changes an advisory: the next page decides on the new age.
  const bravo = (await catalogue(server)).items.find((i) => i.name === 'Bravo')!;
  await cli.titles.putAdvisory({ by: 'id', id: bravo.id }, line('Bravo', 15).advisory!, undefined);
  t.same((await catalogue(server, { policy: twelve })).items.map((i) => i.name), ['Alpha'], 'a changed advisory counts at once');

  // Another process commits, then this one writes before its next page: both count.
  await cli.titles.importBatch([importItem(line('Delta'))]);
  await server.titles.create(line('Echo'));
  t.same((await catalogue(server, { policy: twelve })).items.map((i) => i.name), ['Alpha', 'Delta', 'Echo'], "one's own write does not hide another's");

  // And removes a title: the index is rebuilt when the counts disagree.
  await cli.titles.remove({ by: 'id', id: bravo.id }, undefined);
  t.same((await catalogue(server)).items.map((i) => i.name), ['Alpha', 'Charlie', 'Delta', 'Echo'], 'a removed title goes');
});

t.test('a page after a removed title starts where that title was', async (t) => {
  const store = await testStore();
  t.teardown(() => store.close());
  for (const name of ['Alpha', 'Bravo', 'Charlie', 'Delta']) await store.titles.create(line(name));
  const first = await catalogue(store, { limit: 2 });
  t.same(first.items.map((i) => i.name), ['Alpha', 'Bravo']);
  await store.titles.remove({ by: 'id', id: first.items[1]!.id }, undefined);
  const next = await catalogue(store, { limit: 2, after: first.keys[1] });
  t.same(next.items.map((i) => i.name), ['Charlie', 'Delta']);
  const byAge = await catalogue(store, { sort: 'newest', limit: 1 });
  t.equal(byAge.items.length, 1);
});

t.test("the parents' median moves the strictest rule as reviews come and go", async (t) => {
  const store = await testStore();
  t.teardown(() => store.close());
  const title = await store.titles.create(line('Echo', 8));
  const strictest: Policy = { ...anonymousPolicy(10), ageRule: 'strictest', communityMinReviews: 2 };
  t.equal((await catalogue(store, { policy: strictest })).items.length, 1, 'allowed at 10 on the advisory alone');
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const { household } = await signUp(store, null);
    const review = await store.reviews.create({ titleId: title.title.id, householdId: household.id, childId: null, by: 'parent', authorAge: null, ageRating: 14, stars: 3, headline: 'h', body: 'b' });
    ids.push(review.id);
  }
  t.equal((await catalogue(store, { policy: strictest })).items.length, 0, 'two parents at 14 block it at 10');
  await store.reviews.setHidden(ids[0]!, true);
  t.equal((await catalogue(store, { policy: strictest })).items.length, 1, 'a hidden review no longer counts');
  await store.reviews.setHidden(ids[0]!, false);
  await store.reviews.remove(ids[1]!, undefined);
  t.equal((await catalogue(store, { policy: strictest })).items.length, 1, 'a removed review no longer counts');
});

t.test('orders and kept answers, kept in step write by write, match an index built afresh', async (t) => {
  const names = ['alpha', 'bravo', 'charlie', 'Éclair', 'delta', 'echo'];
  const entry = fc.record({
    id: fc.integer({ min: 0, max: 11 }).map((n) => `tl_${n.toString().padStart(20, '0')}`),
    name: fc.constantFrom(...names),
    age: fc.integer({ min: 2, max: 18 }),
    violence: fc.integer({ min: 0, max: 5 }),
    released: fc.constantFrom('', '2001', '2001-05-02', '2019-12-31'),
    stars: fc.integer({ min: 0, max: 5 }),
  });
  const op = fc.oneof(entry.map((e) => ({ put: e })), fc.integer({ min: 0, max: 11 }).map((n) => ({ remove: `tl_${n.toString().padStart(20, '0')}` })));
  const toEntry = (e: { id: string; name: string; age: number; violence: number; released: string; stars: number }): IndexEntry => ({
    id: e.id,
    kind: 'movie',
    level: 'title',
    parentId: null,
    nameKey: e.name.toLowerCase(),
    genreKeys: '|drama|',
    sortAge: e.age,
    sortReleased: e.released,
    sortStars: e.stars,
    updatedAt: '2026-01-01T00:00:00.000Z',
    facts: {
      name: e.name,
      advisory: { ageRecommendation: e.age, ratings: { violence: { level: e.violence, note: '' } } },
      certifications: [],
      community: { parents: { count: 0, medianAge: null } },
    },
  });
  const policies = [anonymousPolicy(10), { ...anonymousPolicy(18), limits: { violence: 2 } } as Policy];
  const accepts = policies.map((p) => ({ key: JSON.stringify(p), test: allowedTest(p) }));
  const sorts: TitleSort[] = ['name', 'newest', 'stars', 'age'];
  const pages = (index: TitleIndex) =>
    sorts.flatMap((sort) => [undefined, ...accepts].map((accept) => index.scan({ filters: { levels: [] }, sort, limit: 100, decided: new Map(), accept }).ids));
  fc.assert(
    fc.property(fc.array(op, { maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 4 }), (ops, readsAt) => {
      const kept = new TitleIndex();
      const live = new Map<string, IndexEntry>();
      ops.forEach((o, i) => {
        // Reads between writes make the index keep its orders and answers, which the writes must then move.
        if (readsAt.includes(i)) pages(kept);
        if ('put' in o) {
          kept.put(toEntry(o.put));
          live.set(o.put.id, toEntry(o.put));
        } else {
          kept.remove(o.remove);
          live.delete(o.remove);
        }
      });
      const fresh = new TitleIndex();
      for (const e of live.values()) fresh.put(e);
      t.same(pages(kept), pages(fresh));
    }),
    { numRuns: 300 },
  );
});
