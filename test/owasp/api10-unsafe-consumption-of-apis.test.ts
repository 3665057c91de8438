/**
 * OWASP API10:2023 Unsafe Consumption of APIs — trusting data that comes from elsewhere more
 * than user input. Guidepost consumes one outside source: catalogue files from other systems,
 * imported as JSON Lines (`guidepost import`, and the demo catalogue through the same code). Each
 * line is held to the same schema as POST /v1/titles: a bad line is reported by number and
 * reason and stores nothing, whatever it tries (broken JSON, unknown or prototype keys, wrong
 * types, numbers beyond a double, bad external ids, unknown ratings, oversized or broken text),
 * while the good lines around it go in — as text, never as code. It never fetches what a line
 * points at (see api7-server-side-request-forgery).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { importJsonl } from '../../src/catalogue/import.js';
import { testStore, advisory, titleInput } from '../helper.js';
import { changedTables } from '../security/db-digest.js';
import { buildWorld } from '../security/world.js';

const line = (over: Record<string, unknown>) => JSON.stringify(titleInput({ name: 'Good', ...over }));

/** Lines a careless or hostile exporter might produce, each with what its report must say. */
const BAD_LINES: [string, string, RegExp][] = [
  ['broken JSON', '{"name": "Half', /not valid JSON/],
  ['not an object', '["name", "kind"]', /line: /],
  ['a string', '"Her"', /line: /],
  ['null', 'null', /line: /],
  ['an unknown field', line({ name: 'Unknown key', rating: 'PG' }), /rating: unknown field/],
  ['a __proto__ key', '{"name": "Proto", "kind": "movie", "__proto__": {"isAdmin": true}}', /__proto__: unknown field/],
  ['a constructor key', '{"name": "Ctor", "kind": "movie", "constructor": {"prototype": {"isAdmin": true}}}', /constructor: unknown field/],
  ['a wrong type', line({ name: 'Year as text', year: '2013' }), /year: /],
  ['a number beyond a double', '{"name": "Huge", "kind": "movie", "year": 1e400}', /year: /],
  ['a negative runtime', line({ name: 'Negative', runtimeMinutes: -90 }), /runtimeMinutes: /],
  ['an unknown kind', line({ name: 'Kind', kind: 'vhs' }), /kind: /],
  ['a bad IMDb id', line({ name: 'Bad imdb', externalIds: { imdb: 'tt0' } }), /externalIds\.imdb: /],
  ['a bad TMDB id', line({ name: 'Bad tmdb', externalIds: { tmdb: 'movie:0' } }), /externalIds\.tmdb: /],
  ['an ISBN with a bad check digit', line({ name: 'Bad isbn', kind: 'book', externalIds: { isbn: '9780316769489' } }), /externalIds\.isbn: /],
  ['an unknown rating', line({ name: 'Open', certifications: [{ system: 'MPA', rating: 'Open' }] }), /certifications\.0\.rating: /],
  ['an unknown rating system', line({ name: 'Sys', certifications: [{ system: 'NOPE', rating: '12' }] }), /certifications\.0\.system: /],
  ['an advisory missing a category', line({ name: 'Adv', advisory: { ...advisory(), ratings: { language: { level: 1, note: 'x' } } } }), /advisory\.ratings\.sex: /],
  ['a level out of range', line({ name: 'Lvl', advisory: advisory({ ratings: { ...advisory().ratings, violence: { level: 9, note: 'x' } } }) }), /advisory\.ratings\.violence\.level: /],
  ['an oversized name', line({ name: 'x'.repeat(301) }), /name: /],
  ['a name of punctuation only', line({ name: '!!! ???' }), /name: /],
  ['a lone surrogate', line({ name: 'Broken \ud800' }), /name: .*surrogate/],
  ['a right-to-left override in a name', line({ name: 'Fine', cast: ['\u202Egpj.exe'] }), /cast\.0: .*bidirectional control/],
  ['a byte-order mark', line({ name: '\uFEFFBOM' }), /name: .*byte-order mark/],
  ['a bad id', line({ name: 'Id', id: '../../etc/passwd' }), /id: /],
  ['too many genres', line({ name: 'Genres', genres: Array.from({ length: 21 }, (_, i) => `g${i}`) }), /genres: /],
  // Refused before they are parsed, as request bodies are (issue 16).
  ['100,000 unknown keys', JSON.stringify(Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, 0]))), /^line: has more than \d+ fields/],
  ['50,000 keys in the ratings', line({ name: 'Keys', advisory: advisory({ ratings: Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, 0])) }) }), /^advisory\.ratings: has more than/],
  ['nesting 100,000 deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, /: is nested more than \d+ deep/],
  ['30 unknown fields', line({ name: 'Stray', ...Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`stray${i}`, i])) }), /^stray0: unknown field; .*; and 10 more$/],
];

const INERT = [
  "'; DROP TABLE titles; --",
  '<script>alert(1)</script>',
  '{{constructor.constructor("return process")()}}',
  '${process.exit(1)}',
  '../../../../etc/passwd',
  '\u202Eevil',
];

t.test('bad lines are reported by number and reason, store nothing, and spoil none of the good ones', async (t) => {
  const w = await buildWorld(t);
  const before = await w.app.store.titles.count();
  const lines = [line({ name: 'First good' })];
  for (const [, text] of BAD_LINES) lines.push(text, line({ name: `Good after line ${lines.length + 1}` }));
  const report = await importJsonl(w.app.store, lines);
  t.equal(report.lines, lines.length);
  t.equal(report.created, BAD_LINES.length + 1, 'every good line went in');
  t.equal(await w.app.store.titles.count(), before + BAD_LINES.length + 1, 'and nothing else did');
  t.equal(report.errors.length, BAD_LINES.length);
  BAD_LINES.forEach(([what, , reason], i) => {
    const error = report.errors[i]!;
    t.equal(error.line, 2 + i * 2, `${what}: reported at its line`);
    t.match(error.reason, reason, `${what}: ${error.reason}`);
  });
  t.equal(({} as Record<string, unknown>).isAdmin, undefined, 'no prototype was polluted');
  t.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'isAdmin'), false);
});

t.test('what a good line carries is stored as text and never run', async (t) => {
  const w = await buildWorld(t);
  const report = await importJsonl(
    w.app.store,
    // A name refuses bidirectional controls (a bad line above); long text keeps them.
    INERT.map((text, i) => line({ name: `Inert ${i}`, synopsis: text, cast: [text.replace('\u202E', '')], advisory: advisory({ oneLiner: text }) })),
  );
  t.match(report, { created: INERT.length, errors: [] });
  const names: string[] = [];
  for await (const title of w.app.store.titles.exportAll()) {
    names.push(title.name);
    const i = INERT.findIndex((_, n) => title.name === `Inert ${n}`);
    if (i >= 0) t.same([title.synopsis, title.cast[0], title.advisory?.oneLiner], [INERT[i], INERT[i]!.replace('\u202E', ''), INERT[i]], `kept as given: ${INERT[i]}`);
  }
  t.ok(names.includes('Her'), 'the catalogue is intact');
});

t.test('an import matched by external id replaces only that title, never another household or a token', async (t) => {
  const w = await buildWorld(t);
  const before = await w.digest.snapshot();
  const report = await importJsonl(w.app.store, [line({ name: 'Her (re-imported)', externalIds: { imdb: 'tt1798709' }, advisory: null })]);
  t.match(report, { updated: 1, errors: [] });
  const after = await w.digest.snapshot();
  t.ok(changedTables(before, after).includes('titles'));
  // title_changes and title_epoch: PostgreSQL's record of which titles changed, for every instance's title index.
  const catalogue = ['titles', 'advisories', 'certifications', 'title_changes', 'title_epoch'];
  t.same(changedTables(before, after).filter((table) => !catalogue.includes(table)), [], 'only catalogue tables changed');
});

t.test('the demo catalogue goes through the same checks and passes them', async (t) => {
  const file = fileURLToPath(new URL('../../src/demo/titles.jsonl', import.meta.url));
  const store = await testStore();
  t.teardown(() => store.close());
  const report = await importJsonl(store, readFileSync(file, 'utf8').split('\n'));
  t.same(report.errors, []);
  t.ok(report.created >= 40);
});
