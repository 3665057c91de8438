/**
 * Text is stored as it was sent, or refused with a 400 naming the field; it is never changed
 * silently. Regressions:
 * - found by the fuzz test: text holding a lone UTF-16 surrogate was stored as U+FFFD (UTF-8 has
 *   no form for it);
 * - found running the fuzz test on PostgreSQL: text or an id holding NUL (U+0000) was kept on
 *   SQLite and a 500 on PostgreSQL, whose text cannot hold it;
 * - issue 16: a leading byte-order mark was dropped ("\ufeffMaya" stored as "Maya", by trim), and a
 *   right-to-left override was accepted in a nickname or a headline, where it can make a
 *   parent's screen show the name reversed.
 * Lone surrogates, NUL and byte-order marks are refused wherever text is stored, NUL in ids too; bidirectional
 * controls in names, nicknames and headlines; odd but well-formed text elsewhere (emoji,
 * right-to-left marks and overrides in long text, zero-width, other control characters) is kept exactly.
 */
import t, { type Test } from 'tap';
import { importJsonl } from '../../src/catalogue/import.js';
import { advisory, bearer, call } from '../helper.js';
import { buildWorld, type World } from './world.js';

const BROKEN = 'Maya \ud800 and \udc00';
const ODD_BUT_FINE = 'Zoë 👨‍👩‍👧‍👦 \u202Eשלום\u202C \u2067isolate\u2069 zero\u200Bwidth \u0001 end';
const BIDI_CONTROLS = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069'];

type Case = readonly [method: 'POST' | 'PUT' | 'PATCH', url: string, token: string | null, payload: object, path: string];

/** Every stored text field that is a name, nickname or headline, holding `text`. */
function labelCases(w: World, text: string): Case[] {
  return [
    ['POST', '/v1/titles', w.tokens.editor, { name: text, kind: 'movie' }, 'name'],
    ['POST', '/v1/titles', w.tokens.editor, { name: 'Fine', kind: 'movie', cast: ['A', text] }, 'cast.1'],
    ['PATCH', `/v1/titles/${w.titles.her}`, w.tokens.editor, { directors: [text] }, 'directors.0'],
    ['PATCH', `/v1/titles/${w.titles.her}`, w.tokens.editor, { studio: text }, 'studio'],
    ['PATCH', `/v1/titles/${w.titles.her}`, w.tokens.editor, { genres: [text] }, 'genres.0'],
    ['POST', '/v1/children', w.tokens.household, { nickname: text, birth: '2015' }, 'nickname'],
    ['PATCH', `/v1/children/${w.children.a}`, w.tokens.household, { nickname: text }, 'nickname'],
    ['POST', '/v1/households', null, { name: text }, 'name'],
    ['POST', '/v1/households/me/tokens', w.tokens.household, { name: text }, 'name'],
    ['POST', '/v1/tokens', w.tokens.admin, { role: 'editor', name: text }, 'name'],
    ['POST', `/v1/titles/${w.titles.book}/reviews`, w.tokens.household, { by: 'parent', ageRating: 9, stars: 3, headline: text, body: 'x' }, 'headline'],
    ['PATCH', `/v1/reviews/${w.reviews.a}`, w.tokens.household, { headline: text }, 'headline'],
  ];
}

/** Every stored text field, holding `text`. */
function textCases(w: World, text: string): Case[] {
  return [
    ...labelCases(w, text),
    ['POST', '/v1/titles', w.tokens.editor, { name: 'Fine', kind: 'movie', certifications: [{ system: 'MPA', rating: 'PG', reason: text }] }, 'certifications.0.reason'],
    ['PATCH', `/v1/titles/${w.titles.her}`, w.tokens.editor, { synopsis: text }, 'synopsis'],
    ['PUT', `/v1/titles/${w.titles.toyStory}/advisory`, w.tokens.editor, advisory({ oneLiner: text }), 'oneLiner'],
    ['PUT', `/v1/titles/${w.titles.toyStory}/advisory`, w.tokens.editor, advisory({ talkAbout: [text] }), 'talkAbout.0'],
    ['PUT', `/v1/children/${w.children.a}/overrides/${w.titles.her}`, w.tokens.household, { decision: 'allow', note: text }, 'note'],
    ['PATCH', `/v1/reviews/${w.reviews.a}`, w.tokens.household, { body: text }, 'body'],
    ['POST', `/v1/titles/${w.titles.her}/flags`, w.tokens.household, { reason: 'inaccurate', note: text }, 'note'],
  ];
}

async function refusedEverywhere(t: Test, w: World, cases: Case[], message: RegExp) {
  const before = await w.digest();
  for (const [method, url, token, payload, path] of cases) {
    const res = await call(w.app, { method, url, headers: token ? bearer(token) : {}, payload });
    t.equal(res.statusCode, 400, `${method} ${url} ${path}`);
    t.match(res.data.errors, [{ path, message }], `${method} ${url}: ${res.body.slice(0, 300)}`);
  }
  t.equal(await w.digest(), before, 'nothing was stored');
}

t.test('a lone surrogate is refused wherever text is stored, and nothing is written', async (t) => {
  const w = await buildWorld(t);
  await refusedEverywhere(t, w, textCases(w, BROKEN), /lone UTF-16 surrogate/);
  const report = await importJsonl(w.app.store, [JSON.stringify({ name: BROKEN, kind: 'book' }), JSON.stringify({ name: 'Kept', kind: 'book', synopsis: ODD_BUT_FINE })]);
  t.match(report, { created: 1, errors: [{ line: 1, reason: /name: .*lone UTF-16 surrogate/ }] }, 'an import line too');
});

t.test('NUL is refused wherever text is stored, and in every id, on both backends', async (t) => {
  const w = await buildWorld(t);
  await refusedEverywhere(t, w, textCases(w, 'Ma\u0000ya'), /NUL character \(U\+0000\)/);
  const ids = [
    ['GET', '/v1/children/%00', w.tokens.household],
    ['GET', '/v1/reviews/%00', w.tokens.household],
    ['POST', '/v1/reviews/%00/helpful', w.tokens.household],
    ['PATCH', '/v1/flags/%00', w.tokens.editor],
    ['DELETE', '/v1/tokens/%00', w.tokens.admin],
    ['DELETE', '/v1/households/me/tokens/%00', w.tokens.household],
  ] as const;
  for (const [method, url, token] of ids) {
    const res = await call(w.app, { method, url, headers: bearer(token), ...(method === 'PATCH' && { payload: { status: 'resolved', note: 'x' } }) });
    t.equal(res.statusCode, 400, `${method} ${url}: ${res.body.slice(0, 200)}`);
  }
  const kid = await call(w.app, { method: 'POST', url: `/v1/titles/${w.titles.book}/reviews`, headers: bearer(w.tokens.household), payload: { by: 'kid', childId: 'ch_\u0000', ageRating: 9, stars: 3, headline: 'x', body: 'y' } });
  t.match(kid.data?.errors, [{ path: 'childId', message: /NUL/ }], 'an id in a body too');
});

t.test('a byte-order mark is refused wherever text is stored, leading or inside, never dropped', async (t) => {
  const w = await buildWorld(t);
  await refusedEverywhere(t, w, textCases(w, '\uFEFFMaya'), /byte-order mark \(U\+FEFF\)/);
  await refusedEverywhere(t, w, labelCases(w, 'Ma\uFEFFya'), /byte-order mark/);
  const report = await importJsonl(w.app.store, [JSON.stringify({ name: '\uFEFFBOM', kind: 'book' })]);
  t.match(report, { created: 0, errors: [{ line: 1, reason: /name: .*byte-order mark/ }] }, 'an import line too');
});

t.test('bidirectional controls are refused in names, nicknames and headlines, saying why', async (t) => {
  const w = await buildWorld(t);
  for (const control of BIDI_CONTROLS) {
    await refusedEverywhere(t, w, labelCases(w, `Maya${control}gpj.exe`), /bidirectional control character .* another order than it was written/);
  }
});

t.test('odd but well-formed text is kept exactly, bidirectional controls in long text included', async (t) => {
  const w = await buildWorld(t);
  const title = await call(w.app, { method: 'POST', url: '/v1/titles', headers: bearer(w.tokens.editor), payload: { name: 'Odd one', kind: 'movie', synopsis: ODD_BUT_FINE } });
  t.equal(title.statusCode, 201);
  t.equal((await call(w.app, { method: 'GET', url: `/v1/titles/${title.data.id}` })).data.synopsis, ODD_BUT_FINE);
  const override = await call(w.app, { method: 'PUT', url: `/v1/children/${w.children.a}/overrides/${title.data.id}`, headers: bearer(w.tokens.household), payload: { decision: 'block', note: ODD_BUT_FINE } });
  t.equal(override.data.note, ODD_BUT_FINE);
  const review = await call(w.app, { method: 'PATCH', url: `/v1/reviews/${w.reviews.a}`, headers: bearer(w.tokens.household), payload: { body: ` ${ODD_BUT_FINE} ` } });
  t.equal(review.statusCode, 200, review.body);
  t.equal(review.data.body, ` ${ODD_BUT_FINE} `, 'review text keeps even its surrounding spaces');
  const child = await call(w.app, { method: 'PATCH', url: `/v1/children/${w.children.a}`, headers: bearer(w.tokens.household), payload: { nickname: ' Zoë\u200F ' } });
  t.equal(child.data.nickname, 'Zoë\u200F', 'a nickname loses only its surrounding white space; a right-to-left mark is no control and stays');
});
