import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { importJsonl } from '../../src/catalogue/import.js';
import { importWikidata, ratingByLabel, readWikidata, WIKIDATA_CLASSES, WIKIDATA_RATINGS } from '../../src/catalogue/wikidata.js';
import { DEMO_FILE } from '../../src/demo/load.js';
import { findRating } from '../../src/domain/rating-systems.js';
import { TitleInput } from '../../src/schemas/titles.js';
import type { Store } from '../../src/store/index.js';
import { advisory, testStore } from '../helper.js';

const SAMPLE = join(import.meta.dirname, '../fixtures/wikidata-sample.json');
const sample = () => JSON.parse(readFileSync(SAMPLE, 'utf8')) as { head: { vars: string[] }; results: { bindings: unknown[] } };
const ENTITY = 'http://www.wikidata.org/entity/';

async function freshStore(t: { teardown(fn: () => unknown): void }): Promise<Store> {
  const store = await testStore();
  t.teardown(() => store.close());
  return store;
}

async function byName(store: Store, name: string) {
  const found = [];
  for await (const title of store.titles.exportAll()) if (title.name === name) found.push(title);
  return found;
}

t.test('every rating item stands for a rating of its system, and its mark read as a label names the same', async (t) => {
  for (const { system, items } of WIKIDATA_RATINGS) {
    for (const [item, mark] of Object.entries(items)) {
      t.ok(findRating(system, mark), `${system} ${item} is ${mark}`);
      t.equal(ratingByLabel(system, mark), mark);
      t.equal(ratingByLabel(system, `${system} ${mark}`), mark, `"${system} ${mark}"`);
    }
  }
  t.equal(ratingByLabel('USK', 'USK ab 12'), '12');
  t.equal(ratingByLabel('ESRB', 'Everyone 10+'), 'E10+');
  t.equal(ratingByLabel('ESRB', 'Mature 17+'), 'M');
  t.equal(ratingByLabel('CNC', 'Tous publics'), 'TP');
  t.equal(ratingByLabel('MPA', 'Rated PG-13'), 'PG-13');
  t.equal(ratingByLabel('BBFC', '12'), '12', '12 is not 12A');
  t.equal(ratingByLabel('BBFC', '12A'), '12A');
  for (const label of ['RP', 'Rating Pending', 'avertissement', '', 'FSK', '13']) t.equal(ratingByLabel(label === '13' ? 'BBFC' : 'FSK', label), undefined, `"${label}" names no rating`);
});

t.test('the README\'s query asks for every class and property the import reads, by the variables it reads them from', async (t) => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
  const query = /```sparql\n([\s\S]*?)```/.exec(readme)![1]!;
  const selected = /SELECT([\s\S]*?)WHERE/.exec(query)![1]!.split(/\s+/).filter(Boolean);
  for (const [item] of WIKIDATA_CLASSES) t.match(query, new RegExp(`VALUES \\?class \\{[^}]*wd:${item}\\b`), `class ${item}`);
  for (const { property, variable } of WIKIDATA_RATINGS) {
    t.match(query, `OPTIONAL { ?item wdt:${property} ?${variable} }`, `${property} as ?${variable}`);
    t.match(query, new RegExp(`\\|?wdt:${property}[|)]`), `${property} among the ratings a title must have one of`);
    t.ok(selected.includes(`?${variable}`) && selected.includes(`?${variable}Label`), `?${variable} and its label selected`);
  }
  for (const [property, variable] of [['P345', 'imdb'], ['P4947', 'tmdbMovie'], ['P4983', 'tmdbTv'], ['P577|wdt:P580', 'date']]) t.match(query, `OPTIONAL { ?item wdt:${property} ?${variable} }`);
});

t.test('a result read into titles: rows grouped by item, what cannot be read reported by row', async (t) => {
  const read = readWikidata(sample());
  t.equal(read.rows, 235);
  t.equal(read.titles.length, 175, 'one title per item');
  t.equal(read.skipped, 1, 'one item with no rating Guidepost knows');
  const facts = (name: string) => read.titles.find((x) => x.item.facts!.name === name)?.item.facts;

  const her = facts('Her')!;
  t.equal(her.year, 2013, 'the earliest of its two publication dates');
  t.same(her.externalIds, { imdb: 'tt1798709', tmdb: 'movie:152601', isbn: null });
  t.same(her.certifications.map((c) => `${c.system} ${c.rating}`), ['MPA R', 'FSK 12', 'BBFC 15']);
  t.same(facts('Fixture Film 10')!.certifications.map((c) => `${c.system} ${c.rating}`), ['MPA R', 'FSK 12'], 'rated PG-13 and R: the strictest stands');
  t.same(facts('Fixture Game 8')!.certifications.find((c) => c.system === 'PEGI'), { system: 'PEGI', rating: '18', reason: null, descriptors: [] }, 'PEGI 16 and 18 in two rows: the stricter');
  t.equal(facts('Fixture Series 3')!.externalIds.tmdb, 'tv:920003', 'a series takes its TMDB TV id');
  t.equal(facts('Fixture Game 1')!.externalIds.tmdb, null, 'a game has no TMDB id');
  t.same(facts('Label Only')!.certifications.map((c) => `${c.system} ${c.rating}`), ['USK 12', 'Kijkwijzer 14'], 'items not known, read by their labels');
  t.same(facts('Pending Game')!.certifications.map((c) => `${c.system} ${c.rating}`), ['PEGI 12'], 'ESRB RP left out, PEGI kept');
  t.same(facts('Mislabelled')!.certifications.map((c) => `${c.system} ${c.rating}`), ['MPA PG'], 'an id its label contradicts is left out');
  t.equal(facts('Two Ids')!.externalIds.imdb, null);
  t.equal(facts('Two Ids')!.externalIds.tmdb, 'movie:940007');
  t.equal(facts('Person Id')!.externalIds.imdb, null);
  t.equal(facts('Old Reel')!.year, null);
  t.equal(facts('Unknown Date')!.year, null);
  t.same(facts('Unrated Cut')!.certifications.map((c) => `${c.system} ${c.rating}`), ['MPA R'], 'FSK 12 beside an FSK value not read: no FSK at all');
  t.equal(facts('Cartoon Feature')!.kind, 'movie', 'an animated feature film is a movie');
  t.same(read.titles.filter((x) => x.item.facts!.name === 'Alone').map((x) => x.item.idsOnly), [true, true], 'two films called Alone in 2020: each by its ids alone');
  t.equal(read.titles.find((x) => x.item.facts!.name === 'Her')!.item.idsOnly, undefined, 'a name no other item has: matched by name too');
  t.notOk(facts('Twin'), 'two Twins without ids cannot be told apart');

  t.same(
    read.errors.map((e) => e.line),
    [217, 218, 219, 227, 232, 233],
  );
  t.match(read.errors, [
    { reason: /^Q9400005: no label/ },
    { reason: /^item: not a Wikidata item/ },
    { reason: /^Q9400006: "A Podcast" is none of film \(Q11424\), animated feature film \(Q29168811\), .*video game \(Q7889\)/ },
    { reason: /^not an object/ },
    { reason: 'Q9400016: cannot be told apart from Q9400017 (the same kind, name and year, and no IMDb or TMDB id); left out' },
    { reason: /^Q9400017: cannot be told apart from Q9400016/ },
  ]);
  t.match(read.warnings, [
    { line: 213, reason: 'Q9400001: ESRB Q14864333 "RP" is not one of the ESRB ratings Guidepost knows; left out' },
    { line: 214, reason: /^Q9400002: CNC Q23817739 "avertissement" is not one/ },
    { line: 214, reason: 'Q9400002: "Avertissement Only": no rating Guidepost knows; skipped' },
    { line: 215, reason: 'Q9400003: FSK Q20644796 "FSK 16" is FSK 12 by its id but FSK 16 by its label; left out' },
    { line: 220, reason: 'Q9400007: several IMDb ids (tt9400007, tt9400070); none kept' },
    { line: 222, reason: 'Q9400008: imdb "nm0000123" is not an IMDb title id; left out' },
    { line: 223, reason: 'Q9400009: year 1750 is outside 1800–2100; left out' },
    { line: 224, reason: /^Q9400010: date "http.*" is not a date; left out$/ },
    { line: 228, reason: 'Q9400013: FSK 12 left out too: another FSK value could not be read, and may be stricter' },
    { line: 229, reason: /^Q9400013: FSK Q94000131 "Keine Jugendfreigabe" is not one of the FSK ratings/ },
    { line: 230, reason: 'Q9400014: Q9400015 has the same kind, name and year; matched by its ids alone' },
    { line: 231, reason: 'Q9400015: Q9400014 has the same kind, name and year; matched by its ids alone' },
  ]);
});

t.test('what is not a SPARQL JSON result is refused whole', async (t) => {
  t.throws(() => readWikidata([]), /not a SPARQL JSON result.*head\.vars is missing/);
  t.throws(() => readWikidata({ head: { vars: ['item'] } }), /results\.bindings is missing/);
  t.throws(() => readWikidata({ head: { vars: ['film', 'filmLabel'] }, results: { bindings: [] } }), /must select \?item .*it selects \?film \?filmLabel/);
  t.same(readWikidata({ head: { vars: ['item', 'itemLabel'] }, results: { bindings: [] } }), { rows: 0, titles: [], errors: [], skipped: 0, warnings: [] });
  // An item with a label and a class but every rating unbound: nothing to merge.
  const bare = readWikidata({ head: { vars: ['item', 'itemLabel', 'class'] }, results: { bindings: [{ item: { type: 'uri', value: `${ENTITY}Q1` }, itemLabel: { type: 'literal', value: 'Bare' }, class: { type: 'uri', value: `${ENTITY}Q11424` } }] } });
  t.same([bare.skipped, bare.errors], [1, []]);
  t.match(bare.warnings, [{ line: 1, reason: 'Q1: "Bare": no rating Guidepost knows; skipped' }]);
  // A name the title schema refuses is the title's error, named as an import line's would be.
  const long = readWikidata({ head: { vars: ['item', 'itemLabel', 'class', 'mpa'] }, results: { bindings: [{ item: { type: 'uri', value: `${ENTITY}Q2` }, itemLabel: { type: 'literal', value: 'x'.repeat(301) }, class: { type: 'uri', value: `${ENTITY}Q11424` }, mpa: { type: 'uri', value: `${ENTITY}Q18665330` } }] } });
  t.match(long.errors, [{ line: 1, reason: /^Q2: name: / }]);
});

t.test('merged into the catalogue: by external id, then kind, name and year; editors\' work kept; idempotent', async (t) => {
  const store = await freshStore(t);
  await importJsonl(store, readFileSync(DEMO_FILE, 'utf8').split('\n'));
  const herBefore = (await store.titles.get({ by: 'imdb', imdb: 'tt1798709' }))!;
  // In the catalogue by kind, name and year alone; and a namesake holding another IMDb id.
  const quest = await store.titles.create(TitleInput.parse({ name: 'Fixture Quest', kind: 'game', year: 2019, certifications: [{ system: 'ESRB', rating: 'E' }], advisory: advisory() }));
  const namesake = await store.titles.create(TitleInput.parse({ name: 'Namesake', kind: 'movie', year: 2012, externalIds: { imdb: 'tt0000012' } }));
  const alone = await store.titles.create(TitleInput.parse({ name: 'Alone', kind: 'movie', year: 2020, advisory: advisory() }));
  const before = await store.titles.count();

  const progress: number[] = [];
  const report = await importWikidata(store, readWikidata(sample()), (r) => progress.push(r.lines), 50);
  t.match(report, { rows: 235, lines: 182, created: 172, updated: 3, unchanged: 0, skipped: 1 });
  t.equal(report.errors.length, 6);
  t.equal(report.warnings.length, 12);
  t.same(progress, [57, 107, 157, 182], 'after each transaction of 50 titles');
  t.equal(await store.titles.count(), before + 172);

  const her = (await store.titles.get({ by: 'imdb', imdb: 'tt1798709' }))!;
  t.same(her.title.certifications.map((c) => `${c.system} ${c.rating} ${c.reason ?? ''}`.trim()), [`MPA R ${herBefore.title.certifications[0]!.reason}`, 'FSK 12', 'BBFC 15'], 'the editors\' MPA R and its reason stand; FSK and BBFC added');
  t.same(her.title.advisory, herBefore.title.advisory, 'the advisory is untouched');
  t.equal(her.title.synopsis, herBefore.title.synopsis);
  t.equal(her.version, herBefore.version + 1);

  const q = (await store.titles.get({ by: 'id', id: quest.title.id }))!;
  t.same(q.title.certifications.map((c) => `${c.system} ${c.rating}`), ['ESRB E', 'PEGI 12'], 'found by kind, name and year: its ESRB E stands, PEGI added');
  t.ok(q.title.advisory);
  t.equal((await byName(store, 'Namesake')).length, 2, 'a namesake with another IMDb id is another title');
  t.equal((await store.titles.get({ by: 'id', id: namesake.title.id }))!.version, namesake.version, 'and is left alone');
  t.equal((await store.titles.get({ by: 'id', id: alone.title.id }))!.version, alone.version, 'the catalogue\'s Alone takes neither film called Alone');
  t.equal((await byName(store, 'Alone')).length, 3);
  const avatar = (await store.titles.get({ by: 'imdb', imdb: 'tt0417299' }))!;
  t.match(avatar.title, { kind: 'tv', externalIds: { tmdb: null } }, 'a series found by its IMDb id takes no film\'s TMDB id');
  t.same(avatar.title.certifications.map((c) => `${c.system} ${c.rating}`), ['US-TV TV-Y7', 'FSK 6']);

  const film = (await store.titles.get({ by: 'imdb', imdb: 'tt9100010' }))!;
  t.match(film.title, { name: 'Fixture Film 10', kind: 'movie', year: 1970, externalIds: { tmdb: 'movie:910010' }, advisory: null });
  t.match(film.title.summary, { age: 17, ageSource: 'certification' }, 'judged by its certifications');
  t.ok(await store.titles.get({ by: 'tmdb', tmdb: 'tv:920003' }));

  const again = await importWikidata(store, readWikidata(sample()));
  t.match(again, { created: 0, updated: 0, unchanged: 175 }, 'the same result again changes nothing');
  t.equal(await store.titles.count(), before + 172);

  // A row that finds one title by its IMDb id and another by its TMDB id cannot say which it is about.
  const clash = { head: { vars: ['item', 'itemLabel', 'class', 'imdb', 'tmdbMovie', 'mpa'] }, results: { bindings: [{ item: { type: 'uri', value: `${ENTITY}Q3` }, itemLabel: { type: 'literal', value: 'Clash' }, class: { type: 'uri', value: `${ENTITY}Q11424` }, imdb: { type: 'literal', value: 'tt1798709' }, tmdbMovie: { type: 'literal', value: '910001' }, mpa: { type: 'uri', value: `${ENTITY}Q18665330` } }] } };
  const clashed = await importWikidata(store, readWikidata(clash));
  t.match(clashed.errors, [{ line: 1, reason: /^Q3: its external ids belong to different titles/ }]);
  t.equal((await store.titles.get({ by: 'imdb', imdb: 'tt1798709' }))!.version, her.version, 'neither title changed');

  // A title the catalogue holds without a year is found by kind and name, and takes the year; two such candidates are refused.
  const one = (id: string, name: string, extra: Record<string, unknown>) => ({
    head: { vars: ['item', 'itemLabel', 'class', 'date', 'imdb', 'mpa'] },
    results: { bindings: [{ item: { type: 'uri', value: `${ENTITY}${id}` }, itemLabel: { type: 'literal', value: name }, class: { type: 'uri', value: `${ENTITY}Q11424` }, date: { type: 'literal', value: '2019-05-01T00:00:00Z' }, mpa: { type: 'uri', value: `${ENTITY}Q18665334` }, ...extra }] },
  });
  const yearless = await store.titles.create(TitleInput.parse({ name: 'Yearless', kind: 'movie', advisory: advisory() }));
  const found = await importWikidata(store, readWikidata(one('Q5', 'Yearless', { imdb: { type: 'literal', value: 'tt9500005' } })));
  t.match(found, { created: 0, updated: 1 });
  t.match((await store.titles.get({ by: 'id', id: yearless.title.id }))!.title, { year: 2019, externalIds: { imdb: 'tt9500005' }, certifications: [{ system: 'MPA', rating: 'PG' }], advisory: { ageRecommendation: 10 } });
  await store.titles.create(TitleInput.parse({ name: 'Double', kind: 'movie', year: 2019 }));
  await store.titles.create(TitleInput.parse({ name: 'Double', kind: 'movie' }));
  const doubled = await importWikidata(store, readWikidata(one('Q6', 'Double', {})));
  t.match(doubled.errors, [{ line: 1, reason: /^Q6: its kind and name match several titles \(tl_\w+, tl_\w+\), with its year or none; give it an id that tells them apart$/ }]);
  t.equal((await byName(store, 'Double')).length, 2, 'and no third is made');
});
